"""python manage.py export_cycle <cycle id> FILE.json: write the cycle archive (归档)
in the format of docs/archive.md (UTF-8, indented, Chinese left readable)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from debrief.assessments.archive import export_cycle
from debrief.cycles.models import Cycle
from debrief.lib.errors import DomainError


class Command(BaseCommand):
    help = "Export one cycle as a JSON archive (docs/archive.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("cycle", type=int, help="the cycle's id")
        parser.add_argument("file", help="the .json file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        cycle = Cycle.objects.select_related("host").filter(pk=options["cycle"]).first()
        if cycle is None:
            raise CommandError(_("There is no cycle %(id)d.") % {"id": options["cycle"]})
        try:
            document = export_cycle(cycle)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        path = Path(options["file"])
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(
                _("Cannot write %(file)s: %(error)s") % {"file": path, "error": exc.strerror}
            ) from exc
        self.stdout.write(
            _("%(title)s: %(reporters)d reporters written to %(file)s.")
            % {"title": cycle.title, "reporters": len(document["roster"]), "file": path}
        )
