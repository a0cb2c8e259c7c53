import datetime

import pytest

from debrief.lib.errors import DomainError
from debrief.people.models import Gender, Person, Title, mask_phone, secretaries_on, secretary_on
from debrief.people.services import post_assign

pytestmark = pytest.mark.django_db
D = datetime.date


def test_the_secretary_on_a_date_follows_the_term_history(county):
    first = Person.objects.create(name="甲", gender=Gender.MALE)
    second = Person.objects.create(name="乙", gender=Gender.FEMALE)
    post_assign(
        person=first, organization=county.qingshi, title=Title.SECRETARY, start_date=D(2019, 1, 1)
    )
    post_assign(
        person=second, organization=county.qingshi, title=Title.SECRETARY, start_date=D(2023, 7, 1)
    )
    assert secretary_on(county.qingshi, D(2018, 12, 31)) is None
    assert secretary_on(county.qingshi, D(2023, 6, 30)) == first
    assert secretary_on(county.qingshi, D(2023, 7, 1)) == second
    assert secretaries_on([county.qingshi.pk, county.liuxi.pk], D(2024, 1, 1)) == {
        county.qingshi.pk: second
    }


def test_secretary_on_is_one_query(county, django_assert_num_queries):
    person = Person.objects.create(name="甲", gender=Gender.MALE)
    post_assign(
        person=person, organization=county.qingshi, title=Title.SECRETARY, start_date=D(2019, 1, 1)
    )
    with django_assert_num_queries(1):
        assert secretary_on(county.qingshi, D(2020, 1, 1)) == person


def test_overlapping_closed_secretary_terms_are_refused(county):
    a = Person.objects.create(name="甲", gender=Gender.MALE)
    b = Person.objects.create(name="乙", gender=Gender.MALE)
    post_assign(
        person=a,
        organization=county.qingshi,
        title=Title.SECRETARY,
        start_date=D(2019, 1, 1),
        end_date=D(2021, 12, 31),
    )
    with pytest.raises(DomainError):
        post_assign(
            person=b,
            organization=county.qingshi,
            title=Title.SECRETARY,
            start_date=D(2021, 6, 1),
            end_date=D(2022, 6, 1),
        )


def test_a_term_cannot_end_before_it_starts(county):
    a = Person.objects.create(name="甲", gender=Gender.MALE)
    with pytest.raises(DomainError):
        post_assign(
            person=a,
            organization=county.qingshi,
            title=Title.DEPUTY_SECRETARY,
            start_date=D(2020, 1, 1),
            end_date=D(2019, 1, 1),
        )


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13800001234", "138****1234"), ("", ""), ("0351-1234567", "********4567"), ("123", "***")],
)
def test_phone_numbers_are_masked(phone, masked):
    assert mask_phone(phone) == masked
