"""python manage.py rectification_sweep [--date YYYY-MM-DD]

The daily job of the rectification loop (整改闭环). It

- marks every open, in-progress or reopened item whose deadline has passed as overdue,
  adds an "overdue" entry to its timeline and leaves an in-app notice for the accounts
  of its responsible organization (secretary, staff, administrator);
- clears the mark where an item has been completed or closed since, or its deadline
  was moved to today or later;
- prints how many items it marked and cleared and how many notices it created.

It is idempotent: an item is marked and announced once each time it becomes overdue
(a notice is keyed by item and deadline), so running it twice a day, or again after a
failure, changes nothing more. `--date` runs it as of another day (to catch up, or to
test); the default is today in the server's time zone (DEBRIEF_TIME_ZONE).

Schedule it once a day, shortly after midnight, as the same user and with the same
environment (DEBRIEF_SECRET_KEY, DATABASE_URL, ...) as the web application. With cron
(/etc/cron.d/debrief, the environment file being the one the service uses):

    15 0 * * *  debrief  cd /srv/debrief && set -a && . /etc/debrief/env && set +a
        && .venv/bin/python manage.py rectification_sweep >> /var/log/debrief/sweep.log 2>&1

(one line in the crontab, split here for width).

With a systemd timer (debrief-sweep.service and debrief-sweep.timer):

    [Service]
    Type=oneshot
    User=debrief
    WorkingDirectory=/srv/debrief
    EnvironmentFile=/etc/debrief/env
    ExecStart=/srv/debrief/.venv/bin/python manage.py rectification_sweep

    [Timer]
    OnCalendar=*-*-* 00:15:00
    Persistent=true

    [Install]
    WantedBy=timers.target

See docs/rectification-job.md.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from debrief.rectification.services import rectification_sweep


class Command(BaseCommand):
    help = (
        "Mark rectification items past their deadline overdue, notify their owners, and "
        "clear marks that no longer apply. Safe to run repeatedly; run it daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            metavar="YYYY-MM-DD",
            help="run as of this day instead of today",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options.get("date"):
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(
                    _("--date must be a date written as YYYY-MM-DD, not “%(value)s”.")
                    % {"value": options["date"]}
                ) from exc
        result = rectification_sweep(today=today)
        self.stdout.write(
            _("marked overdue: %(marked)d; cleared: %(cleared)d; notices: %(notices)d")
            % {
                "marked": result.marked_overdue,
                "cleared": result.cleared,
                "notices": result.notices,
            }
        )
