"""Benchmark: the ballot endpoint under a production server on PostgreSQL.

Runs Debrief under gunicorn (several workers), simulates 500 phones submitting
their ballots (10% of them retry the same ballot, as a phone does when an answer
is lost), and prints ballots per second, latency percentiles, lost and duplicated
ballots, and two ratios measured in the same run on the same database:

- against raw insert transactions (psycopg, no HTTP, no Django), and
- against a bare Django endpoint doing one insert under the same server.

Usage: .venv/bin/python bench/ballots.py [--phones 500] [--workers 4] [--clients 32]
Needs PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/debrief_bench).
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/debrief_bench"
os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DEBRIEF_SECRET_KEY", "benchmark-only-key-" + "x" * 40)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "debrief.settings")
os.environ["DEBRIEF_HTTPS"] = "0"
os.environ["DEBRIEF_DEBUG"] = "0"
os.environ["DEBRIEF_ALLOWED_HOSTS"] = "127.0.0.1,localhost"
os.environ["DEBRIEF_LOG_LEVEL"] = "WARNING"


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build_evaluation(phones: int, reporters: int) -> tuple[int, list[str], list[int]]:
    """A fresh county, cycle, meeting and open evaluation with `phones` tokens."""
    from debrief.ballots.services import evaluation_open, evaluation_setup, tokens_issue
    from debrief.cycles.models import CycleStatus
    from debrief.cycles.services import cycle_create, cycle_transition, roster_generate
    from debrief.meetings.services import meeting_schedule
    from debrief.orgs.models import Field, Level
    from debrief.orgs.services import org_create
    from debrief.people.models import Gender, Person, Title
    from debrief.people.services import post_assign

    run = uuid.uuid4().hex[:8].upper()
    county = org_create(
        code=f"BB{run}", name=f"基准县{run}", level=Level.COUNTY, field=Field.GENERAL
    )
    for n in range(reporters):
        township = org_create(
            code=f"BB{run}T{n:02d}",
            name=f"基准{n}镇党委",
            level=Level.TOWNSHIP,
            field=Field.RURAL,
            parent=county,
        )
        person = Person.objects.create(name=f"书记{n}", gender=Gender.MALE)
        post_assign(
            person=person,
            organization=township,
            title=Title.SECRETARY,
            start_date=datetime.date(2020, 1, 1),
        )
    cycle = cycle_create(host=county, year=2025, levels=[Level.TOWNSHIP])
    roster_generate(cycle=cycle)
    cycle_transition(cycle=cycle, to=CycleStatus.REPORTS_OPEN)
    meeting = meeting_schedule(cycle=cycle, date=datetime.date(2026, 1, 15), presider="县委书记")
    cycle_transition(cycle=cycle, to=CycleStatus.MEETING)
    evaluation = evaluation_setup(meeting=meeting)
    groups = list(evaluation.groups.all())
    tokens: list[str] = []
    for n, group in enumerate(groups):
        count = phones // len(groups) + (1 if n < phones % len(groups) else 0)
        tokens += tokens_issue(evaluation=evaluation, group=group, count=count)
    evaluation_open(evaluation=evaluation)
    evaluation.refresh_from_db()
    return evaluation.pk, tokens, [int(pk) for pk in evaluation.reporter_ids]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, app: str, workers: int) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                app,
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
                "--keep-alive",
                "5",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env={**os.environ, "DEBRIEF_DB_CONN_MAX_AGE": "600"},
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{app} did not start")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


class Client:
    """One keep-alive HTTP connection per thread, as a phone's browser would hold."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.local = threading.local()

    def post(self, path: str, body: bytes) -> tuple[int, bytes, float]:
        for attempt in range(3):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=30
                )
            started = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
                response = conn.getresponse()
                data = response.read()
                return response.status, data, time.perf_counter() - started
            except (OSError, http.client.HTTPException):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run_phones(port: int, tokens: list[str], reporters: list[int], clients: int) -> dict[str, Any]:
    client = Client(port)
    rng = random.Random(7)
    grades = ["good", "fairly_good", "average", "poor"]
    jobs: list[tuple[str, str, bytes, bool]] = []
    for token in tokens:
        ballot_id = str(uuid.uuid4())
        ratings = [{"reporter": pk, "grade": rng.choice(grades)} for pk in reporters]
        body = json.dumps({"ballot_id": ballot_id, "ratings": ratings}).encode()
        jobs.append((token, ballot_id, body, False))
    # 10% of phones send their ballot a second time (the same ballot id).
    retries = [(t, b, body, True) for t, b, body, _r in rng.sample(jobs, len(jobs) // 10)]
    schedule = jobs + retries
    rng.shuffle(schedule)
    latencies: list[float] = []
    outcomes: dict[str, list[tuple[int, str]]] = {}
    lock = threading.Lock()

    def send(job: tuple[str, str, bytes, bool]) -> None:
        token, _ballot_id, body, _retry = job
        status, data, seconds = client.post(f"/api/v1/ballot/{token}", body)
        receipt = json.loads(data).get("receipt", "") if status in (200, 201) else ""
        with lock:
            latencies.append(seconds)
            outcomes.setdefault(token, []).append((status, receipt))

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(send, schedule))
    elapsed = time.perf_counter() - started
    return {
        "elapsed": elapsed,
        "latencies": latencies,
        "outcomes": outcomes,
        "requests": len(schedule),
    }


def run_bare(port: int, count: int, clients: int) -> float:
    client = Client(port)
    body = json.dumps(
        {"ballot_id": str(uuid.uuid4()), "ratings": [{"reporter": 1, "grade": "good"}]}
    ).encode()
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        statuses = list(pool.map(lambda _n: client.post("/bare/", body)[0], range(count)))
    elapsed = time.perf_counter() - started
    assert all(s == 201 for s in statuses), set(statuses)
    return count / elapsed


def run_raw_sql(url: str, count: int, clients: int) -> float:
    """The same two inserts a ballot makes, as bare psycopg transactions."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_raw_participation "
            "(token text PRIMARY KEY, digest text)"
        )
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_raw_ballot "
            "(id uuid PRIMARY KEY, ratings jsonb, receipt text)"
        )
    local = threading.local()

    def one(_n: int) -> None:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = psycopg.connect(url)
        with conn.transaction():
            conn.execute(
                "INSERT INTO bench_raw_participation VALUES (%s, %s) ON CONFLICT DO NOTHING",
                [uuid.uuid4().hex, uuid.uuid4().hex],
            )
            conn.execute(
                "INSERT INTO bench_raw_ballot VALUES (%s, %s, %s)",
                [str(uuid.uuid4()), json.dumps({"1": {"grade": "good"}}), uuid.uuid4().hex[:10]],
            )

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(count)))
    return count / (time.perf_counter() - started)


def timed(label: str, function: Callable[[], Any]) -> Any:
    print(f"  {label} ...", flush=True)
    return function()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--phones", type=int, default=500)
    parser.add_argument("--reporters", type=int, default=30)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=32)
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/ballots.py needs PostgreSQL: set DATABASE_URL=postgres://...")
    ensure_database(url)
    setup_django()
    print(
        f"Ballot benchmark: {args.phones} phones, {args.reporters} reporters, "
        f"{args.workers} gunicorn workers, {args.clients} concurrent clients, "
        f"{os.cpu_count()} cores"
    )
    evaluation_id, tokens, reporters = timed(
        "building the evaluation", lambda: build_evaluation(args.phones, args.reporters)
    )

    server = Server("debrief.wsgi:application", args.workers)
    try:
        warm = Client(server.port)
        for _ in range(20):
            warm.post("/api/v1/ballot/AAAAAAAAAAAAAA", b"{}")
        result = timed(
            "500 phones submitting",
            lambda: run_phones(server.port, tokens, reporters, args.clients),
        )
    finally:
        server.stop()

    from django.db import connection

    connection.close()
    from debrief.ballots.models import Evaluation
    from debrief.ballots.services import evaluation_close
    from debrief.ballots.tally import receipts as published_receipts

    evaluation = Evaluation.objects.get(pk=evaluation_id)
    closed = evaluation_close(evaluation=evaluation)
    stored = set(published_receipts(evaluation))
    accepted: dict[str, str] = {}
    mismatched_retries = 0
    errors = 0
    for token, answers in result["outcomes"].items():
        receipts = {receipt for status, receipt in answers if status in (200, 201)}
        errors += sum(1 for status, _r in answers if status not in (200, 201))
        if len(receipts) > 1:
            mismatched_retries += 1
        if receipts:
            accepted[token] = receipts.pop()
    lost = sum(1 for receipt in accepted.values() if receipt not in stored)
    duplicated = closed - len(accepted)

    bare_server = Server("bench.bare_app:application", args.workers)
    try:
        from django.db import connection as conn

        with conn.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS bench_bare (id uuid PRIMARY KEY, body text NOT NULL)"
            )
        bare_rate = timed(
            "bare Django endpoint",
            lambda: run_bare(bare_server.port, result["requests"], args.clients),
        )
    finally:
        bare_server.stop()
    raw_rate = timed(
        "raw insert transactions", lambda: run_raw_sql(url, result["requests"], args.clients)
    )

    latencies_ms = [s * 1000 for s in result["latencies"]]
    ballots_per_second = len(accepted) / result["elapsed"]
    requests_per_second = result["requests"] / result["elapsed"]
    figures = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "phones": args.phones,
        "requests": result["requests"],
        "ballots_accepted": len(accepted),
        "ballots_per_second": round(ballots_per_second, 1),
        "requests_per_second": round(requests_per_second, 1),
        "p50_ms": round(statistics.median(latencies_ms), 1),
        "p95_ms": round(percentile(latencies_ms, 0.95), 1),
        "p99_ms": round(percentile(latencies_ms, 0.99), 1),
        "lost": lost,
        "duplicated": duplicated,
        "retries_with_different_receipt": mismatched_retries,
        "error_responses": errors,
        "closed_count": closed,
        "bare_endpoint_rps": round(bare_rate, 1),
        "raw_sql_tps": round(raw_rate, 1),
        "ratio_to_bare_endpoint": round(requests_per_second / bare_rate, 3),
        "ratio_to_raw_sql": round(requests_per_second / raw_rate, 3),
    }
    targets = [
        ("ballots per second >= 500", ballots_per_second >= 500),
        ("p99 < 200 ms", figures["p99_ms"] < 200),
        ("at least half the bare endpoint's rate", figures["ratio_to_bare_endpoint"] >= 0.5),
        ("lost == 0", lost == 0),
        ("duplicated == 0", duplicated == 0),
    ]
    print()
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"  {key:<{width}}  {value}")
    print()
    for label, ok in targets:
        print(f"  {'PASS' if ok else 'FAIL'}  {label}")
    missed = sum(1 for _l, ok in targets if not ok)
    print(f"\n{missed} of {len(targets)} targets missed")
    out = ROOT / "bench" / "results" / "ballots-latest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
