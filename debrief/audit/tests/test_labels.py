"""Every audit action code used in the code base has a readable, translated label."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from debrief.audit.labels import ACTION_LABELS, action_label
from debrief.audit.services import audit_record

DEBRIEF = Path(__file__).resolve().parents[2]

# An f-string code such as f"meeting.{to}" stands for these codes.
EXPANSIONS = {
    "meeting.{}": {"meeting.in_progress", "meeting.ended"},  # meeting_start, meeting_end
    "report.{}": {"report.accepted", "report.returned"},  # report_accept, report_return
}


def _sources() -> list[Path]:
    return [
        path
        for path in sorted(DEBRIEF.rglob("*.py"))
        if "tests" not in path.parts and "migrations" not in path.parts
    ]


def _module_constants(tree: ast.Module) -> dict[str, str]:
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _codes(node: ast.expr, constants: dict[str, str]) -> set[str]:
    """The codes an `action=` argument can take; an f-string gives a "prefix.{}" pattern."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _codes(node.body, constants) | _codes(node.orelse, constants)
    if isinstance(node, ast.JoinedStr):
        return {
            "".join(
                str(part.value) if isinstance(part, ast.Constant) else "{}" for part in node.values
            )
        }
    if isinstance(node, ast.Name) and node.id in constants:
        return {constants[node.id]}
    return set()  # a parameter passed on: its callers pass a module constant, found below


def action_codes_in_source() -> set[str]:
    """The codes passed to audit_record(action=...), and the module constants named
    *AUDIT_ACTION that are passed to it through a helper."""
    codes: set[str] = set()
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _module_constants(tree)
        codes |= {value for name, value in constants.items() if name.endswith("AUDIT_ACTION")}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name != "audit_record":
                continue
            for keyword in node.keywords:
                if keyword.arg == "action":
                    codes |= _codes(keyword.value, constants)
    return codes


def test_the_scan_finds_the_codes_of_every_module() -> None:
    codes = action_codes_in_source()
    for code in (
        "login",
        "cycle.transition",
        "report.submit",
        "grant.create",
        "evaluation.open",
        "problem.verify",
        "assessment.publish",
        "plan.return",  # from `"plan.accept" if accept else "plan.return"`
        "orgs.import",  # through a module constant
        "rectification.progress_import",  # through a constant passed to a helper
        "meeting.{}",
        "report.{}",
    ):
        assert code in codes


def test_every_action_code_in_the_source_has_a_label() -> None:
    missing = []
    for code in sorted(action_codes_in_source()):
        if "{}" in code:
            assert code in EXPANSIONS, f"say which codes {code!r} stands for in EXPANSIONS"
            missing += sorted(c for c in EXPANSIONS[code] if c not in ACTION_LABELS)
        elif code not in ACTION_LABELS:
            missing.append(code)
    assert not missing, f"add labels to debrief/audit/labels.py: {missing}"


def test_the_expansions_match_their_pattern() -> None:
    for pattern, codes in EXPANSIONS.items():
        regex = re.compile(re.escape(pattern).replace(r"\{\}", r"[a-z_]+") + "$")
        assert all(regex.match(code) for code in codes)


def test_a_code_without_a_label_is_shown_as_it_is() -> None:
    assert action_label("no.such_action") == "no.such_action"
    assert action_label("login") == "Logged in"  # tests run in English outside requests


@pytest.mark.django_db
def test_the_audit_log_shows_the_label_in_chinese_and_in_english(
    client: Any, personas: Any
) -> None:
    admin = personas.county_admin
    audit_record(action="login", actor=admin)
    audit_record(action="no.such_action", actor=admin)
    client.force_login(admin)

    html = client.get(reverse("audit:list")).content.decode()
    cells = re.findall(r'<td data-testid="audit-action" data-action="login">(.*?)</td>', html)
    assert cells
    assert all(cell.startswith("登录") for cell in cells)
    assert '<td data-testid="audit-action" data-action="no.such_action">no.such_action</td>' in html

    client.cookies["django_language"] = "en"
    html = client.get(reverse("audit:list")).content.decode()
    cells = re.findall(r'<td data-testid="audit-action" data-action="login">(.*?)</td>', html)
    assert cells
    assert all(cell.startswith("Logged in") for cell in cells)
