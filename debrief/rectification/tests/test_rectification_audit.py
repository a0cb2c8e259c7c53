"""Audit records of the rectification changes, the plan lock, the one plan without a
cycle, carrying over twice, and evidence checked before any file is stored."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from debrief.audit.models import AuditRecord
from debrief.lib.errors import DomainError
from debrief.rectification.models import (
    Category,
    Evidence,
    KeyTask,
    ProblemEvent,
    RectificationPlan,
    Source,
)
from debrief.rectification.services import (
    plan_for,
    problem_create,
    problem_plan_set,
    problem_to_key_task,
    progress_add,
)

pytestmark = pytest.mark.django_db


def _last(action: str) -> AuditRecord:
    return AuditRecord.objects.filter(action=action).latest("pk")


def _pdf(name: str = "台账.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 evidence", content_type="application/pdf")


def test_recording_a_problem_is_audited_unless_a_bulk_import_audits_it(county, personas):
    admin = personas.county_admin
    problem = problem_create(
        organization=county.qingshi,
        category=Category.TEAM,
        description="后备干部储备不足",
        source=Source.COMMENT,
        actor=admin,
    )
    record = _last("problem.create")
    assert (record.actor, record.organization) == (admin, county.qingshi)
    assert record.target == "后备干部储备不足" and record.detail["problem"] == problem.pk
    before = AuditRecord.objects.count()
    problem_create(
        organization=county.qingshi,
        category=Category.TEAM,
        description="导入的问题",
        source=Source.COMMENT,
        actor=admin,
        audit=False,
    )
    assert AuditRecord.objects.count() == before


def test_measures_progress_and_key_tasks_are_audited(county, personas, problems):
    owner = personas.qingshi_secretary
    problem = problems[0]
    problem_plan_set(
        problem=problem,
        measures="每村储备2名",
        responsible_person="林晓青",
        deadline=datetime.date(2026, 6, 30),
        actor=owner,
    )
    record = _last("problem.plan")
    assert (record.actor, record.organization) == (owner, county.qingshi)
    assert record.detail["deadline"] == "2026-06-30"

    progress_add(problem=problem, text="完成摸底", percent=40, files=[_pdf()], actor=owner)
    record = _last("problem.progress")
    assert (record.actor, record.organization) == (owner, county.qingshi)
    assert (record.detail["percent"], record.detail["files"]) == (40, 1)

    task = problem_to_key_task(problem=problem, year=2026, actor=owner)
    record = _last("problem.key_task")
    assert (record.target, record.organization) == (task.title, county.qingshi)
    assert record.detail == {"problem": problem.pk, "year": 2026}


def test_the_plan_row_is_locked_before_its_editability_is_read(county, personas, problems):
    plan_for(organization=county.qingshi, cycle=None)
    real = RectificationPlan.objects.select_for_update
    with mock.patch.object(
        RectificationPlan.objects, "select_for_update", side_effect=real
    ) as locked:
        problem_plan_set(
            problem=problems[0],
            measures="x",
            responsible_person="y",
            deadline=datetime.date(2026, 1, 1),
            actor=personas.qingshi_secretary,
        )
    assert locked.called


def test_an_organization_has_one_plan_without_a_cycle(county, personas):
    plan = plan_for(organization=county.qingshi, cycle=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        RectificationPlan.objects.create(organization=county.qingshi, cycle=None)
    # get_or_create falls back on the existing plan when its insert loses a race.
    assert plan_for(organization=county.qingshi, cycle=None) == plan
    assert RectificationPlan.objects.filter(organization=county.liuxi).count() == 0
    plan_for(organization=county.liuxi, cycle=None)


def test_a_key_task_inserted_meanwhile_gives_the_same_error(personas, problems):
    """The check finds none, but a concurrent request inserted one before ours."""
    problem = problems[0]
    problem_to_key_task(problem=problem, year=2026)
    with mock.patch.object(KeyTask.objects, "filter") as filtered:
        filtered.return_value.exists.return_value = False
        with pytest.raises(DomainError, match="already a key task"):
            problem_to_key_task(problem=problem, year=2027)
    assert KeyTask.objects.filter(source_problem=problem).count() == 1


def test_a_bad_second_file_stores_none_of_the_files(settings, personas, problems):
    problem = problems[0]
    fake = SimpleUploadedFile("假的.pdf", b"<html>", content_type="application/pdf")
    with pytest.raises(DomainError, match="does not match"):
        progress_add(
            problem=problem,
            text="完成摸底",
            percent=40,
            files=[_pdf(), fake],
            actor=personas.qingshi_secretary,
        )
    assert not ProblemEvent.objects.filter(problem=problem).exists()
    assert not Evidence.objects.exists()
    media = settings.MEDIA_ROOT
    stored = [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
    assert stored == []
