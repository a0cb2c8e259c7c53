"""python manage.py import_orgs FILE.xlsx [--dry-run]: import the organization workbook
as the system (full rights, including new top-level organizations)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from debrief.orgs.excel import ImportResult, import_organizations


class Command(BaseCommand):
    help = "Import organizations from an Excel workbook (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .xlsx workbook")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check the file and report what would change, without changing anything",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        dry_run: bool = options["dry_run"]
        try:
            with path.open("rb") as file_obj:
                result = import_organizations(
                    file_obj,
                    user=None,
                    max_bytes=settings.DEBRIEF_MAX_UPLOAD_MB * 1024 * 1024,
                    dry_run=dry_run,
                    filename=path.name,
                )
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": path, "error": exc.strerror}
            ) from exc
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("%(n)d problem(s) found; nothing was changed.") % {"n": len(result.errors)}
            )
        self.stdout.write(self._summary(result))

    @staticmethod
    def _summary(result: ImportResult) -> str:
        counts = (
            _(
                "Rows: %(rows)d. Created: %(created)d, updated: %(updated)d, moved: %(moved)d, "
                "unchanged: %(unchanged)d."
            )
            % result.counts()
        )
        if result.dry_run:
            return _("Check only, nothing was changed. %(counts)s") % {"counts": counts}
        return counts
