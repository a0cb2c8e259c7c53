"""Baseline security: log-in lockout, audit of logins, sessions, CSRF, CSP, deployment
checks and password rules."""

from __future__ import annotations

import datetime
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

import debrief
from conftest import PASSWORD
from debrief.accounts.models import Grant, User
from debrief.accounts.services import user_create
from debrief.audit.models import AuditRecord, Result
from debrief.lib.errors import DomainError
from debrief.lib.testing import HttpsClient

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
HOME = reverse("front:home")
VENUE_IP = "10.20.30.40"  # the whole venue behind one NAT address
PROJECT_ROOT = Path(debrief.__file__).resolve().parent.parent


def _log_in(client: Any, username: str, password: str, ip: str = VENUE_IP) -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _logged_in_as(client: Any) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


# --- Lockout ---------------------------------------------------------------------------


def test_five_failed_logins_lock_that_user_name_even_with_the_right_password(
    client: Any, personas: Any
) -> None:
    for _attempt in range(django_settings.AXES_FAILURE_LIMIT):
        _log_in(client, "county_admin", "wrong-password")
    response = _log_in(client, "county_admin", PASSWORD)
    assert response.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    assert _logged_in_as(client) is None


def test_a_locked_user_name_does_not_lock_others_at_the_same_address(
    client: Any, personas: Any
) -> None:
    for _attempt in range(django_settings.AXES_FAILURE_LIMIT):
        _log_in(client, "county_admin", "wrong-password")
    other = HttpsClient()
    response = _log_in(other, "county_staff", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == HOME
    assert _logged_in_as(other) == personas.county_staff.pk


def test_fewer_failures_than_the_limit_do_not_lock_the_user_name(
    client: Any, personas: Any
) -> None:
    assert django_settings.AXES_FAILURE_LIMIT == 5
    for _attempt in range(django_settings.AXES_FAILURE_LIMIT - 1):
        _log_in(client, "county_admin", "wrong-password")
    assert _log_in(client, "county_admin", PASSWORD).status_code == 302
    assert _logged_in_as(client) == personas.county_admin.pk


def test_a_deactivated_account_cannot_log_in(client: Any, personas: Any) -> None:
    User.objects.filter(pk=personas.qingshi_secretary.pk).update(is_active=False)
    response = _log_in(client, "qingshi_secretary", PASSWORD)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert _logged_in_as(client) is None


# --- Audit of logins -----------------------------------------------------------------


def test_a_failed_login_is_audited_with_the_name_typed(client: Any, personas: Any) -> None:
    _log_in(client, "county_admin", "wrong-password")
    record = AuditRecord.objects.get(action="login")
    assert (record.result, record.actor_name, record.actor_id) == (
        Result.FAILED,
        "county_admin",
        None,
    )
    assert record.ip_address == VENUE_IP


def test_a_successful_login_is_audited(client: Any, personas: Any) -> None:
    _log_in(client, "county_admin", PASSWORD)
    record = AuditRecord.objects.get(action="login")
    assert (record.result, record.actor) == (Result.OK, personas.county_admin)


def test_administrators_see_failed_logins_of_their_accounts_in_the_audit_log(
    client: Any, personas: Any
) -> None:
    _log_in(client, "qingshi_secretary", "wrong-password")
    _log_in(client, "someone_elsewhere", "wrong-password")
    admin = HttpsClient()
    admin.force_login(personas.county_admin)
    records = admin.get(reverse("audit:list"), {"action": "login"}).context["page"].object_list
    failed = {r.actor_name for r in records if r.result == Result.FAILED}
    assert failed == {"qingshi_secretary"}


# --- Sessions ------------------------------------------------------------------------


def test_sessions_expire_when_idle_and_are_extended_by_each_request() -> None:
    assert django_settings.SESSION_SAVE_EVERY_REQUEST is True
    assert 5 * 60 <= django_settings.SESSION_COOKIE_AGE <= 8 * 3600
    assert django_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


def test_the_session_cookie_is_http_only_and_secure(client: Any, personas: Any) -> None:
    response = _log_in(client, "county_admin", PASSWORD)
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"


def _session(client: Any) -> Session:
    return Session.objects.get(
        session_key=client.cookies[django_settings.SESSION_COOKIE_NAME].value
    )


def test_each_request_pushes_the_idle_deadline_back(client: Any, personas: Any) -> None:
    client.force_login(personas.county_viewer)
    soon = timezone.now() + datetime.timedelta(minutes=1)
    Session.objects.filter(pk=_session(client).pk).update(expire_date=soon)
    assert client.get(HOME).status_code == 200
    deadline = _session(client).expire_date
    expected = timezone.now() + datetime.timedelta(seconds=django_settings.SESSION_COOKIE_AGE)
    assert abs((deadline - expected).total_seconds()) < 60


def test_an_idle_session_is_over_on_the_server(client: Any, personas: Any) -> None:
    client.force_login(personas.county_viewer)
    past = timezone.now() - datetime.timedelta(seconds=1)
    Session.objects.filter(pk=_session(client).pk).update(expire_date=past)
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


# --- CSRF ------------------------------------------------------------------------------


def test_a_login_post_without_a_csrf_token_is_refused(personas: Any) -> None:
    client = HttpsClient(enforce_csrf_checks=True)
    origin = {"Origin": "https://testserver"}
    response = client.post(
        LOGIN, {"username": "county_admin", "password": PASSWORD}, headers=origin
    )
    assert response.status_code == 403
    assert _logged_in_as(client) is None
    # The same post with the token from the form goes through.
    client.get(LOGIN)
    token = client.cookies[django_settings.CSRF_COOKIE_NAME].value
    data = {"username": "county_admin", "password": PASSWORD, "csrfmiddlewaretoken": token}
    assert client.post(LOGIN, data, headers=origin).status_code == 302


def test_a_revoke_without_a_csrf_token_is_refused(personas: Any) -> None:
    client = HttpsClient(enforce_csrf_checks=True)
    client.force_login(personas.county_admin)
    grant = Grant.objects.get(user=personas.liuxi_secretary)
    url = reverse("accounts:grant_revoke", args=[grant.pk])
    response = client.post(url, headers={"Origin": "https://testserver"})
    assert response.status_code == 403
    assert Grant.objects.filter(pk=grant.pk).exists()


def test_an_import_upload_without_a_csrf_token_is_refused(personas: Any) -> None:
    """The import view is csrf_exempt on the outside (so that its upload handler can be
    installed first) and checks the token itself; this proves that it does."""
    client = HttpsClient(enforce_csrf_checks=True)
    client.force_login(personas.county_admin)
    response = client.post(reverse("orgs:import"), {}, headers={"Origin": "https://testserver"})
    assert response.status_code == 403


# --- Content-Security-Policy and external references -----------------------------------

ALLOWED_SOURCES = {"'self'", "'none'", "data:"}


@pytest.mark.parametrize("persona", [None, "county_admin", "qingshi_secretary"])
@pytest.mark.parametrize(
    "url_name", ["accounts:login", "front:home", "accounts:grants", "accounts:password_change"]
)
def test_every_page_has_a_strict_content_security_policy(
    client: Any, personas: Any, persona: str | None, url_name: str
) -> None:
    if persona:
        client.force_login(getattr(personas, persona))
    response = client.get(reverse(url_name))
    policy = response["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert {source for sources in directives.values() for source in sources} <= ALLOWED_SOURCES


TEXT_SUFFIXES = {".html", ".css", ".js", ".mjs", ".svg", ".json", ".txt", ".xml", ".map"}


def _front_end_files() -> list[Path]:
    root = PROJECT_ROOT / "debrief"
    templates = root.glob("**/templates/**/*.html")
    static = (p for p in root.glob("**/static/**/*") if p.suffix.lower() in TEXT_SUFFIXES)
    return sorted({*templates, *static})


def test_the_scan_for_external_references_covers_templates_and_static_files() -> None:
    names = {path.relative_to(PROJECT_ROOT).as_posix() for path in _front_end_files()}
    assert "debrief/front/templates/front/base.html" in names
    assert "debrief/front/static/debrief/app.js" in names
    assert "debrief/front/static/debrief/app.css" in names


def test_no_template_or_static_file_references_another_host() -> None:
    """Intranet machines cannot reach the internet; and the CSP would block it anyway.
    Comments count too: a commented-out CDN link is one edit away from a broken page."""
    offenders = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()[:80]}"
        for path in _front_end_files()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1)
        if re.search(r"https?://|//cdn", line, flags=re.IGNORECASE)
    ]
    assert offenders == []


INLINE_CODE = [
    (r"<script\b(?![^>]*\bsrc=)[^>]*>", "inline <script>"),
    (r"<style\b", "<style> element"),
    (r"\sstyle\s*=", "style attribute"),
    (r"<[a-z][^>]*\son[a-z]+\s*=", "event handler attribute"),
    (r"javascript:", "javascript: URL"),
]


def test_no_template_needs_inline_script_or_style() -> None:
    """The CSP forbids inline code, so a template relying on it would silently break."""
    offenders = [
        f"{path.relative_to(PROJECT_ROOT)}: {label}"
        for path in _front_end_files()
        if path.suffix == ".html"
        for pattern, label in INLINE_CODE
        if re.search(pattern, _without_template_tags(path), flags=re.IGNORECASE)
    ]
    assert offenders == []


def _without_template_tags(path: Path) -> str:
    """The HTML of a template, its {% tags %} and {{ variables }} left out."""
    return re.sub(r"\{%.*?%\}|\{\{.*?\}\}", "", path.read_text(errors="replace"))


# --- Deployment checks -----------------------------------------------------------------


def test_the_deployment_checks_pass_with_production_settings() -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DEBRIEF_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        DEBRIEF_DEBUG="0",
        DEBRIEF_SECRET_KEY=secrets.token_urlsafe(64)[:50],
        DEBRIEF_ALLOWED_HOSTS="debrief.example.gov.cn",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output
    assert "no issues" in output


# --- Passwords -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["Sh0rt-pw", "password123", "qwertyuiop", "20240601123456", "wangfang-2024"],
    ids=["too short", "common", "common keyboard row", "numeric", "like the user name"],
)
def test_weak_passwords_are_refused_when_creating_an_account(personas: Any, password: str) -> None:
    with pytest.raises(DomainError):
        user_create(
            username="wangfang-2024",
            full_name="王芳",
            password=password,
            actor=personas.county_admin,
        )
    assert not User.objects.filter(username="wangfang-2024").exists()
    assert not AuditRecord.objects.filter(action="account.create").exists()


def test_a_strong_password_is_accepted_and_stored_hashed(personas: Any) -> None:
    user = user_create(
        username="wangfang",
        full_name="王芳",
        password="Spring-river-lantern-42",
        actor=personas.county_admin,
    )
    assert user.password != "Spring-river-lantern-42"
    assert user.check_password("Spring-river-lantern-42")
