"""Run a meeting's democratic evaluation from the command line.

    manage.py evaluation tokens --meeting 3 --group 县委常委 --count 20 --out tokens.csv
    manage.py evaluation open   --meeting 3
    manage.py evaluation close  --meeting 3
    manage.py evaluation tally  --meeting 3 [--out tally.json]

`tokens` writes token, group and address per line to a new CSV file: the plain tokens
exist only there (they are stored hashed), so the file must not exist yet. The address
is DEBRIEF_PUBLIC_URL (or --base-url) followed by /v/<token>.
`close` prints the number of ballots; closing again prints the same number.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from debrief.ballots.models import Evaluation, EvaluationStatus, VoterGroup
from debrief.ballots.payloads import tally_payload
from debrief.ballots.services import (
    MAX_TOKENS_PER_ISSUE,
    evaluation_close,
    evaluation_open,
    tokens_issue,
)
from debrief.ballots.slips import tokens_csv_bytes
from debrief.ballots.tally import tally
from debrief.lib.errors import DomainError


class Command(BaseCommand):
    help = "Issue ballot tokens, open, close and tally a meeting's democratic evaluation."

    def add_arguments(self, parser: CommandParser) -> None:
        common = CommandParser(add_help=False)
        common.add_argument("--meeting", type=int, required=True, help="The meeting's id.")
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        tokens = actions.add_parser(
            "tokens", parents=[common], help="Issue tokens for a voter group into a CSV file."
        )
        tokens.add_argument("--group", required=True, help="The voter group's name.")
        tokens.add_argument("--count", type=int, required=True, help="How many tokens.")
        tokens.add_argument("--out", required=True, help="The CSV file to create.")
        tokens.add_argument(
            "--base-url", default="", help="The address phones reach (default DEBRIEF_PUBLIC_URL)."
        )
        actions.add_parser("open", parents=[common], help="Open the evaluation.")
        actions.add_parser("close", parents=[common], help="Close it; prints the ballot count.")
        tally_parser = actions.add_parser(
            "tally", parents=[common], help="Print the results of a closed evaluation as JSON."
        )
        tally_parser.add_argument("--out", default="", help="Write the JSON to this file.")

    def handle(self, *args: Any, **options: Any) -> None:
        evaluation = (
            Evaluation.objects.select_related("meeting__cycle__host")
            .filter(meeting_id=options["meeting"])
            .first()
        )
        if evaluation is None:
            raise CommandError(
                f"Meeting {options['meeting']} has no evaluation; set it up on its page first."
            )
        action = options["action"]
        try:
            if action == "tokens":
                self._tokens(evaluation, options)
            elif action == "open":
                evaluation_open(evaluation=evaluation)
                self.stdout.write(f"The evaluation of “{evaluation.meeting}” is open.")
            elif action == "close":
                count = evaluation_close(evaluation=evaluation)
                self.stdout.write(str(count))
            elif action == "tally":
                self._tally(evaluation, options)
        except DomainError as error:
            raise CommandError(error.message) from None

    def _tokens(self, evaluation: Evaluation, options: dict[str, Any]) -> None:
        group = VoterGroup.objects.filter(evaluation=evaluation, name=options["group"]).first()
        if group is None:
            names = "、".join(evaluation.groups.values_list("name", flat=True))
            raise CommandError(f"No voter group “{options['group']}”. The groups are: {names}.")
        count = options["count"]
        if not 1 <= count <= MAX_TOKENS_PER_ISSUE:
            raise CommandError(f"Issue between 1 and {MAX_TOKENS_PER_ISSUE} tokens at a time.")
        base = (options["base_url"] or settings.DEBRIEF_PUBLIC_URL).rstrip("/")
        if not base:
            self.stderr.write(
                "No DEBRIEF_PUBLIC_URL or --base-url: the url column holds paths (/v/<token>)."
            )
        path = Path(options["out"])
        # Create the file before the tokens: tokens issued into a file that cannot be
        # written would be lost (only their hashes are kept).
        try:
            handle = path.open("xb")
        except FileExistsError:
            raise CommandError(f"{path} exists; choose a new file name.") from None
        except OSError as error:
            raise CommandError(f"Cannot create {path}: {error.strerror}.") from None
        with handle:
            try:
                plain = tokens_issue(evaluation=evaluation, group=group, count=count)
            except DomainError:
                handle.close()
                path.unlink()
                raise
            handle.write(tokens_csv_bytes(group_name=group.name, tokens=plain, base=base))
        self.stdout.write(f"{len(plain)} tokens for {group.name} written to {path}.")

    def _tally(self, evaluation: Evaluation, options: dict[str, Any]) -> None:
        if evaluation.status != EvaluationStatus.CLOSED:
            raise CommandError("Results stay hidden until the evaluation is closed.")
        text = json.dumps(
            tally_payload(tally(evaluation), evaluation), ensure_ascii=False, indent=2
        )
        if options["out"]:
            Path(options["out"]).write_text(text + "\n", encoding="utf-8")
            self.stdout.write(f"Written to {options['out']}.")
        else:
            self.stdout.write(text)
