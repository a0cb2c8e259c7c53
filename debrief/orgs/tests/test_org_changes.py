import datetime

import pytest
from django.urls import reverse

from debrief.audit.models import AuditRecord
from debrief.orgs.models import Organization, Status
from debrief.people.models import Post, Title, secretary_on

pytestmark = pytest.mark.django_db


def test_staff_record_a_new_secretary_and_the_old_term_ends(client, county, personas):
    client.force_login(personas.county_staff)
    response = client.post(
        reverse("orgs:post_new", args=[county.qingshi.pk]),
        {
            "title": Title.SECRETARY,
            "name": "新任书记",
            "gender": "male",
            "start_date": "2026-03-01",
        },
    )
    assert response.status_code == 302
    new, old = (
        secretary_on(county.qingshi, datetime.date(2026, 3, 1)),
        secretary_on(county.qingshi, datetime.date(2026, 2, 28)),
    )
    assert new is not None and new.name == "新任书记"
    assert old is not None and old.name == "林晓青"
    assert AuditRecord.objects.filter(action="post.assign").exists()


def test_a_secretary_cannot_change_their_organization(client, county, personas):
    client.force_login(personas.qingshi_secretary)
    response = client.post(
        reverse("orgs:post_new", args=[county.qingshi.pk]),
        {"title": Title.SECRETARY, "name": "越权", "gender": "male", "start_date": "2026-03-01"},
    )
    assert response.status_code == 404
    assert not Post.objects.filter(person__name="越权").exists()
    assert (
        client.post(
            reverse("orgs:dissolve", args=[county.qingshi_villages[0].pk]), {"date": "2026-01-01"}
        ).status_code
        == 404
    )


def test_a_term_can_be_ended(client, county, personas):
    client.force_login(personas.county_staff)
    post = Post.objects.get(organization=county.qingshi, title=Title.SECRETARY)
    client.post(reverse("orgs:post_end", args=[post.pk]), {"date": "2026-06-30"})
    post.refresh_from_db()
    assert post.end_date == datetime.date(2026, 6, 30)


def test_dissolving_keeps_the_history_and_shows_domain_errors(client, county, personas):
    client.force_login(personas.county_staff)
    village = county.qingshi_villages[0]
    client.post(reverse("orgs:dissolve", args=[village.pk]), {"date": "2026-01-01"})
    village.refresh_from_db()
    assert village.status == Status.DISSOLVED
    response = client.post(
        reverse("orgs:dissolve", args=[county.qingshi.pk]), {"date": "2026-01-01"}, follow=True
    )
    assert response.status_code == 200
    assert Organization.objects.get(pk=county.qingshi.pk).status == Status.ACTIVE
    assert list(response.context["messages"])  # the domain error is shown


def test_merging_moves_the_subordinates(client, county, personas):
    client.force_login(personas.county_staff)
    client.post(
        reverse("orgs:merge", args=[county.liuxi.pk]),
        {"into": county.qingshi.code, "date": "2026-01-01"},
    )
    county.liuxi.refresh_from_db()
    assert county.liuxi.status == Status.MERGED and county.liuxi.merged_into == county.qingshi
    assert county.qingshi.children.filter(status=Status.ACTIVE).count() == 5
