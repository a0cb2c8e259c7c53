"""manage.py evaluation tokens|open|close|tally --meeting <id>."""

import csv
import io
import json
import uuid

import pytest
from django.core.management import CommandError, call_command

from debrief.ballots.codes import normalize_token
from debrief.ballots.models import BallotToken, EvaluationStatus
from debrief.ballots.services import ballot_submit
from debrief.ballots.tests.conftest import all_good, make_ready
from debrief.ballots.tests.web import vote

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("evaluation", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def meeting_of(ready) -> str:
    return str(ready.evaluation.meeting_id)


def test_tokens_writes_one_csv_row_per_token_and_every_token_votes(
    county, personas, tmp_path, settings
):
    settings.DEBRIEF_PUBLIC_URL = "https://debrief.example.gov.cn"
    ready = make_ready(county, tokens_per_group=1)
    out = tmp_path / "tokens.csv"
    printed = run(
        "tokens",
        "--meeting",
        meeting_of(ready),
        "--group",
        "县委常委",
        "--count",
        "5",
        "--out",
        str(out),
    )
    assert "5 tokens" in printed
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 5 and {row["group"] for row in rows} == {"县委常委"}
    assert BallotToken.objects.filter(group__name="县委常委").count() == 6
    for row in rows:
        token = normalize_token(row["token"])
        assert row["url"] == f"https://debrief.example.gov.cn/v/{token}"
        assert ballot_submit(
            token=row["token"], ballot_id=str(uuid.uuid4()), ratings=all_good(ready)
        )


def test_tokens_refuses_to_overwrite_a_file_and_issues_nothing(county, personas, tmp_path):
    ready = make_ready(county, tokens_per_group=1)
    out = tmp_path / "tokens.csv"
    out.write_text("earlier tokens\n")
    with pytest.raises(CommandError, match="exists"):
        run(
            "tokens",
            "--meeting",
            meeting_of(ready),
            "--group",
            "县委常委",
            "--count",
            "2",
            "--out",
            str(out),
        )
    assert out.read_text() == "earlier tokens\n"
    assert BallotToken.objects.count() == 4


def test_tokens_for_an_unknown_group_or_a_bad_count_fail(county, personas, tmp_path):
    ready = make_ready(county, tokens_per_group=1)
    with pytest.raises(CommandError, match="No voter group"):
        run(
            "tokens",
            "--meeting",
            meeting_of(ready),
            "--group",
            "无此组",
            "--count",
            "2",
            "--out",
            str(tmp_path / "a.csv"),
        )
    with pytest.raises(CommandError, match="between 1 and"):
        run(
            "tokens",
            "--meeting",
            meeting_of(ready),
            "--group",
            "县委常委",
            "--count",
            "0",
            "--out",
            str(tmp_path / "b.csv"),
        )
    assert not (tmp_path / "a.csv").exists() and not (tmp_path / "b.csv").exists()


def test_tokens_after_closing_fail_and_leave_no_file(county, personas, tmp_path):
    ready = make_ready(county, tokens_per_group=1)
    run("close", "--meeting", meeting_of(ready))
    out = tmp_path / "late.csv"
    with pytest.raises(CommandError, match="closed"):
        run(
            "tokens",
            "--meeting",
            meeting_of(ready),
            "--group",
            "县委常委",
            "--count",
            "2",
            "--out",
            str(out),
        )
    assert not out.exists()


def test_open_then_close_prints_the_same_count_every_time(county, personas):
    ready = make_ready(county, tokens_per_group=2, open_it=False)
    assert "is open" in run("open", "--meeting", meeting_of(ready))
    ready.evaluation.refresh_from_db()
    ready.reporter_ids[:] = [int(pk) for pk in ready.evaluation.reporter_ids]
    vote(ready, "县委常委", 0, ["good", "average"])
    vote(ready, "县委常委", 1, ["good", "poor"])
    assert [run("close", "--meeting", meeting_of(ready)).strip() for _ in range(3)] == ["2"] * 3
    ready.evaluation.refresh_from_db()
    assert ready.evaluation.status == EvaluationStatus.CLOSED
    with pytest.raises(CommandError, match="Closed"):
        run("open", "--meeting", meeting_of(ready))


def test_tally_prints_json_or_writes_it_to_a_file(county, personas, tmp_path):
    ready = make_ready(county, tokens_per_group=3)
    for index in range(3):
        vote(ready, "县委常委", index, ["good", "fairly_good"])
    with pytest.raises(CommandError, match="hidden"):
        run("tally", "--meeting", meeting_of(ready))
    run("close", "--meeting", meeting_of(ready))
    data = json.loads(run("tally", "--meeting", meeting_of(ready)))
    assert data["ballots"] == 3
    assert [r["score"] for r in data["results"]] == ["100.00", "80.00"]
    out = tmp_path / "tally.json"
    run("tally", "--meeting", meeting_of(ready), "--out", str(out))
    assert json.loads(out.read_text(encoding="utf-8")) == data


def test_a_meeting_without_an_evaluation_is_an_error(county, personas):
    with pytest.raises(CommandError, match="no evaluation"):
        run("close", "--meeting", "999999")


def test_an_action_and_the_meeting_are_required():
    with pytest.raises(CommandError):
        run()
    with pytest.raises(CommandError):
        run("close")
