import datetime

import pytest

from debrief.audit.models import AuditRecord
from debrief.cycles.models import CycleStatus, Mode, Reporter
from debrief.cycles.services import (
    cycle_create,
    cycle_transition,
    onsite_apply,
    onsite_suggestions,
    order_draw,
    reporter_add,
    reporter_arrange,
    reporter_remove,
    roster_generate,
)
from debrief.lib.errors import DomainError, IllegalTransition
from debrief.orgs.models import Level
from debrief.people.models import Gender, Person, Title
from debrief.people.services import post_assign

pytestmark = pytest.mark.django_db


def test_the_roster_lists_the_secretary_in_post_on_the_reference_date(county, personas, cycle):
    reporters = {r.organization.code: r for r in cycle.reporters.select_related("person")}
    assert set(reporters) == {"T001", "T002"}  # the organs committee has no secretary
    assert reporters["T001"].person.name == "林晓青"
    assert reporters["T001"].post_title == "青石镇党委书记"


def test_a_vacant_post_is_reported_not_invented(county, personas):
    c = cycle_create(host=county.county, year=2024, levels=[Level.TOWNSHIP, Level.UNIT])
    result = roster_generate(cycle=c)
    assert [o.code for o in result.vacant] == ["U001"]
    assert len(result.added) == 2


def test_the_roster_uses_the_secretary_of_the_reference_date_not_today(county, personas):
    successor = Person.objects.create(name="新书记", gender=Gender.MALE)
    post_assign(
        person=successor,
        organization=county.qingshi,
        title=Title.SECRETARY,
        start_date=datetime.date(2026, 2, 1),
    )
    c = cycle_create(host=county.county, year=2025, levels=[Level.TOWNSHIP])
    roster_generate(cycle=c)
    assert c.reporters.get(organization=county.qingshi).person.name == "林晓青"


def test_generating_twice_adds_nobody_twice(cycle):
    result = roster_generate(cycle=cycle)
    assert result.added == [] and result.already == 2
    assert cycle.reporters.count() == 2


def test_a_second_cycle_for_the_same_host_and_year_is_refused(county, cycle):
    with pytest.raises(DomainError):
        cycle_create(host=county.county, year=2025)


def test_the_workflow_refuses_skipping_stages(cycle):
    with pytest.raises(IllegalTransition):
        cycle_transition(cycle=cycle, to=CycleStatus.PUBLISHED)
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.DRAFT


def test_opening_reports_needs_a_roster(county, personas):
    c = cycle_create(host=county.county, year=2023)
    with pytest.raises(DomainError, match="roster is empty"):
        cycle_transition(cycle=c, to=CycleStatus.REPORTS_OPEN)


def test_the_meeting_stage_needs_a_scheduled_meeting(open_cycle):
    with pytest.raises(DomainError, match="Schedule the review meeting"):
        cycle_transition(cycle=open_cycle, to=CycleStatus.MEETING)


def test_every_transition_is_audited(open_cycle):
    record = AuditRecord.objects.filter(action="cycle.transition").latest("pk")
    assert record.detail == {"from": "draft", "to": "reports_open"}


def test_the_roster_is_frozen_once_the_meeting_stage_starts(county, meeting_cycle):
    with pytest.raises(IllegalTransition):
        reporter_add(
            cycle=meeting_cycle, organization=county.organs_committee, person=Person.objects.first()
        )


def test_a_reporter_can_be_added_by_hand_with_a_chosen_person(county, cycle):
    person = Person.objects.create(name="代理人", gender=Gender.MALE)
    reporter = reporter_add(cycle=cycle, organization=county.organs_committee, person=person)
    assert reporter.post_title == "示范县直机关工委书记"
    with pytest.raises(DomainError, match="already on the roster"):
        reporter_add(cycle=cycle, organization=county.organs_committee, person=person)


def test_only_organizations_under_the_host_can_report(county, personas):
    c = cycle_create(host=county.qingshi, year=2025, levels=[Level.VILLAGE])
    with pytest.raises(DomainError):
        reporter_add(cycle=c, organization=county.liuxi, person=Person.objects.first())


def test_removing_a_reporter_leaves_the_rest(cycle):
    reporter = cycle.reporters.first()
    reporter_remove(reporter=reporter)
    assert cycle.reporters.count() == 1


def test_two_reporters_cannot_share_a_speaking_slot(cycle):
    first, second = cycle.reporters.order_by("pk")
    reporter_arrange(reporter=first, mode=Mode.ONSITE, session=1, order=1)
    with pytest.raises(DomainError, match="already taken"):
        reporter_arrange(reporter=second, mode=Mode.ONSITE, session=1, order=1)


def test_the_draw_orders_on_site_speakers_and_can_be_replayed(cycle):
    onsite_apply(cycle=cycle, reporter_ids=list(cycle.reporters.values_list("pk", flat=True)))
    draw = order_draw(cycle=cycle, session=1, seed="fixed-seed")
    orders = dict(cycle.reporters.values_list("pk", "order"))
    assert sorted(orders.values()) == [1, 2]
    assert {row["reporter"]: row["order"] for row in draw.result} == orders
    replay = order_draw(cycle=cycle, session=1, seed="fixed-seed")
    assert replay.result == draw.result


def test_a_draw_without_on_site_speakers_is_refused(cycle):
    with pytest.raises(DomainError):
        order_draw(cycle=cycle, session=1)


def test_rotation_puts_those_who_spoke_on_site_recently_last(county, personas):
    last_year = cycle_create(host=county.county, year=2024, levels=[Level.TOWNSHIP])
    roster_generate(cycle=last_year)
    spoke = last_year.reporters.get(organization=county.qingshi)
    onsite_apply(cycle=last_year, reporter_ids=[spoke.pk])
    this_year = cycle_create(host=county.county, year=2025, levels=[Level.TOWNSHIP])
    roster_generate(cycle=this_year)
    suggestions = onsite_suggestions(this_year)
    assert [s.reporter.organization.code for s in suggestions] == ["T002", "T001"]
    assert [s.eligible for s in suggestions] == [True, False]
    assert suggestions[1].last_onsite_year == 2024


def test_onsite_apply_makes_everyone_else_written(cycle):
    first, second = cycle.reporters.order_by("pk")
    onsite_apply(cycle=cycle, reporter_ids=[first.pk])
    assert Reporter.objects.get(pk=first.pk).mode == Mode.ONSITE
    assert Reporter.objects.get(pk=second.pk).mode == Mode.WRITTEN


def test_a_township_host_hears_its_villages_by_default(county, personas):
    from debrief.cycles.services import default_levels

    assert default_levels(county.qingshi) == ["village", "unit"]
    assert default_levels(county.county) == ["township", "unit"]
    c = cycle_create(host=county.qingshi, year=2025)
    assert c.levels == ["village", "unit"]


def test_a_cycle_cannot_be_marked_published_without_published_results(county, personas):
    c = cycle_create(host=county.county, year=2022)
    c.status = CycleStatus.ASSESSMENT
    c.save()
    with pytest.raises(DomainError, match="assessment page"):
        cycle_transition(cycle=c, to=CycleStatus.PUBLISHED)
    c.refresh_from_db()
    assert c.status == CycleStatus.ASSESSMENT
