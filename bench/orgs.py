"""Organization tree benchmark at province scale.

Builds (once) a synthetic province of 300,000 organizations in a dedicated
PostgreSQL database, then times:

- the subtree queries (count plus the first page of 50, ordered by path) for the
  province and for one county, through the ORM and as hand-written SQL;
- the access-scoped query `orgs_for_user()` of a user with a grant on one county;
- the tree pages (`orgs:tree`, `orgs:detail`, `orgs:children`, the search) rendered
  through Django's test client, at every depth, against the hand-written queries
  each page needs.

It prints a table (median and p95 in milliseconds, the raw SQL baseline measured
in the same run, the ratio, the target, PASS/FAIL) and writes the same figures to
bench/results/orgs-latest.json. The exit code is 0 whatever the figures: a
benchmark informs, it does not gate. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import random
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/orgs.py` puts bench/ first on the path
    sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/debrief_bench"
DEFAULT_RESULTS = ROOT / "bench" / "results" / "orgs-latest.json"
ROOT_CODE = "BENCH-P"
TOTAL_ORGS = 300_000
PAGE_SIZE = 50
SUBTREE_TARGET_MS = 50.0
PAGE_TARGET_MS = 150.0
SEED = 20261122

# Shape of the synthetic province. Leaf branches (党支部) under the units are added
# until the province holds TOTAL_ORGS organizations.
CITIES = 14
COUNTIES = 110
TOWNSHIPS = 1_600
VILLAGES = 28_000
PROVINCE_UNITS = 6
UNITS_PER_CITY = 6
UNITS_PER_COUNTY = 40
UNITS_PER_TOWNSHIP = 6
DISSOLVED_SHARE = 0.01

# Search terms: a two-character fragment (too short for trigrams) and a
# three-character one. Both characters are in the name pool below.
SEARCH_TERMS = ("石桥", "石桥村")

NAME_CHARS = "东南西北青石柳溪桃李江河山川平安福寿金银龙凤云水桥湾岗坪塘林松竹梅兰新丰和顺"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN_CHARS = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文"
UNIT_KINDS = (
    ("机关", "organ"),
    ("中学", "public_institution"),
    ("卫生院", "public_institution"),
    ("供电公司", "soe"),
    ("农商银行", "soe"),
    ("商会", "two_new"),
    ("物流公司", "two_new"),
    ("综合", "general"),
)


# --------------------------------------------------------------------------- setup


def database_url() -> str:
    return (
        os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
        or DEFAULT_DATABASE_URL
    )


def database_name(url: str) -> str:
    return unquote(urlsplit(url).path.lstrip("/"))


def configure_environment(url: str) -> None:
    """Environment for django.setup(): the bench database, no HTTPS redirect, no DEBUG."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "debrief.settings")
    os.environ.setdefault("DEBRIEF_SECRET_KEY", "insecure-development-key-do-not-use-in-production")
    os.environ["DATABASE_URL"] = url
    os.environ["DEBRIEF_DEBUG"] = "0"
    os.environ["DEBRIEF_HTTPS"] = "0"
    os.environ["DEBRIEF_ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    os.environ.setdefault("DEBRIEF_LOG_LEVEL", "WARNING")


def ensure_database(url: str) -> None:
    """Create the bench database if it does not exist (connecting to `postgres`)."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit(f"bench/orgs.py needs PostgreSQL; got a {parts.scheme or 'missing'} URL.")
    name = database_name(url)
    params: dict[str, Any] = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": unquote(parts.username or "postgres"),
        "dbname": "postgres",
        "autocommit": True,
    }
    if parts.password:
        params["password"] = unquote(parts.password)
    with psycopg.connect(**params) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            print(f"Creating database {name}")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


# ---------------------------------------------------------------------- generation


def spread(total: int, buckets: int, rng: random.Random) -> list[int]:
    """`total` split over `buckets` unevenly (weights 0.5 to 1.5), each at least 1."""
    weights = [rng.uniform(0.5, 1.5) for _ in range(buckets)]
    scale = (total - buckets) / sum(weights)
    counts = [1 + int(w * scale) for w in weights]
    for i in rng.sample(range(buckets), total - sum(counts)):
        counts[i] += 1
    return counts


@dataclass(slots=True)
class Node:
    id: int
    path: str
    depth: int
    short: str


@dataclass
class ProvinceBuilder:
    """Rows for COPY: ids and paths are assigned here, parents before children."""

    rng: random.Random
    now: datetime.datetime
    next_id: int
    root_number: int
    orgs: list[tuple[Any, ...]] = field(default_factory=list)
    active_ids: list[int] = field(default_factory=list)
    _children: dict[int, int] = field(default_factory=dict)
    _serial: int = 0

    def add(
        self,
        parent: Node | None,
        *,
        name: str,
        short: str,
        level: str,
        field_of_work: str,
        code: str | None = None,
        dissolvable: bool = False,
    ) -> Node:
        from debrief.orgs.models import SEGMENT_LENGTH, encode_segment

        if parent is None:
            path = encode_segment(self.root_number)
        else:
            number = self._children.get(parent.id, 0)
            self._children[parent.id] = number + 1
            path = parent.path + encode_segment(number)
        org_id = self.next_id
        self.next_id += 1
        self._serial += 1
        dissolved = dissolvable and self.rng.random() < DISSOLVED_SHARE
        self.orgs.append(
            (
                org_id,
                code or f"BENCH-{self._serial:06d}",
                name,
                short,
                parent.id if parent else None,
                level,
                field_of_work,
                "dissolved" if dissolved else "active",
                datetime.date(2023, 12, 31) if dissolved else None,
                path,
                len(path) // SEGMENT_LENGTH,
                self.now,
                self.now,
            )
        )
        if not dissolved:
            self.active_ids.append(org_id)
        return Node(org_id, path, len(path) // SEGMENT_LENGTH, short)

    def place_name(self) -> str:
        return "".join(self.rng.sample(NAME_CHARS, 2))

    def units(self, parent: Node, count: int) -> list[Node]:
        made = []
        for n in range(count):
            kind, field_of_work = UNIT_KINDS[n % len(UNIT_KINDS)]
            short = f"{parent.short}{kind}{n // len(UNIT_KINDS) + 1}"
            made.append(
                self.add(
                    parent,
                    name=f"{short}党委",
                    short=short,
                    level="unit",
                    field_of_work=field_of_work,
                )
            )
        return made

    def build(self) -> None:
        rng = self.rng
        province = self.add(
            None,
            name="示范省委",
            short="示范省",
            level="province",
            field_of_work="general",
            code=ROOT_CODE,
        )
        unit_parents = self.units(province, PROVINCE_UNITS)
        cities = [
            self.add(
                province,
                name=f"{self.place_name()}市委",
                short=f"{self.place_name()}市",
                level="city",
                field_of_work="general",
            )
            for _ in range(CITIES)
        ]
        counties: list[Node] = []
        for city, n_counties in zip(cities, spread(COUNTIES, CITIES, rng), strict=True):
            for _ in range(n_counties):
                short = f"{self.place_name()}县"
                counties.append(
                    self.add(
                        city,
                        name=f"{short}委",
                        short=short,
                        level="county",
                        field_of_work="general",
                    )
                )
            unit_parents += self.units(city, UNITS_PER_CITY)
        townships: list[Node] = []
        for county, n_townships in zip(counties, spread(TOWNSHIPS, COUNTIES, rng), strict=True):
            for _ in range(n_townships):
                urban = rng.random() < 0.2
                short = f"{self.place_name()}{'街道' if urban else '镇'}"
                townships.append(
                    self.add(
                        county,
                        name=f"{short}党(工)委",
                        short=short,
                        level="township",
                        field_of_work="urban" if urban else "rural",
                    )
                )
            unit_parents += self.units(county, UNITS_PER_COUNTY)
        for township, n_villages in zip(townships, spread(VILLAGES, TOWNSHIPS, rng), strict=True):
            urban = township.short.endswith("街道")
            for _ in range(n_villages):
                short = f"{self.place_name()}{'社区' if urban else '村'}"
                self.add(
                    township,
                    name=f"{township.short}{short}党支部",
                    short=short,
                    level="village",
                    field_of_work="urban" if urban else "rural",
                    dissolvable=True,
                )
            unit_parents += self.units(township, UNITS_PER_TOWNSHIP)
        branches = TOTAL_ORGS - len(self.orgs)
        for parent, n_branches in zip(
            unit_parents, spread(branches, len(unit_parents), rng), strict=True
        ):
            for n in range(n_branches):
                short = f"{parent.short}第{n + 1}党支部"
                self.add(
                    parent,
                    name=short,
                    short="",
                    level="unit",
                    field_of_work="general",
                    dissolvable=True,
                )


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN_CHARS, k=rng.choice((1, 2))))


def build_province() -> None:
    """Insert the province, its secretaries and the bench accounts with COPY."""
    from django.db import connection, transaction
    from django.utils import timezone

    rng = random.Random(SEED)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE orgs_organization IN EXCLUSIVE MODE")
        cursor.execute(
            "SELECT coalesce(max(id), 0) + 1, "
            "(SELECT count(*) FROM orgs_organization WHERE depth = 1) FROM orgs_organization"
        )
        first_id, roots = cursor.fetchone()
        builder = ProvinceBuilder(rng=rng, now=timezone.now(), next_id=first_id, root_number=roots)
        builder.build()
        raw = cursor.cursor  # the psycopg cursor, for COPY
        with raw.copy(
            "COPY orgs_organization (id, code, name, short_name, parent_id, level, field, "
            "status, dissolved_on, path, depth, created_at, updated_at) FROM STDIN"
        ) as copy:
            for row in builder.orgs:
                copy.write_row(row)
        print(f"  {len(builder.orgs):,} organizations in {time.perf_counter() - started:.1f} s")

        # One current secretary for every active organization (the detail page shows them).
        cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM people_person")
        person_id = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM people_post")
        post_id = cursor.fetchone()[0]
        with raw.copy(
            "COPY people_person (id, name, gender, ethnicity, phone, created_at) FROM STDIN"
        ) as copy:
            for n in range(len(builder.active_ids)):
                copy.write_row(
                    (
                        person_id + n,
                        person_name(rng),
                        rng.choice(("male", "female")),
                        "汉族",
                        f"13{rng.randrange(10**9):09d}",
                        builder.now,
                    )
                )
        with raw.copy(
            "COPY people_post (id, title, start_date, end_date, organization_id, person_id) "
            "FROM STDIN"
        ) as copy:
            for n, org_id in enumerate(builder.active_ids):
                start = datetime.date(2018, 1, 1) + datetime.timedelta(days=rng.randrange(2500))
                copy.write_row((post_id + n, "secretary", start, None, org_id, person_id + n))
        for table in ("orgs_organization", "people_person", "people_post"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        print(
            f"  {len(builder.active_ids):,} secretaries; "
            f"inserted in {time.perf_counter() - started:.1f} s"
        )
    with connection.cursor() as cursor:
        vacuum_started = time.perf_counter()
        cursor.execute("VACUUM ANALYZE orgs_organization, people_person, people_post")
        print(f"  VACUUM ANALYZE in {time.perf_counter() - vacuum_started:.1f} s")


@dataclass
class Subjects:
    """The organizations and accounts the measurements use."""

    province: Any
    by_level: dict[str, Any]  # level -> organization (the largest of its level)
    county: Any
    province_admin: Any
    county_viewer: Any
    superuser: Any
    counts: dict[str, int]


def largest_child(parent: Any, level: str) -> Any:
    """Among `parent`'s active children of `level`, the one with the most children."""
    from django.db.models import Count, Q

    from debrief.orgs.models import Organization

    return (
        Organization.objects.filter(parent=parent, level=level, status="active")
        .annotate(n=Count("children", filter=Q(children__status="active")))
        .order_by("-n", "path")
        .first()
    )


def prepare() -> Subjects:
    from django.db.models import Count

    from debrief.accounts.models import Grant, Role, User
    from debrief.orgs.models import Organization

    province = Organization.objects.filter(code=ROOT_CODE).first()
    if province is None:
        print(f"Building the synthetic province ({TOTAL_ORGS:,} organizations)…")
        build_province()
        province = Organization.objects.get(code=ROOT_CODE)
    else:
        print(f"Synthetic province {ROOT_CODE} found; not rebuilding.")
    city = largest_child(province, "city")
    county = largest_child(city, "county")
    township = largest_child(county, "township")
    village = township.children.filter(level="village", status="active").order_by("path").first()
    by_level = {
        "province": province,
        "city": city,
        "county": county,
        "township": township,
        "village": village,
    }
    counts = dict(
        province.subtree().values_list("level").annotate(n=Count("pk")).values_list("level", "n")
    )
    counts["total"] = sum(counts.values())

    def account(username: str, **extra: Any) -> Any:
        user, created = User.objects.get_or_create(
            username=username, defaults={"full_name": username, **extra}
        )
        if created:
            user.set_unusable_password()
            user.save()
        return user

    province_admin = account("bench_province_admin")
    Grant.objects.get_or_create(user=province_admin, organization=province, role=Role.ADMIN)
    county_viewer = account("bench_county_viewer")
    Grant.objects.get_or_create(user=county_viewer, organization=county, role=Role.VIEWER)
    superuser = account("bench_superuser", is_superuser=True, is_staff=True)
    return Subjects(province, by_level, county, province_admin, county_viewer, superuser, counts)


# ---------------------------------------------------------------------- measuring


@dataclass
class Row:
    name: str
    samples: list[float]
    baseline: list[float] | None
    target_ms: float | None
    queries: int | None = None
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]

    @property
    def baseline_median(self) -> float | None:
        return statistics.median(self.baseline) if self.baseline else None

    @property
    def ratio(self) -> float | None:
        base = self.baseline_median
        return self.median / base if base else None

    @property
    def passed(self) -> bool | None:
        return None if self.target_ms is None else self.median < self.target_ms

    def as_json(self) -> dict[str, Any]:
        base = self.baseline_median
        return {
            "name": self.name,
            "median_ms": round(self.median, 2),
            "p95_ms": round(self.p95, 2),
            "min_ms": round(min(self.samples), 2),
            "baseline_median_ms": round(base, 2) if base is not None else None,
            "ratio": round(self.ratio, 2) if self.ratio is not None else None,
            "target_ms": self.target_ms,
            "passed": self.passed,
            "queries": self.queries,
            "note": self.note,
        }


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def measure(
    fn: Callable[[], object],
    baseline: Callable[[], object] | None,
    *,
    runs: int,
    warmups: int,
) -> tuple[list[float], list[float] | None]:
    """Run `fn` and `baseline` alternately so that both see the same machine load."""
    for _ in range(warmups):
        fn()
        if baseline:
            baseline()
    samples: list[float] = []
    base: list[float] = []
    for _ in range(runs):
        samples.append(timed(fn))
        if baseline:
            base.append(timed(baseline))
    return samples, (base if baseline else None)


def count_queries(fn: Callable[[], object]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


# Hand-written SQL: the same database work as the ORM or the page, without Django.

ORG_COLUMNS = (
    "id, code, name, short_name, parent_id, level, field, status, dissolved_on, "
    "merged_into_id, path, depth, created_at, updated_at"
)
GRANTS_SQL = (
    "SELECT o.path, g.role, g.organization_id FROM accounts_grant g "
    "JOIN orgs_organization o ON o.id = g.organization_id WHERE g.user_id = %s"
)
CHILDREN_WITH_COUNTS_SQL = (
    "SELECT o.id, o.code, o.name, o.level, o.field, o.status, "
    "(SELECT count(*) FROM orgs_organization c WHERE c.parent_id = o.id "
    "AND c.status = 'active') FROM orgs_organization o "
    "WHERE o.parent_id = %s{status} ORDER BY o.path LIMIT %s"
)


def fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def raw_subtree(path: str) -> None:
    fetch("SELECT count(*) FROM orgs_organization WHERE path LIKE %s", [path + "%"])
    fetch(
        f"SELECT {ORG_COLUMNS} FROM orgs_organization WHERE path LIKE %s ORDER BY path LIMIT %s",
        [path + "%", PAGE_SIZE],
    )


def raw_scoped(user_id: int) -> None:
    paths = [row[0] for row in fetch(GRANTS_SQL, [user_id])]
    for path in paths:
        raw_subtree(path)


def raw_tree_root(user_id: int | None) -> None:
    if user_id is None:  # superuser: every root (the roots are the rows without a parent)
        ids = [
            row[0] for row in fetch("SELECT id FROM orgs_organization WHERE parent_id IS NULL", [])
        ]
    else:
        ids = [row[2] for row in fetch(GRANTS_SQL, [user_id])]
    fetch(
        "SELECT o.id, o.name, o.level, (SELECT count(*) FROM orgs_organization c "
        "WHERE c.parent_id = o.id AND c.status = 'active') FROM orgs_organization o "
        "WHERE o.id = ANY(%s) ORDER BY o.path",
        [ids],
    )


def raw_children(user_id: int, org_id: int) -> None:
    fetch(GRANTS_SQL, [user_id])
    fetch(f"SELECT {ORG_COLUMNS} FROM orgs_organization WHERE id = %s", [org_id])
    fetch(CHILDREN_WITH_COUNTS_SQL.format(status=" AND o.status = 'active'"), [org_id, 500])


def raw_detail(user_id: int, org_id: int) -> None:
    from debrief.orgs.models import SEGMENT_LENGTH

    fetch(GRANTS_SQL, [user_id])
    org = fetch("SELECT path, status FROM orgs_organization WHERE id = %s", [org_id])[0]
    path = org[0]
    ancestors = [path[: SEGMENT_LENGTH * n] for n in range(1, len(path) // SEGMENT_LENGTH)]
    fetch(
        "SELECT id, name, short_name, path FROM orgs_organization WHERE path = ANY(%s) "
        "ORDER BY depth",
        [ancestors],
    )
    fetch(
        "SELECT count(*) FROM orgs_organization WHERE parent_id = %s AND status = 'active'",
        [org_id],
    )
    kids = fetch(CHILDREN_WITH_COUNTS_SQL.format(status=" AND o.status = 'active'"), [org_id, 50])
    today = datetime.date.today()
    fetch(
        "SELECT p.organization_id, pe.id, pe.name FROM people_post p "
        "JOIN people_person pe ON pe.id = p.person_id "
        "WHERE p.organization_id = ANY(%s) AND p.title = 'secretary' AND p.start_date <= %s "
        "AND (p.end_date IS NULL OR p.end_date >= %s) ORDER BY p.organization_id, p.start_date",
        [[org_id, *[kid[0] for kid in kids]], today, today],
    )
    # One aggregate gives both the per-level counts and their sum (the subtree count);
    # `path > %s` leaves the organization itself out (an index-only scan).
    fetch(
        "SELECT level, count(*) FROM orgs_organization WHERE path LIKE %s "
        "AND path > %s AND status = 'active' GROUP BY level",
        [path + "%", path],
    )
    fetch(
        "SELECT p.title, p.start_date, p.end_date, pe.id, pe.name FROM people_post p "
        "JOIN people_person pe ON pe.id = p.person_id WHERE p.organization_id = %s "
        "ORDER BY p.title, p.start_date DESC",
        [org_id],
    )


def raw_search(user_id: int, term: str) -> None:
    if len(term) <= 2:  # the gram index of orgs/0003 (PostgreSQL); trigrams need 3
        condition = (
            "path LIKE %s AND status = 'active' AND "
            "(search_grams @> debrief_org_grams(%s) OR UPPER(code) = UPPER(%s))"
        )
        term_params = [term, term]
    else:
        condition = (
            "path LIKE %s AND status = 'active' AND (UPPER(name) LIKE UPPER(%s) "
            "OR UPPER(short_name) LIKE UPPER(%s) OR UPPER(code) = UPPER(%s))"
        )
        term_params = [f"%{term}%", f"%{term}%", term]
    for path in [row[0] for row in fetch(GRANTS_SQL, [user_id])]:
        params = [path + "%", *term_params]
        fetch(f"SELECT count(*) FROM orgs_organization WHERE {condition}", params)
        rows = fetch(
            f"SELECT {ORG_COLUMNS} FROM orgs_organization WHERE {condition} ORDER BY path LIMIT %s",
            [*params, PAGE_SIZE],
        )
        fetch(
            "SELECT id, name FROM orgs_organization WHERE id = ANY(%s)",
            [list({row[4] for row in rows if row[4]})],
        )


def raw_home(user_id: int) -> None:
    grants = fetch(GRANTS_SQL, [user_id])
    for path, _role, _org_id in grants:
        fetch("SELECT count(*) FROM orgs_organization WHERE path LIKE %s", [path + "%"])
    fetch(
        "SELECT g.role, o.id, o.name FROM accounts_grant g "
        "JOIN orgs_organization o ON o.id = g.organization_id WHERE g.user_id = %s",
        [user_id],
    )


def orm_subtree(path: str) -> Callable[[], object]:
    from django.core.paginator import Paginator

    from debrief.orgs.models import Organization

    def run() -> object:
        queryset = Organization.objects.filter(path__startswith=path).order_by("path")
        page = Paginator(queryset, PAGE_SIZE).page(1)
        return page.paginator.count, list(page.object_list)

    return run


def orm_scoped(user: Any) -> Callable[[], object]:
    from django.core.paginator import Paginator

    from debrief.accounts.access import orgs_for_user

    def run() -> object:
        user.__dict__.pop("_debrief_scope", None)  # the scope is resolved once per request
        page = Paginator(orgs_for_user(user).order_by("path"), PAGE_SIZE).page(1)
        return page.paginator.count, list(page.object_list)

    return run


def page_getter(client: Any, url: str) -> Callable[[], object]:
    def run() -> object:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        return response

    return run


def run_measurements(subjects: Subjects, *, runs: int, warmups: int) -> list[Row]:
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    rows: list[Row] = []

    def add(
        name: str,
        fn: Callable[[], object],
        baseline: Callable[[], object] | None,
        target: float | None,
        note: str = "",
    ) -> None:
        fn()  # fails loudly before timing if something is wrong
        queries = count_queries(fn)
        samples, base = measure(fn, baseline, runs=runs, warmups=warmups)
        row = Row(name, samples, base, target, queries, note)
        rows.append(row)
        print(f"  {name}: {row.median:.1f} ms median", flush=True)

    province, county = subjects.province, subjects.county
    add(
        f"province subtree: count + page ({subjects.counts['total']:,} rows)",
        orm_subtree(province.path),
        lambda: raw_subtree(province.path),
        SUBTREE_TARGET_MS,
    )
    county_size = county.subtree().count()
    add(
        f"county subtree: count + page ({county_size:,} rows)",
        orm_subtree(county.path),
        lambda: raw_subtree(county.path),
        SUBTREE_TARGET_MS,
    )
    add(
        "orgs_for_user (county grant): count + page",
        orm_scoped(subjects.county_viewer),
        lambda: raw_scoped(subjects.county_viewer.pk),
        SUBTREE_TARGET_MS,
    )

    # Pages: rendered through the full middleware stack. The manifest storage needs
    # collectstatic; the plain storage resolves the same {% static %} URLs without it.
    plain_static = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=plain_static):
        admin = Client()
        admin.force_login(subjects.province_admin)
        admin_id = subjects.province_admin.pk
        superuser = Client()
        superuser.force_login(subjects.superuser)
        add(
            "page tree (province admin)",
            page_getter(admin, reverse("orgs:tree")),
            lambda: raw_tree_root(admin_id),
            PAGE_TARGET_MS,
        )
        add(
            "page tree (superuser)",
            page_getter(superuser, reverse("orgs:tree")),
            lambda: raw_tree_root(None),
            PAGE_TARGET_MS,
        )
        for level, org in subjects.by_level.items():
            org_id = org.pk
            add(
                f"page detail {level} ({org.children.count()} children)",
                page_getter(admin, reverse("orgs:detail", args=[org_id])),
                partial(raw_detail, admin_id, org_id),
                PAGE_TARGET_MS,
            )
        for level, org in subjects.by_level.items():
            org_id = org.pk
            add(
                f"page children {level}",
                page_getter(admin, reverse("orgs:children", args=[org_id])),
                partial(raw_children, admin_id, org_id),
                PAGE_TARGET_MS,
            )
        for term in SEARCH_TERMS:
            url = reverse("orgs:tree") + "?" + urlencode({"q": term})
            add(
                f"page search q={term} ({len(term)} chars)",
                page_getter(admin, url),
                partial(raw_search, admin_id, term),
                PAGE_TARGET_MS,
            )
        add(
            "page home (province admin)",
            page_getter(admin, reverse("front:home")),
            lambda: raw_home(admin_id),
            None,
            note="info: counts the whole province",
        )
    return rows


# ------------------------------------------------------------------------ reporting


def fmt(value: float | None, spec: str = ".1f") -> str:
    return "—" if value is None else format(value, spec)


def table_lines(rows: list[Row]) -> Iterator[str]:
    header = ("measurement", "median ms", "p95 ms", "baseline ms", "ratio", "target", "result")
    cells = [
        (
            row.name,
            fmt(row.median),
            fmt(row.p95),
            fmt(row.baseline_median),
            fmt(row.ratio, ".2f"),
            f"< {row.target_ms:.0f}" if row.target_ms else "—",
            {True: "PASS", False: "FAIL", None: "info"}[row.passed],
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(header))]

    def line(values: Sequence[str]) -> str:
        first = values[0].ljust(widths[0])
        rest = [value.rjust(width) for value, width in zip(values[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest])

    yield line(header)
    yield "  ".join("-" * width for width in widths)
    for values in cells:
        yield line(values)


def index_definitions() -> list[str]:
    rows = fetch(
        "SELECT indexdef FROM pg_indexes WHERE tablename = 'orgs_organization' ORDER BY indexname",
        [],
    )
    return [row[0] for row in rows]


def code_version() -> str:
    """The commit measured, and whether the working tree differed from it."""
    import subprocess

    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    if not commit:
        return "unknown"
    return f"{commit} with uncommitted changes" if changed else commit


def path_collation() -> str:
    """The collation `path` compares with: it decides which index serves ORDER BY path."""
    rows = fetch(
        "SELECT coalesce(c.collation_name, d.datcollate) FROM information_schema.columns c "
        "JOIN pg_database d ON d.datname = current_database() "
        "WHERE c.table_name = 'orgs_organization' AND c.column_name = 'path'",
        [],
    )
    return str(rows[0][0]) if rows else "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=30, help="timed runs per measurement")
    parser.add_argument("--warmups", type=int, default=3, help="untimed runs first")
    parser.add_argument("--json", type=Path, default=DEFAULT_RESULTS, help="where to write")
    parser.add_argument(
        "--any-database",
        action="store_true",
        help="allow a database whose name does not contain 'bench' (it gets 300,000 fake rows)",
    )
    args = parser.parse_args(argv)

    url = database_url()
    name = database_name(url)
    if "bench" not in name and not args.any_database:
        print(
            f"Refusing to fill database {name!r} with a synthetic province: its name does not "
            "contain 'bench'. Set BENCH_DATABASE_URL (default "
            f"{DEFAULT_DATABASE_URL}) or pass --any-database.",
            file=sys.stderr,
        )
        return 2
    configure_environment(url)
    ensure_database(url)

    import django

    # WhiteNoise warns that STATIC_ROOT does not exist (no collectstatic): irrelevant here.
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    subjects = prepare()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
    started = datetime.datetime.now().astimezone()
    load_before = os.getloadavg()
    print(
        f"Measuring: {args.runs} runs after {args.warmups} warm-ups each, "
        f"ORM/page and raw SQL alternately"
    )
    rows = run_measurements(subjects, runs=args.runs, warmups=args.warmups)
    load_after = os.getloadavg()
    finished = datetime.datetime.now().astimezone()

    counts = ", ".join(f"{level} {n:,}" for level, n in sorted(subjects.counts.items()))
    print()
    print(
        f"Organization tree benchmark, {started:%Y-%m-%d %H:%M %z}, {os.cpu_count()} CPUs, "
        f"PostgreSQL {server_version}, database {name}"
    )
    version = code_version()
    print(f"Code: {version}")
    print(f"Province {ROOT_CODE}: {counts}")
    print(
        f"Load average (1 min) {load_before[0]:.2f} at start, {load_after[0]:.2f} at the end "
        f"({(finished - started).total_seconds():.0f} s); "
        "other work on the machine slows every figure"
    )
    print(f"{args.runs} runs after {args.warmups} warm-ups; PASS/FAIL compares the median")
    print()
    for text in table_lines(rows):
        print(text)
    judged = [row for row in rows if row.passed is not None]
    missed = [row for row in judged if not row.passed]
    print()
    print(f"{len(missed)} of {len(judged)} targets missed" + (":" if missed else "."))
    for row in missed:
        print(f"  - {row.name}: {row.median:.1f} ms (target < {row.target_ms:.0f} ms)")
    collation = path_collation()
    print(f"Collation of orgs_organization.path: {collation}")
    print("Indexes on orgs_organization:")
    indexes = index_definitions()
    for definition in indexes:
        print(f"  {definition}")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "benchmark": "orgs",
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": finished.isoformat(timespec="seconds"),
        "load_average_1min": {"start": load_before[0], "end": load_after[0]},
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "postgresql": server_version,
        "database": name,
        "code": version,
        "runs": args.runs,
        "warmups": args.warmups,
        "dataset": subjects.counts,
        "subjects": {level: org.code for level, org in subjects.by_level.items()},
        "path_collation": collation,
        "indexes": indexes,
        "targets_missed": len(missed),
        "results": [row.as_json() for row in rows],
    }
    args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"Results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
