"""python manage.py import_cycle FILE.json [--dry-run]: import a cycle archive
(docs/archive.md), recompute its results and compare them with the archived ones.

Exit status: 0 when the recomputed results match the archive (or it carries none);
1 when the archive cannot be imported (every problem is listed with its JSON path,
nothing is changed); 3 when it was imported but the recomputed results differ (the
differences are listed).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from debrief.assessments.archive import ArchiveError, ImportReport, import_cycle
from debrief.lib.errors import DomainError

DIFFERENCES_EXIT_CODE = 3


class Command(BaseCommand):
    help = "Import a cycle archive, recompute the results and compare them with the archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .json archive")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check, import, recompute and compare, then roll everything back",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": path, "error": exc.strerror}
            ) from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(
                _("%(file)s is not UTF-8 JSON: %(error)s") % {"file": path, "error": exc}
            ) from exc
        try:
            report = import_cycle(data, dry_run=options["dry_run"])
        except ArchiveError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(str(exc)) from exc
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self._print(report)
        if report.differences:
            raise CommandError(
                _("%(n)d recomputed value(s) differ from the archive.")
                % {"n": len(report.differences)},
                returncode=DIFFERENCES_EXIT_CODE,
            )

    def _print(self, report: ImportReport) -> None:
        write = self.stdout.write
        if report.dry_run:
            write(_("Dry run: the archive was imported and checked, then rolled back."))
        else:
            write(
                _("Imported as cycle %(id)s (status: %(status)s, results: %(results)s).")
                % {
                    "id": report.cycle_id,
                    "status": report.cycle_status,
                    "results": report.results_status,
                }
            )
        write(", ".join(f"{name} {count}" for name, count in sorted(report.counts.items())))
        for warning in report.warnings:
            write(_("Warning: %(w)s") % {"w": warning})
        if not report.compared:
            write(_("The archive carries no results: nothing to compare."))
        elif not report.differences:
            write(_("The recomputed results match the archive."))
        else:
            headers = (
                pgettext("archive differences", "reporter"),
                pgettext("archive differences", "field"),
                pgettext("archive differences", "archived"),
                pgettext("archive differences", "recomputed"),
            )
            rows = [(d.reporter, d.field, d.archived, d.recomputed) for d in report.differences]
            widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(3)]
            for row in [headers, *rows]:
                write(
                    "  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row[:3]))
                    + "  "
                    + str(row[3])
                )
