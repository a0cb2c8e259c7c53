"""The annual cycle pages: list, plan, workflow and roster, as each persona sees them."""

import datetime

import pytest
from django.urls import reverse

from debrief.audit.models import AuditRecord
from debrief.cycles.models import Cycle, CycleStatus, Draw, Mode, Reporter
from debrief.cycles.services import cycle_create, onsite_apply, reporter_arrange
from debrief.orgs.models import Field, Level
from debrief.orgs.services import org_create
from debrief.people.models import Gender, Person, Title
from debrief.people.services import post_assign
from debrief.reports.models import Report, ReportStatus

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"cycles:{name}", args=args)


def page(response) -> str:
    return response.content.decode()


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def in_english(client):
    """Ask for the English pages: for a test that matches the English text of a page
    (pages speak Chinese by default; see debrief/front/tests/test_translations.py)."""
    client.cookies["django_language"] = "en"
    return client


def reporter_of(cycle, org) -> Reporter:
    return cycle.reporters.select_related("person").get(organization=org)


# ---------------------------------------------------------------- every page renders


@pytest.mark.parametrize(
    ("name", "testid"),
    [
        ("list", "cycle-list"),
        ("create", "cycle-create-form"),
        ("detail", "workflow"),
        ("edit", "cycle-edit-form"),
        ("roster", "roster-table"),
    ],
)
def test_each_cycle_page_renders_for_the_county_admin(county_admin_client, cycle, name, testid):
    args = () if name in ("list", "create") else (cycle.pk,)
    response = county_admin_client.get(url(name, *args))
    assert response.status_code == 200
    assert f'data-testid="{testid}"' in page(response)


def test_the_pages_speak_chinese_unless_the_user_chooses_otherwise(county_admin_client, cycle):
    for target in (url("list"), url("detail", cycle.pk), url("roster", cycle.pk)):
        assert '<html lang="zh-hans">' in page(county_admin_client.get(target))


# ---------------------------------------------------------------- list


def test_the_list_shows_the_visible_cycles_newest_first_with_their_roster_size(
    county_admin_client, county, cycle
):
    cycle_create(host=county.county, year=2023, title="二〇二三年度述职")
    content = page(county_admin_client.get(url("list")))
    assert content.index(cycle.title) < content.index("二〇二三年度述职")
    row = content[content.index(cycle.title) :].split("</tr>")[0]
    assert '<td class="num">2</td>' in row  # 青石镇 and 柳溪镇
    assert 'data-testid="cycle-new"' in content


def test_a_township_secretary_sees_the_county_cycle_but_not_its_roster_size_or_new_button(
    client, personas, cycle
):
    client.force_login(personas.qingshi_secretary)
    content = page(client.get(url("list")))
    row = content[content.index(cycle.title) :].split("</tr>")[0]
    assert '<td class="num">—</td>' in row
    assert 'data-testid="cycle-new"' not in content


def test_an_outsider_sees_no_cycle(client, personas, cycle):
    client.force_login(personas.outsider)
    assert cycle.title not in page(client.get(url("list")))


# ---------------------------------------------------------------- create and edit


def test_a_cycle_is_planned_from_the_form_with_the_defaults_of_the_service(
    county_admin_client, county, personas
):
    response = county_admin_client.post(
        url("create"),
        {
            "host": county.county.pk,
            "year": 2025,
            "title": "",
            "levels": [Level.TOWNSHIP, Level.UNIT],
            "work_fields": [Field.RURAL, Field.ORGAN],
            "reference_date": "",
            "report_deadline": "2026-01-10",
            "meeting_deadline": "2026-01-31",
            "key_content": "基层治理",
        },
    )
    created = Cycle.objects.get(host=county.county, year=2025)
    assert response.status_code == 302
    assert response["Location"] == url("detail", created.pk)
    assert created.title == "示范县委2025年度抓基层党建工作述职评议考核"
    assert created.reference_date == datetime.date(2025, 12, 31)
    assert created.fields == [Field.RURAL, Field.ORGAN]
    assert created.report_deadline == datetime.date(2026, 1, 10)
    assert created.created_by == personas.county_admin


def test_the_create_form_leaves_levels_to_the_host_and_ticks_every_field(
    county_admin_client, county
):
    form = county_admin_client.get(url("create")).context["form"]
    assert form["levels"].value() is None  # the level below the host, chosen on save
    assert form["work_fields"].value() == list(Field.values)
    response = county_admin_client.post(
        url("create"),
        {"host": county.qingshi.pk, "year": 2025, "work_fields": list(Field.values)},
    )
    assert response.status_code == 302
    assert Cycle.objects.get(host=county.qingshi).levels == [Level.VILLAGE, Level.UNIT]


def test_the_create_form_can_start_with_a_host_chosen_by_the_link(county_admin_client, county):
    response = county_admin_client.get(url("create"), {"host": county.qingshi.pk})
    assert response.context["form"]["host"].value() == county.qingshi.pk
    assert f'<option value="{county.qingshi.pk}" selected>' in page(response)


def test_only_organizations_the_user_manages_at_a_hosting_level_are_offered_as_host(
    client, county, personas
):
    other_county = org_create(code="C002", name="邻县委", level=Level.COUNTY, field=Field.GENERAL)
    client.force_login(personas.county_staff)
    form = client.get(url("create")).context["form"]
    offered = {pk for pk, _label in form.fields["host"].choices}
    assert offered == {county.county.pk, county.qingshi.pk, county.liuxi.pk}
    response = client.post(
        url("create"),
        {
            "host": other_county.pk,
            "year": 2025,
            "levels": [Level.TOWNSHIP],
            "work_fields": ["rural"],
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["host"]
    assert not Cycle.objects.exists()


def test_a_second_cycle_for_the_same_year_shows_the_rule_instead_of_failing(
    county_admin_client, county, cycle
):
    in_english(county_admin_client)
    response = county_admin_client.post(
        url("create"),
        {"host": county.county.pk, "year": 2025, "levels": ["township"], "work_fields": ["rural"]},
    )
    assert response.status_code == 200
    assert shown_messages(response) == ["示范县委 already has a cycle for 2025."]
    assert Cycle.objects.count() == 1


def test_the_plan_is_edited_through_the_form(county_admin_client, cycle):
    in_english(county_admin_client)
    response = county_admin_client.post(
        url("edit", cycle.pk),
        {
            "title": "新标题",
            "levels": [Level.TOWNSHIP],
            "work_fields": [Field.RURAL],
            "reference_date": "2025-12-31",
            "report_deadline": "2026-01-15",
            "meeting_deadline": "",
            "key_content": "",
            "rotation_cycles": 3,
        },
        follow=True,
    )
    cycle.refresh_from_db()
    assert (cycle.title, cycle.levels, cycle.rotation_cycles) == ("新标题", ["township"], 3)
    assert cycle.report_deadline == datetime.date(2026, 1, 15)
    assert shown_messages(response) == ["The plan was saved."]
    assert AuditRecord.objects.filter(action="cycle.update").exists()


def test_changing_the_reference_date_of_a_cycle_with_a_roster_warns_to_check_it(
    county_admin_client, cycle
):
    in_english(county_admin_client)
    form = county_admin_client.get(url("edit", cycle.pk)).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data["reference_date"] = "2025-06-30"
    data = {k: v for k, v in data.items() if v is not None}
    response = county_admin_client.post(url("edit", cycle.pk), data, follow=True)
    assert any("check that the roster" in m for m in shown_messages(response))


def test_the_plan_cannot_be_edited_from_the_meeting_stage_on(county_admin_client, meeting_cycle):
    in_english(county_admin_client)
    response = county_admin_client.get(url("edit", meeting_cycle.pk), follow=True)
    assert response.redirect_chain == [(url("detail", meeting_cycle.pk), 302)]
    assert "can no longer be changed" in shown_messages(response)[0]
    assert 'data-testid="cycle-edit"' not in page(response)


# ---------------------------------------------------------------- detail and workflow


def test_the_detail_shows_the_stages_with_the_current_one_marked(county_admin_client, open_cycle):
    content = page(county_admin_client.get(url("detail", open_cycle.pk)))
    steps = content[content.index('data-testid="cycle-steps"') :].split("</ol>")[0]
    assert steps.count("<li") == 6
    assert '<li class="done">' in steps
    assert '<li class="current" aria-current="step"><span class="step-number">2</span>' in steps


def test_the_manager_gets_the_allowed_transitions_with_moving_back_labelled(
    county_admin_client, open_cycle
):
    in_english(county_admin_client)
    content = page(county_admin_client.get(url("detail", open_cycle.pk)))
    assert 'data-testid="transition-meeting"' in content
    back = content[content.index('data-testid="transition-draft"') :].split("</button>")[0]
    assert "Back to: Draft" in back and "data-confirm=" in back
    assert 'data-testid="transition-published"' not in content


def test_a_transition_posted_by_the_manager_moves_the_cycle(county_admin_client, cycle):
    in_english(county_admin_client)
    response = county_admin_client.post(
        url("transition", cycle.pk), {"to": CycleStatus.REPORTS_OPEN}, follow=True
    )
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.REPORTS_OPEN
    assert shown_messages(response) == ["The cycle is now “Reports open”."]


def test_an_illegal_transition_shows_the_rule_and_changes_nothing(county_admin_client, cycle):
    in_english(county_admin_client)
    response = county_admin_client.post(
        url("transition", cycle.pk), {"to": CycleStatus.PUBLISHED}, follow=True
    )
    assert response.status_code == 200
    assert shown_messages(response) == ["A cycle cannot go from “Draft” to “Results published”."]
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.DRAFT
    assert not AuditRecord.objects.filter(action="cycle.transition").exists()


def test_a_transition_to_an_unknown_status_is_refused_not_a_server_error(
    county_admin_client, cycle
):
    response = county_admin_client.post(url("transition", cycle.pk), {"to": "nonsense"})
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.DRAFT


def test_a_transition_is_never_made_by_a_get(county_admin_client, cycle):
    response = county_admin_client.get(url("transition", cycle.pk), {"to": "reports_open"})
    assert response.status_code == 405
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.DRAFT


def test_the_detail_links_the_roster_the_reports_and_the_meeting_to_schedule(
    county_admin_client, cycle
):
    content = page(county_admin_client.get(url("detail", cycle.pk)))
    assert f'href="{url("roster", cycle.pk)}"' in content
    assert f'href="{reverse("reports:cycle_reports", args=[cycle.pk])}"' in content
    assert f'href="{reverse("meetings:schedule", args=[cycle.pk])}"' in content


def test_once_scheduled_the_detail_links_the_meeting_itself(county_admin_client, meeting_cycle):
    meeting = meeting_cycle.meetings.get()
    content = page(county_admin_client.get(url("detail", meeting_cycle.pk)))
    assert f'href="{reverse("meetings:detail", args=[meeting.pk])}"' in content
    assert reverse("meetings:schedule", args=[meeting_cycle.pk]) not in content


def test_a_session_on_the_roster_without_a_meeting_gets_a_link_to_schedule_it(
    county_admin_client, meeting_cycle
):
    import datetime

    from debrief.meetings.services import meeting_schedule

    reporter = meeting_cycle.reporters.order_by("pk").first()
    meeting_cycle.reporters.filter(pk=reporter.pk).update(session=2)
    second = f'href="{reverse("meetings:schedule", args=[meeting_cycle.pk])}?session=2"'
    assert second in page(county_admin_client.get(url("detail", meeting_cycle.pk)))
    meeting_schedule(
        cycle=meeting_cycle, date=datetime.date(2026, 1, 16), presider="县委书记", session=2
    )
    content = page(county_admin_client.get(url("detail", meeting_cycle.pk)))
    assert second not in content
    assert content.count('data-testid="link-meeting"') == 2


def test_a_viewer_sees_the_whole_cycle_but_no_workflow_and_no_roster(client, personas, cycle):
    client.force_login(personas.county_viewer)
    content = page(client.get(url("detail", cycle.pk)))
    # The pages that run the cycle are for its managers: no link that would 404.
    assert reverse("reports:cycle_reports", args=[cycle.pk]) not in content
    assert reverse("assessments:cycle", args=[cycle.pk]) in content
    assert 'data-testid="workflow"' not in content
    assert url("roster", cycle.pk) not in content
    assert client.get(url("roster", cycle.pk)).status_code == 404


# ---------------------------------------------------------------- the reporter's side


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "roster"),
        ("get", "edit"),
        ("post", "transition"),
        ("post", "roster_generate"),
        ("post", "reporter_add"),
        ("post", "onsite_apply"),
        ("post", "order_draw"),
    ],
)
def test_a_township_secretary_cannot_manage_the_county_cycle(client, personas, cycle, method, name):
    client.force_login(personas.qingshi_secretary)
    response = getattr(client, method)(url(name, cycle.pk), {"to": "reports_open"})
    assert response.status_code == 404
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.DRAFT


@pytest.mark.parametrize("name", ["reporter_remove", "reporter_arrange"])
def test_a_township_secretary_cannot_change_even_their_own_roster_row(
    client, county, personas, cycle, name
):
    own = reporter_of(cycle, county.qingshi)
    client.force_login(personas.qingshi_secretary)
    response = client.post(url(name, cycle.pk, own.pk), {"mode": "onsite", "session": 1})
    assert response.status_code == 404
    assert Reporter.objects.get(pk=own.pk).mode == Mode.WRITTEN


def test_a_township_secretary_cannot_create_a_cycle(client, personas):
    client.force_login(personas.qingshi_secretary)
    assert client.get(url("create")).status_code == 404


def test_a_township_secretary_sees_the_facts_and_only_a_link_to_their_own_report(
    client, county, personas, cycle
):
    own = reporter_of(cycle, county.qingshi)
    client.force_login(personas.qingshi_secretary)
    response = client.get(url("detail", cycle.pk))
    content = page(response)
    assert response.status_code == 200
    assert 'data-testid="cycle-facts"' in content
    assert f'href="{reverse("reports:reporter", args=[own.pk])}"' in content
    assert content.count('data-testid="link-own-report"') == 1
    assert url("roster", cycle.pk) not in content
    assert reverse("reports:cycle_reports", args=[cycle.pk]) not in content
    assert 'data-testid="transition-' not in content


def test_the_liuxi_secretary_does_not_see_the_qingshi_reporter(client, county, personas, cycle):
    qingshi = reporter_of(cycle, county.qingshi)
    liuxi = reporter_of(cycle, county.liuxi)
    client.force_login(personas.liuxi_secretary)
    content = page(client.get(url("detail", cycle.pk)))
    assert reverse("reports:reporter", args=[liuxi.pk]) in content
    assert reverse("reports:reporter", args=[qingshi.pk]) not in content
    assert qingshi.person.name not in content


def test_a_cycle_the_user_has_no_part_in_is_not_found(client, county, personas):
    qingshi_cycle = cycle_create(host=county.qingshi, year=2025, levels=[Level.VILLAGE])
    client.force_login(personas.liuxi_secretary)
    assert client.get(url("detail", qingshi_cycle.pk)).status_code == 404


# ---------------------------------------------------------------- roster


def test_generating_the_roster_reports_the_added_and_names_the_vacant(county_admin_client, county):
    in_english(county_admin_client)
    empty = cycle_create(host=county.county, year=2025)
    response = county_admin_client.post(url("roster_generate", empty.pk), follow=True)
    assert empty.reporters.count() == 2
    assert shown_messages(response)[0] == "2 reporters added."
    assert "示范县直机关工委" in shown_messages(response)[1]
    assert page(response).count('data-testid="roster-row"') == 2


def test_a_reporter_is_added_by_organization_code(county_admin_client, county, cycle):
    post_assign(
        person=Person.objects.create(name="机关书记", gender=Gender.MALE),
        organization=county.organs_committee,
        title=Title.SECRETARY,
        start_date=datetime.date(2024, 1, 1),
    )
    response = county_admin_client.post(url("reporter_add", cycle.pk), {"code": " U001 "})
    added = reporter_of(cycle, county.organs_committee)
    assert response["Location"] == f"{url('roster', cycle.pk)}#reporter-{added.pk}"
    assert added.person.name == "机关书记"


def test_adding_a_vacant_organization_says_there_was_no_secretary(
    county_admin_client, county, cycle
):
    in_english(county_admin_client)
    response = county_admin_client.post(
        url("reporter_add", cycle.pk), {"code": "U001"}, follow=True
    )
    assert "had no secretary on 2025-12-31" in shown_messages(response)[0]
    assert cycle.reporters.count() == 2


def test_a_code_outside_the_host_is_simply_not_found(county_admin_client, county, personas):
    in_english(county_admin_client)
    qingshi_cycle = cycle_create(host=county.qingshi, year=2025, levels=[Level.VILLAGE])
    response = county_admin_client.post(
        url("reporter_add", qingshi_cycle.pk), {"code": "T002"}, follow=True
    )
    assert shown_messages(response) == ["No organization under 青石镇党委 has the code T002."]
    assert not qingshi_cycle.reporters.exists()


def test_a_reporter_is_removed_from_the_roster(county_admin_client, county, cycle):
    gone = reporter_of(cycle, county.liuxi)
    response = county_admin_client.get(url("roster", cycle.pk))
    assert 'data-testid="reporter-remove" data-confirm=' in page(response)
    county_admin_client.post(url("reporter_remove", cycle.pk, gone.pk))
    assert list(cycle.reporters.values_list("organization__code", flat=True)) == ["T001"]


def test_a_reporter_with_a_submitted_report_is_not_removed(county_admin_client, county, cycle):
    in_english(county_admin_client)
    kept = reporter_of(cycle, county.liuxi)
    Report.objects.create(reporter=kept, status=ReportStatus.SUBMITTED)
    response = county_admin_client.post(url("reporter_remove", cycle.pk, kept.pk), follow=True)
    assert shown_messages(response) == ["A reporter whose report was submitted cannot be removed."]
    assert Reporter.objects.filter(pk=kept.pk).exists()


def test_a_row_is_arranged_inline(county_admin_client, county, cycle):
    row = reporter_of(cycle, county.qingshi)
    response = county_admin_client.post(
        url("reporter_arrange", cycle.pk, row.pk), {"mode": "onsite", "session": 2, "order": 3}
    )
    assert response["Location"] == f"{url('roster', cycle.pk)}#reporter-{row.pk}"
    row.refresh_from_db()
    assert (row.mode, row.session, row.order) == (Mode.ONSITE, 2, 3)
    content = page(county_admin_client.get(url("roster", cycle.pk)))
    assert f'form="arrange-{row.pk}"' in content
    assert f'<form id="arrange-{row.pk}"' in content


def test_a_taken_speaking_slot_is_refused_with_the_name_of_who_has_it(
    county_admin_client, county, cycle
):
    in_english(county_admin_client)
    first, second = reporter_of(cycle, county.qingshi), reporter_of(cycle, county.liuxi)
    reporter_arrange(reporter=first, mode=Mode.ONSITE, session=1, order=1)
    response = county_admin_client.post(
        url("reporter_arrange", cycle.pk, second.pk),
        {"mode": "onsite", "session": 1, "order": 1},
        follow=True,
    )
    assert shown_messages(response) == ["Order 1 of session 1 is already taken by 林晓青."]
    second.refresh_from_db()
    assert second.order is None


def test_an_invalid_arrangement_is_refused_without_a_change(county_admin_client, county, cycle):
    row = reporter_of(cycle, county.qingshi)
    county_admin_client.post(
        url("reporter_arrange", cycle.pk, row.pk), {"mode": "onsite", "session": 0}
    )
    row.refresh_from_db()
    assert (row.mode, row.session) == (Mode.WRITTEN, 1)


def test_a_reporter_of_another_cycle_is_not_found_through_this_one(
    county_admin_client, county, cycle
):
    other = cycle_create(host=county.county, year=2024, levels=[Level.TOWNSHIP])
    stranger = Reporter.objects.create(
        cycle=other,
        organization=county.qingshi,
        person=Person.objects.get(name="林晓青"),
        post_title="x",
    )
    response = county_admin_client.post(
        url("reporter_arrange", cycle.pk, stranger.pk), {"mode": "onsite", "session": 1}
    )
    assert response.status_code == 404


def test_once_the_meeting_stage_starts_the_roster_is_frozen_but_the_order_can_still_be_set(
    county_admin_client, meeting_cycle
):
    content = page(county_admin_client.get(url("roster", meeting_cycle.pk)))
    assert 'data-testid="roster-frozen"' in content
    for gone in ("roster-generate", "reporter-add", "reporter-remove", "onsite-apply-top"):
        assert f'data-testid="{gone}"' not in content
    assert content.count('data-testid="reporter-arrange"') == 2


def test_the_top_eligible_reporters_are_made_to_speak_on_site(county_admin_client, large_cycle):
    in_english(county_admin_client)
    response = county_admin_client.post(
        url("onsite_apply", large_cycle.pk), {"how": "top", "count": 8}, follow=True
    )
    assert large_cycle.reporters.filter(mode=Mode.ONSITE).count() == 8
    assert shown_messages(response) == ["8 reporters speak on-site; the others report in writing."]


def test_exactly_the_ticked_reporters_are_made_to_speak_on_site(county_admin_client, county, cycle):
    ticked = reporter_of(cycle, county.liuxi)
    county_admin_client.post(
        url("onsite_apply", cycle.pk), {"how": "ticked", "count": 2, "reporters": [ticked.pk]}
    )
    assert list(cycle.reporters.filter(mode=Mode.ONSITE)) == [ticked]


def test_the_suggestions_show_who_spoke_on_site_last_year(county_admin_client, rotated_cycle):
    in_english(county_admin_client)
    content = page(county_admin_client.get(url("roster", rotated_cycle.pk)))
    panel = content[content.index('data-testid="suggestions-table"') :].split("</table>")[0]
    rows = panel.split('data-testid="suggestion-row"')[1:]
    assert len(rows) == 2
    assert "柳溪镇党委书记 周立川" in rows[0] and "never" in rows[0] and "yes" in rows[0]
    assert "青石镇党委书记 林晓青" in rows[1] and "2024" in rows[1] and "no" in rows[1]


def test_asking_for_more_than_are_eligible_applies_only_the_eligible_and_says_so(
    county_admin_client, county, rotated_cycle
):
    in_english(county_admin_client)
    response = county_admin_client.post(
        url("onsite_apply", rotated_cycle.pk), {"how": "top", "count": 2}, follow=True
    )
    onsite = rotated_cycle.reporters.filter(mode=Mode.ONSITE)
    assert list(onsite.values_list("organization__code", flat=True)) == ["T002"]
    assert shown_messages(response)[0] == (
        "Only 1 reporter is eligible under the rotation; tick the others by hand if 2 "
        "must speak on-site."
    )


def test_the_order_of_a_session_is_drawn_and_the_draw_is_listed_for_checking(
    county_admin_client, personas, cycle
):
    onsite_apply(cycle=cycle, reporter_ids=list(cycle.reporters.values_list("pk", flat=True)))
    before = page(county_admin_client.get(url("roster", cycle.pk)))
    assert 'data-testid="draw-session-1"' in before
    response = county_admin_client.post(url("order_draw", cycle.pk), {"session": 1}, follow=True)
    draw = Draw.objects.get()
    assert sorted(cycle.reporters.values_list("order", flat=True)) == [1, 2]
    assert draw.drawn_by == personas.county_admin
    listed = page(response)[page(response).index('data-testid="draw-list"') :]
    assert draw.seed in listed
    assert "county_admin" in listed
    first = draw.result[0]
    assert f"<li>{first['post']} {first['name']}</li>" in listed


def test_a_draw_without_on_site_speakers_shows_the_rule(county_admin_client, cycle):
    in_english(county_admin_client)
    response = county_admin_client.post(url("order_draw", cycle.pk), {"session": 1}, follow=True)
    assert shown_messages(response) == ["Session 1 has no on-site reporters to draw."]
    assert not Draw.objects.exists()


def test_the_roster_shows_the_status_of_each_report(county_admin_client, county, cycle):
    in_english(county_admin_client)
    Report.objects.create(reporter=reporter_of(cycle, county.liuxi), status=ReportStatus.RETURNED)
    content = page(county_admin_client.get(url("roster", cycle.pk)))
    rows = {code: content[content.index(code) :].split("</tr>")[0] for code in ("T001", "T002")}
    assert "Returned" in rows["T002"]
    assert "Not started" in rows["T001"]


def test_the_roster_page_needs_a_fixed_number_of_queries_for_thirty_reporters(
    county_admin_client, large_cycle, django_assert_max_num_queries
):
    with django_assert_max_num_queries(15):
        response = county_admin_client.get(url("roster", large_cycle.pk))
    content = page(response)
    assert content.count('data-testid="roster-row"') == 30
    assert content.count("report-status submitted") >= 8
