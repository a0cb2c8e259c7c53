"""`python manage.py demo`: build the demo county 示范县 once and print its logins.

Running it again changes nothing: when the county is present it only prints the
logins. It refuses (without failing, so that `make run` still starts the server) to
build into a database that already holds other organizations or the demo user names,
because the demo brings accounts with a published password.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from debrief.demo.builder import build_demo, demo_blockers, demo_logins_text, demo_present
from debrief.demo.slips import demo_slips_text


class Command(BaseCommand):
    help = "Build the demo county 示范县 (once) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        if demo_present():
            self.stdout.write(
                "示范县演示数据已存在，未做改动 / demo county already present; nothing changed"
            )
        else:
            blockers = demo_blockers()
            if blockers:
                self.stderr.write("未创建示范县演示数据 / demo county not built:")
                for reason in blockers:
                    self.stderr.write(f"  - {reason}")
                return
            started = time.perf_counter()
            demo = build_demo()
            elapsed = time.perf_counter() - started
            self.stdout.write(
                self.style.SUCCESS(
                    f"已创建示范县演示数据 / demo county built: "
                    f"{len(demo.tree.active_orgs())} active organizations, "
                    f"{len(demo.people.persons)} people, {len(demo.users)} logins "
                    f"({elapsed:.1f} s)"
                )
            )
        self.stdout.write("")
        self.stdout.write(demo_logins_text(), ending="")
        self.stdout.write("")
        self.stdout.write(demo_slips_text(), ending="")
