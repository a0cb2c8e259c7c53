"""Benchmark: the ballot endpoint under a production server on PostgreSQL.

Runs Debrief under gunicorn (several workers), simulates 500 phones submitting
their ballots (10% of them retry the same ballot, as a phone does when an answer
is lost) from 32 concurrent connections driven by asyncio in this process, in
several rounds (a fresh evaluation each), and prints ballots per second, latency
percentiles, lost and duplicated ballots, and two ratios measured in each round on
the same database, right after the ballots:

- against raw insert transactions (psycopg, no HTTP, no Django), and
- against a bare Django endpoint doing one insert under the same server.

Usage: .venv/bin/python bench/ballots.py [--phones 500] [--rounds 5] [--workers 4]
       [--clients 32] [--worker-class sync|gthread] [--threads 1] [--no-preload]
       [--kill-worker]
Needs PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/debrief_bench_ballots).
With --kill-worker, one gunicorn worker is killed (SIGKILL) a third of the way through
each round; its phones get no answer and send the same ballot again.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
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
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/debrief_bench_ballots"
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
    def __init__(
        self,
        app: str,
        workers: int,
        worker_class: str = "sync",
        threads: int = 1,
        preload: bool = False,
    ) -> None:
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
                worker_class,
                "--threads",
                str(threads),
                "--keep-alive",
                "5",
                "--log-level",
                "warning",
                *(["--preload"] if preload else []),
            ],
            cwd=ROOT,
            env={**os.environ, "DEBRIEF_DB_CONN_MAX_AGE": "600", "DEBRIEF_LOG_LEVEL": "ERROR"},
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{app} did not start")

    def kill_one_worker(self) -> int:
        """SIGKILL one worker process; gunicorn's arbiter starts a new one."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pid = int(children.read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


class HttpFailure(Exception):
    """The server closed the connection or answered something that is not HTTP."""


class Connection:
    """One HTTP/1.1 connection, as a phone's browser holds one: requests go one after
    another; when the server closes it (gunicorn's sync workers close after every
    answer), the next request opens a new one, and its latency includes the connect."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def request(self, path: str, body: bytes, method: str = "POST") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
            raise HttpFailure("no answer") from error
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise HttpFailure(lines[0])
        headers = {}
        for line in lines[1:]:
            name, _sep, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        try:
            data = await self.reader.readexactly(length)
        except asyncio.IncompleteReadError as error:
            raise HttpFailure("short body") from error
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return int(parts[1]), data


async def _drive(
    port: int,
    jobs: list[tuple[str, bytes]],
    clients: int,
    on_answer: Callable[[int, int, bytes, float], None],
    on_progress: Callable[[int], None] | None = None,
) -> float:
    """Send every (path, body) job over `clients` connections, each job until it gets an
    HTTP answer (a phone resubmits the same ballot until it hears back). Returns the
    elapsed seconds; `on_answer(index, status, body, seconds)` sees every answer."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(len(jobs)):
        queue.put_nowait(index)
    done = 0

    async def phone() -> None:
        nonlocal done
        connection = Connection(port)
        while True:
            try:
                index = queue.get_nowait()
            except asyncio.QueueEmpty:
                break
            path, body = jobs[index]
            for attempt in range(1, 11):
                started = time.perf_counter()
                try:
                    status, data = await connection.request(path, body)
                except (OSError, HttpFailure):
                    await connection.close()
                    if attempt == 10:
                        raise
                    await asyncio.sleep(0.05 * attempt)
                    continue
                on_answer(index, status, data, time.perf_counter() - started)
                break
            done += 1
            if on_progress is not None:
                on_progress(done)
        await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(phone() for _ in range(clients)))
    return time.perf_counter() - started


def drive(
    port: int,
    jobs: list[tuple[str, bytes]],
    clients: int,
    on_answer: Callable[[int, int, bytes, float], None],
    on_progress: Callable[[int], None] | None = None,
) -> float:
    return asyncio.run(_drive(port, jobs, clients, on_answer, on_progress))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run_phones(
    server: Server, tokens: list[str], reporters: list[int], clients: int, kill_worker: bool
) -> dict[str, Any]:
    rng = random.Random(7)
    grades = ["good", "fairly_good", "average", "poor"]
    ballots: list[tuple[str, bytes]] = []
    for token in tokens:
        ratings = [{"reporter": pk, "grade": rng.choice(grades)} for pk in reporters]
        for rating in ratings:
            if rating["grade"] == "poor":
                rating["reason"] = "工作不实"
        body = json.dumps({"ballot_id": str(uuid.uuid4()), "ratings": ratings}).encode()
        ballots.append((token, body))
    # 10% of phones send their ballot a second time (the same ballot id).
    schedule = ballots + rng.sample(ballots, len(ballots) // 10)
    rng.shuffle(schedule)
    jobs = [(f"/api/v1/ballot/{token}", body) for token, body in schedule]
    latencies: list[float] = []
    outcomes: dict[str, list[tuple[int, str]]] = {}
    killed: list[int] = []

    def on_answer(index: int, status: int, data: bytes, seconds: float) -> None:
        receipt = json.loads(data).get("receipt", "") if status in (200, 201) else ""
        latencies.append(seconds)
        outcomes.setdefault(schedule[index][0], []).append((status, receipt))

    def on_progress(done: int) -> None:
        # A worker process dies mid-run (SIGKILL, no clean-up): requests it held get
        # no answer, and their phones send the same ballot again.
        if kill_worker and not killed and done >= len(jobs) // 3:
            killed.append(server.kill_one_worker())

    elapsed = drive(server.port, jobs, clients, on_answer, on_progress)
    return {
        "elapsed": elapsed,
        "latencies": latencies,
        "outcomes": outcomes,
        "requests": len(jobs),
        "killed_worker": killed[0] if killed else None,
    }


def warm_up(port: int, path: str, workers: int) -> None:
    """A few requests per worker first: each loads its code and catalogues once."""

    async def get_many() -> None:
        for _ in range(workers * 10):
            connection = Connection(port)
            status, _data = await connection.request(path, b"", method="GET")
            await connection.close()
            assert status == 200, status

    asyncio.run(get_many())


def run_bare(port: int, count: int, clients: int) -> float:
    body = json.dumps(
        {"ballot_id": str(uuid.uuid4()), "ratings": [{"reporter": 1, "grade": "good"}]}
    ).encode()
    statuses: list[int] = []
    elapsed = drive(
        port,
        [("/bare/", body)] * count,
        clients,
        lambda _index, status, _data, _seconds: statuses.append(status),
    )
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


def check_round(evaluation_id: int, result: dict[str, Any]) -> dict[str, Any]:
    """Close the round's evaluation and compare what the phones were told with what
    was counted: every receipt handed out is published, and the count equals them."""
    from django.db import connection

    connection.close()
    from debrief.ballots.models import Evaluation
    from debrief.ballots.services import evaluation_close
    from debrief.ballots.tally import receipts as published_receipts

    evaluation = Evaluation.objects.get(pk=evaluation_id)
    closed = evaluation_close(evaluation=evaluation)
    stored = set(published_receipts(evaluation))
    accepted: dict[str, str] = {}
    mismatched = errors = 0
    for token, answers in result["outcomes"].items():
        receipts = {receipt for status, receipt in answers if status in (200, 201)}
        errors += sum(1 for status, _r in answers if status not in (200, 201))
        if len(receipts) > 1:
            mismatched += 1
        if receipts:
            accepted[token] = receipts.pop()
    return {
        "accepted": len(accepted),
        "lost": sum(1 for receipt in accepted.values() if receipt not in stored),
        "duplicated": closed - len(accepted),
        "mismatched": mismatched,
        "errors": errors,
        "closed": closed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--phones", type=int, default=500)
    parser.add_argument("--reporters", type=int, default=30)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument(
        "--worker-class", default="sync", help="gunicorn worker class (sync, gthread)"
    )
    parser.add_argument("--threads", type=int, default=1, help="threads per gthread worker")
    parser.add_argument(
        "--preload",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="gunicorn --preload, as the operator guide runs it: a new worker forks the "
        "loaded application instead of loading it (default: on)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="evaluations of PHONES ballots each, alternating with the baselines",
    )
    parser.add_argument(
        "--kill-worker",
        action="store_true",
        help="SIGKILL one gunicorn worker a third of the way through each round",
    )
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/ballots.py needs PostgreSQL: set DATABASE_URL=postgres://...")
    ensure_database(url)
    setup_django()
    print(
        f"Ballot benchmark: {args.rounds} rounds of {args.phones} phones, "
        f"{args.reporters} reporters, {args.workers} gunicorn {args.worker_class} workers"
        f"{f' of {args.threads} threads' if args.threads > 1 else ''}, "
        f"{args.clients} concurrent connections, {os.cpu_count()} cores"
    )
    evaluations = timed(
        f"building {args.rounds} evaluations",
        lambda: [build_evaluation(args.phones, args.reporters) for _ in range(args.rounds)],
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_bare (id uuid PRIMARY KEY, body text NOT NULL)"
        )
    connection.close()
    load_before = os.getloadavg()[0]
    rounds: list[dict[str, Any]] = []
    shape = (args.workers, args.worker_class, args.threads, args.preload)
    server = Server("debrief.wsgi:application", *shape)
    bare_server = Server("bench.bare_app:application", *shape)
    try:
        warm_up(server.port, "/api/v1/openapi.json", args.workers)
        warm_up(bare_server.port, "/ready/", args.workers)
        for number, (evaluation_id, tokens, reporters) in enumerate(evaluations, start=1):
            # The three measurements of a round follow each other closely, so that
            # whatever else the machine is doing weighs on all three alike.
            result = run_phones(server, tokens, reporters, args.clients, args.kill_worker)
            bare_rate = run_bare(bare_server.port, result["requests"], args.clients)
            raw_rate = run_raw_sql(url, result["requests"], args.clients)
            result["bare_rate"], result["raw_rate"] = bare_rate, raw_rate
            rounds.append(result)
            print(
                f"  round {number}: {result['requests'] / result['elapsed']:.0f} requests/s, "
                f"bare endpoint {bare_rate:.0f}/s, raw SQL {raw_rate:.0f} tx/s",
                flush=True,
            )
            result["check"] = check_round(evaluation_id, result)
    finally:
        server.stop()
        bare_server.stop()
    load_after = os.getloadavg()[0]

    def median_of(key: Callable[[dict[str, Any]], float]) -> float:
        return statistics.median(key(r) for r in rounds)

    latencies_ms = [s * 1000 for r in rounds for s in r["latencies"]]
    checks = [r["check"] for r in rounds]
    ballots_per_second = median_of(lambda r: r["check"]["accepted"] / r["elapsed"])
    requests_per_second = median_of(lambda r: r["requests"] / r["elapsed"])
    ratio_bare = median_of(lambda r: r["requests"] / r["elapsed"] / r["bare_rate"])
    ratio_raw = median_of(lambda r: r["requests"] / r["elapsed"] / r["raw_rate"])
    lost = sum(c["lost"] for c in checks)
    duplicated = sum(c["duplicated"] for c in checks)
    figures = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "rounds": args.rounds,
        "phones_per_round": args.phones,
        "requests_per_round": rounds[0]["requests"],
        "workers": args.workers,
        "worker_class": args.worker_class,
        "threads": args.threads,
        "preload": args.preload,
        "connections": args.clients,
        "ballots_accepted": sum(c["accepted"] for c in checks),
        "ballots_per_second": round(ballots_per_second, 1),
        "requests_per_second": round(requests_per_second, 1),
        "p50_ms": round(statistics.median(latencies_ms), 1),
        "p95_ms": round(percentile(latencies_ms, 0.95), 1),
        "p99_ms": round(percentile(latencies_ms, 0.99), 1),
        "lost": lost,
        "duplicated": duplicated,
        "retries_with_different_receipt": sum(c["mismatched"] for c in checks),
        "error_responses": sum(c["errors"] for c in checks),
        "closed_counts": [c["closed"] for c in checks],
        "workers_killed_mid_run": sum(1 for r in rounds if r["killed_worker"] is not None),
        "bare_endpoint_rps": round(median_of(lambda r: r["bare_rate"]), 1),
        "raw_sql_tps": round(median_of(lambda r: r["raw_rate"]), 1),
        "ratio_to_bare_endpoint": round(ratio_bare, 3),
        "ratio_to_raw_sql": round(ratio_raw, 3),
        "load_average_1min": [round(load_before, 2), round(load_after, 2)],
    }
    targets = [
        ("ballots per second >= 500", ballots_per_second >= 500),
        ("p99 < 200 ms", figures["p99_ms"] < 200),
        ("at least half the bare endpoint's rate", ratio_bare >= 0.5),
        ("lost == 0", lost == 0),
        ("duplicated == 0", duplicated == 0),
    ]
    print()
    print("  Rates and ratios are the median over the rounds; latencies are over all requests.")
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
