"""The two statements of a ballot are prepared on the server (PostgreSQL), and only
they: Django's own queries keep going as text, and the setting turns it off."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from debrief.ballots.models import Ballot
from debrief.ballots.services import ballot_submit
from debrief.ballots.tests.conftest import all_good, make_ready

ROOT = Path(__file__).resolve().parents[3]


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_ballot_prepares_its_two_statements_once_and_nothing_else(county, personas):
    ready = make_ready(county)
    tokens = next(iter(ready.tokens.values()))
    for token in tokens[:3]:
        ballot_submit(token=token, ballot_id=str(uuid.uuid4()), ratings=all_good(ready))
    # One per statement and per set of parameter types (psycopg sends small ids as
    # int2, larger ones as int4): only ever these two statements.
    kinds = {_kind(statement) for statement in prepared_statements()}
    assert kinds == {"lookup", "record"}
    assert Ballot.objects.count() == 3


def _kind(statement: str) -> str:
    if statement.lstrip().startswith("SELECT t.id") and "FROM ballots_ballottoken" in statement:
        return "lookup"
    if "INSERT INTO ballots_ballot " in statement:
        return "record"
    return statement


def options_with(env: dict[str, str]) -> str:
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default'].get('OPTIONS'))"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "debrief.settings",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_prepared_statements_are_on_by_default_and_can_be_turned_off():
    assert options_with({}) == "{'prepare_threshold': 5}"
    assert options_with({"DEBRIEF_DB_PREPARED_STATEMENTS": "0"}) == "{'prepare_threshold': None}"
