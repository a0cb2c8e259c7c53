"""python manage.py import_progress FILE.xlsx --user USERNAME [--dry-run]

Import rectification progress (columns 编号, 进展说明, 完成进度; the ledger itself is
accepted) as the given account, with its rights: only items of organizations it is
responsible for. All or nothing: every problem is listed with its row number and then
nothing is changed. --dry-run checks and reports without changing anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from debrief.rectification.excel import import_progress


class Command(BaseCommand):
    help = "Import rectification progress from an Excel workbook (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .xlsx workbook")
        parser.add_argument("--user", required=True, help="the account the progress is by")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check the file and report what would change, without changing anything",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        dry_run: bool = options["dry_run"]
        user_model = get_user_model()
        try:
            user = user_model.objects.get(username=options["user"], is_active=True)
        except user_model.DoesNotExist as exc:
            raise CommandError(
                _("No active account named %(name)s.") % {"name": options["user"]}
            ) from exc
        try:
            with path.open("rb") as file_obj:
                result = import_progress(
                    file_obj,
                    user=user,
                    max_bytes=int(settings.DEBRIEF_MAX_UPLOAD_MB) * 1024 * 1024,
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
        counts = _("%(rows)d rows: %(applied)d progress entries, %(skipped)d unchanged.") % (
            result.counts()
        )
        if dry_run:
            counts = _("Check only, nothing was changed. %(counts)s") % {"counts": counts}
        self.stdout.write(counts)
