import datetime

import pytest

from debrief.audit.models import AuditRecord
from debrief.cycles.models import Cycle, CycleStatus
from debrief.cycles.services import cycle_transition, cycle_update
from debrief.lib.errors import DomainError, IllegalTransition
from debrief.orgs.models import Field, Level

pytestmark = pytest.mark.django_db


def test_the_plan_of_a_draft_cycle_can_be_changed(cycle, personas):
    changed = cycle_update(
        cycle=cycle,
        actor=personas.county_admin,
        title="  示范县2025年度述职评议  ",
        report_deadline=datetime.date(2026, 1, 10),
        key_content="基层治理",
        levels=[Level.TOWNSHIP],
    )
    assert changed == ["title", "levels", "report_deadline", "key_content"]
    stored = Cycle.objects.get(pk=cycle.pk)
    assert stored.title == "示范县2025年度述职评议"
    assert stored.report_deadline == datetime.date(2026, 1, 10)
    assert stored.levels == [Level.TOWNSHIP]
    assert cycle.key_content == "基层治理"  # the caller's object is refreshed too


def test_a_change_to_the_plan_is_audited_with_the_changed_fields(cycle, personas):
    cycle_update(cycle=cycle, actor=personas.county_admin, key_content="两个覆盖")
    record = AuditRecord.objects.filter(action="cycle.update").get()
    assert record.detail == {"changed": ["key_content"]}
    assert record.actor == personas.county_admin


def test_saving_the_same_values_changes_and_records_nothing(cycle):
    assert cycle_update(cycle=cycle, title=cycle.title, levels=list(cycle.levels)) == []
    assert not AuditRecord.objects.filter(action="cycle.update").exists()


def test_the_plan_can_still_be_changed_while_reports_are_open(open_cycle):
    assert cycle_update(cycle=open_cycle, meeting_deadline=datetime.date(2026, 2, 1)) == [
        "meeting_deadline"
    ]


def test_the_plan_is_frozen_from_the_meeting_stage_on(meeting_cycle):
    with pytest.raises(IllegalTransition, match="can no longer be changed"):
        cycle_update(cycle=meeting_cycle, key_content="迟到的修改")
    assert Cycle.objects.get(pk=meeting_cycle.pk).key_content == ""
    assert not AuditRecord.objects.filter(action="cycle.update").exists()


def test_the_guard_reads_the_stored_status_not_a_stale_object(cycle):
    stale = Cycle.objects.get(pk=cycle.pk)
    cycle_transition(cycle=cycle, to=CycleStatus.REPORTS_OPEN)
    Cycle.objects.filter(pk=cycle.pk).update(status=CycleStatus.PUBLISHED)
    with pytest.raises(IllegalTransition):
        cycle_update(cycle=stale, key_content="x")


def test_an_empty_title_or_an_empty_scope_is_refused(cycle):
    with pytest.raises(DomainError, match="needs a title"):
        cycle_update(cycle=cycle, title="   ")
    with pytest.raises(DomainError, match="at least one level"):
        cycle_update(cycle=cycle, fields=[])
    with pytest.raises(DomainError, match="Unknown level"):
        cycle_update(cycle=cycle, levels=[Level.TOWNSHIP, "galaxy"])
    assert Cycle.objects.get(pk=cycle.pk).fields == list(Field.values)


def test_host_and_year_are_not_part_of_the_plan(cycle, county):
    with pytest.raises(TypeError):
        cycle_update(cycle=cycle, year=2030)
    with pytest.raises(TypeError):
        cycle_update(cycle=cycle, host=county.qingshi)
