"""The Simplified Chinese catalogues are complete, and pages speak Chinese by default.

The page tests need the compiled catalogues (.mo): `make test` compiles them first;
when running pytest by hand, run `manage.py compilemessages --ignore=.venv` first.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

DEBRIEF = Path(__file__).resolve().parents[2]
# The apps whose catalogues are translated (debrief/lib is installed for its catalogue).
APPS = [
    "front",
    "lib",
    "accounts",
    "audit",
    "people",
    "orgs",
    "reports",
    "meetings",
    "cycles",
    "assessments",
    "rectification",
    "ballots",
]
TRANSLATION_CALLS = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy"}
PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdif]")


@dataclass
class Entry:
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    line: int = 0


def _unquote(text: str) -> str:
    return ast.literal_eval(text)  # a .po string is a valid Python string literal


def parse_po(path: Path) -> list[Entry]:
    """A small .po reader: enough for the files makemessages writes."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            entry, target = None, None
            continue
        if entry is None:
            entry = Entry(line=number)
            entries.append(entry)
        if line.startswith("#~"):
            raise AssertionError(f"{path}:{number}: obsolete entry left in the catalogue")
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")$", line)
        if match:
            keyword, index, text = match.groups()
            target = (keyword.split("[")[0], int(index or 0))
            value = _unquote(text)
        elif line.startswith('"') and target is not None:
            value = _unquote(line)
        else:
            raise AssertionError(f"{path}:{number}: cannot read {raw!r}")
        keyword, index = target
        if keyword == "msgstr":
            entry.msgstr[index] = entry.msgstr.get(index, "") + value
        elif keyword == "msgctxt":
            entry.msgctxt = (entry.msgctxt or "") + value
        elif keyword == "msgid_plural":
            entry.msgid_plural = (entry.msgid_plural or "") + value
        else:
            entry.msgid += value
    return entries


def catalogue(app: str) -> Path:
    return DEBRIEF / app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("app", APPS)
def test_catalogue_is_complete_and_not_fuzzy(app: str) -> None:
    path = catalogue(app)
    assert path.exists(), f"{path} is missing"
    entries = parse_po(path)
    header = [e for e in entries if e.msgid == "" and e.msgctxt is None]
    assert len(header) == 1
    assert "fuzzy" not in header[0].flags, "the header is fuzzy: compilemessages skips it"
    assert "Language: zh_Hans\n" in header[0].msgstr[0]
    assert "charset=UTF-8" in header[0].msgstr[0]
    assert "Plural-Forms: nplurals=1; plural=0;\n" in header[0].msgstr[0]
    messages = [e for e in entries if e is not header[0]]
    assert messages, f"{path} has no messages"
    problems = []
    for e in messages:
        where = f"{path.relative_to(DEBRIEF)}:{e.line} {e.msgid!r}"
        if "fuzzy" in e.flags:
            problems.append(f"{where}: fuzzy")
        # Chinese has one plural form: msgstr[0] serves every count.
        if not e.msgstr.get(0, "").strip():
            problems.append(f"{where}: not translated")
            continue
        source = e.msgid_plural if e.msgid_plural is not None else e.msgid
        wanted = set(PLACEHOLDER.findall(source))
        for i, text in e.msgstr.items():
            if set(PLACEHOLDER.findall(text)) != wanted:
                problems.append(f"{where}: placeholders of msgstr[{i}] differ from the source")
    assert not problems, "\n".join(problems)


def _python_msgids(app: str) -> set[str]:
    """Literal strings passed to gettext and friends in the app's Python code."""
    found: set[str] = set()
    for source in sorted((DEBRIEF / app).rglob("*.py")):
        if "tests" in source.parts or "migrations" in source.parts:
            continue
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in TRANSLATION_CALLS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


@pytest.mark.parametrize("app", APPS)
def test_every_string_of_the_apps_python_code_is_in_its_catalogue(app: str) -> None:
    catalogued = {e.msgid for e in parse_po(catalogue(app))}
    missing = sorted(_python_msgids(app) - catalogued)
    assert not missing, f"run `make messages` and translate: {missing}"


def _page(response: Any) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_login_page_is_chinese_by_default_and_english_on_request(client: Any) -> None:
    html = _page(client.get(reverse("accounts:login")))
    assert 'lang="zh-hans"' in html
    assert "登录" in html
    assert "用户名" in html
    assert "述职评议" in html
    assert "Log in" not in html

    # A browser set to Chinese (China) asks for zh-CN: that is Simplified Chinese too.
    html = _page(
        client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.8")
    )
    assert 'lang="zh-hans"' in html and "登录" in html

    client.cookies["django_language"] = "en"
    html = _page(client.get(reverse("accounts:login")))
    assert 'lang="en"' in html
    assert "Log in" in html
    assert "User name" in html
    assert "登录" not in html


def test_org_tree_and_home_are_chinese_by_default_and_english_on_request(
    client: Any, personas: Any
) -> None:
    client.force_login(personas.county_admin)
    html = _page(client.get(reverse("orgs:tree")))
    assert 'lang="zh-hans"' in html
    assert "组织树" in html
    assert "县（市、区）" in html  # the level of 示范县委, a model choice
    assert "下级3个" in html  # a plural form
    assert "退出" in html
    assert "Organization tree" not in html

    html = _page(client.get(reverse("front:home")))
    assert 'lang="zh-hans"' in html
    assert "首页" in html
    assert "组织部管理员" in html  # the role of county_admin

    client.cookies["django_language"] = "en"
    html = _page(client.get(reverse("orgs:tree")))
    assert 'lang="en"' in html
    assert "Organization tree" in html
    assert "County (city, district)" in html
    assert "组织树" not in html
    html = _page(client.get(reverse("front:home")))
    assert "Organization department administrator" in html


def test_the_ballot_page_is_chinese_by_default_and_english_on_request(
    county: Any, personas: Any
) -> None:
    from debrief.ballots.tests.conftest import make_ready
    from debrief.ballots.tests.web import HttpsClient

    ready = make_ready(county, reason_required_for_poor=True, max_good_share=Decimal("0.6"))
    token = ready.tokens["县委常委"][0]
    client = HttpsClient()
    html = _page(client.get(reverse("ballots_public:phone", args=[token])))
    assert 'lang="zh-hans"' in html
    assert "民主测评" in html
    first = ready.reporter_ids[0]
    grades = {"good": "好", "fairly_good": "较好", "average": "一般", "poor": "差"}
    for grade, label in grades.items():
        assert f'data-grade="{grade}" data-testid="grade-{first}-{grade}">{label}<' in html
    assert "已评" in html and ">提交<" in html
    assert "评为“差”的理由（必填）" in html
    assert 'data-ready="可以提交。"' in html
    assert "%(s)s秒后重试（第%(n)s次）" in html  # the retry message phone.js fills in
    assert "Submit" not in html and "Rated" not in html

    client.cookies["django_language"] = "en"
    html = _page(client.get(reverse("ballots_public:phone", args=[token])))
    assert 'lang="en"' in html
    assert ">Good<" in html and ">Submit<" in html
    assert "民主测评" not in html
