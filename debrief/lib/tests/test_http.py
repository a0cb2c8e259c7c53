"""parse_pk accepts ASCII digits only: "²" passes str.isdigit() but int() rejects it."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from debrief.lib.http import parse_pk


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", 12),
        ("0", 0),
        ("²", None),
        ("1²", None),
        ("١٢", None),  # Arabic-Indic digits
        ("１２", None),  # full-width digits
        ("", None),
        ("-1", None),
        (" 1", None),
        ("1.0", None),
        ("9" * 19, None),
        (None, None),
        (7, None),
    ],
)
def test_parse_pk(raw: Any, expected: int | None) -> None:
    assert parse_pk(raw) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("rectification:dashboard", 200),  # ?org= is ignored: the first root is shown
        ("rectification:problems", 200),  # ?q= searches the text only
        ("rectification:problem_new", 200),  # no organization is preselected
        ("orgs:export", 200),  # ?root= is ignored: all the user's organizations
        ("assessments:history", 404),  # ?org= must name an organization
    ],
)
def test_a_superscript_digit_in_a_parameter_is_not_a_server_error(
    client: Any, personas: Any, url: str, status: int
) -> None:
    client.force_login(personas.county_admin)
    response = client.get(reverse(url) + "?org=%C2%B2&root=%C2%B2&q=%C2%B2")
    assert response.status_code == status
