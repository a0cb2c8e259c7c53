"""`manage.py demo` on an empty database: builds once, changes nothing the second time,
is the same every time, leaves nothing behind when interrupted, and refuses to mix
the demo into a database that holds other data."""

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from debrief.accounts.models import Grant, User
from debrief.audit.models import AuditRecord
from debrief.demo import builder
from debrief.orgs.models import Field, Level, Organization
from debrief.orgs.services import org_create
from debrief.people.models import Person, Post

pytestmark = pytest.mark.django_db

MODELS = (Organization, Person, Post, User, Grant, AuditRecord)


@pytest.fixture(autouse=True)
def fast_hashers(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_demo() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("demo", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def snapshot() -> dict[str, Any]:
    """Every row the demo writes, by natural keys and values (no database ids)."""
    return {
        "orgs": list(
            Organization.objects.order_by("code").values_list(
                "code",
                "name",
                "short_name",
                "path",
                "depth",
                "level",
                "field",
                "status",
                "dissolved_on",
                "parent__code",
                "merged_into__code",
                "updated_at",
            )
        ),
        "people": sorted(Person.objects.values_list("name", "gender", "ethnicity", "phone")),
        "posts": sorted(
            Post.objects.values_list(
                "organization__code", "title", "start_date", "end_date", "person__name"
            ),
            key=repr,
        ),
        "users": sorted(
            User.objects.values_list(
                "username", "full_name", "password", "person__name", "is_active", "is_superuser"
            ),
            key=repr,
        ),
        "grants": sorted(Grant.objects.values_list("user__username", "organization__code", "role")),
        "audit": sorted(AuditRecord.objects.values_list("pk", "action", "target")),
    }


def test_running_demo_twice_changes_nothing_and_prints_the_same_logins():
    assert counts() == dict.fromkeys(counts(), 0)
    first_out, first_err = run_demo()
    assert Organization.objects.filter(code="SF0001").exists()
    before_counts, before = counts(), snapshot()
    assert before_counts["Organization"] > 280
    assert before_counts["User"] == 5

    second_out, second_err = run_demo()

    assert counts() == before_counts
    assert snapshot() == before
    assert "built" in first_out and "already present" not in first_out
    assert "already present" in second_out
    assert first_err == second_err == ""
    from debrief.demo.slips import demo_slips_text

    tail = builder.demo_logins_text() + "\n" + demo_slips_text()
    assert first_out.endswith(tail)
    assert second_out.endswith(tail)


def test_the_demo_is_the_same_on_every_build():
    def build_and_forget() -> dict[str, Any]:
        with transaction.atomic():
            builder.build_demo()
            rows = snapshot()
            transaction.set_rollback(True)
        assert not Organization.objects.exists()
        return rows

    first, second = build_and_forget(), build_and_forget()
    for volatile in ("audit", "users"):  # record ids, salted password hashes
        del first[volatile], second[volatile]
    for rows in (first, second):  # timestamps
        rows["orgs"] = [row[:-1] for row in rows["orgs"]]
    assert first["orgs"]
    assert first == second


def test_an_interrupted_build_leaves_nothing_behind(monkeypatch):
    def power_cut(*args: Any, **kwargs: Any) -> None:
        assert Post.objects.exists()  # the tree and the posts were written by then
        raise RuntimeError("power cut")

    monkeypatch.setattr(builder, "build_accounts", power_cut)
    with pytest.raises(RuntimeError, match="power cut"):
        run_demo()
    assert counts() == dict.fromkeys(counts(), 0)


def test_the_demo_is_not_mixed_into_a_database_that_holds_other_organizations():
    org_create(code="X001", name="某县委", level=Level.COUNTY, field=Field.GENERAL)
    out, err = run_demo()
    assert "not built" in err
    assert "already holds organizations" in err
    assert Organization.objects.count() == 1
    assert not User.objects.exists()
    assert "Debrief-demo-2026" not in out


def test_the_demo_is_not_built_when_one_of_its_user_names_is_taken():
    User.objects.create_user(username="county_admin", password="Someone-elses-9")
    _out, err = run_demo()
    assert "user names already taken: county_admin" in err
    assert not Organization.objects.exists()
    assert User.objects.count() == 1
