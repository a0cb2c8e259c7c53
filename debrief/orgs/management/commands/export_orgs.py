"""python manage.py export_orgs FILE.xlsx [--root CODE]: write the organization tree
(or one subtree) as a workbook that import_orgs reads back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from debrief.orgs.excel import export_workbook
from debrief.orgs.models import Organization


class Command(BaseCommand):
    help = "Export organizations to an Excel workbook."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .xlsx workbook to write")
        parser.add_argument("--root", metavar="CODE", help="export only this subtree")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        orgs = Organization.objects.all()
        if options["root"]:
            root = Organization.objects.filter(code=options["root"]).first()
            if root is None:
                raise CommandError(
                    _("No organization has the code “%(code)s”.") % {"code": options["root"]}
                )
            orgs = root.subtree()
        count = orgs.count()
        try:
            export_workbook(orgs).save(path)
        except OSError as exc:
            raise CommandError(
                _("Cannot write %(file)s: %(error)s") % {"file": path, "error": exc.strerror}
            ) from exc
        self.stdout.write(
            _("%(n)d organizations written to %(file)s.") % {"n": count, "file": path}
        )
