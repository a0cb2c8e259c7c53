"""Assigning and ending posts. Terms of the same post at one organization never overlap."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from debrief.audit.services import audit_record
from debrief.lib.errors import DomainError
from debrief.orgs.models import Organization
from debrief.people.models import Person, Post, Title


def post_assign(
    *,
    person: Person,
    organization: Organization,
    title: str,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    actor: Any = None,
    request: Any = None,
    audit: bool = True,
) -> Post:
    """Record that `person` holds `title` at `organization` from `start_date`.

    For a secretary, an open term held by someone else is ended the day before the
    new term starts; any other overlap is refused.
    """
    if end_date is not None and end_date < start_date:
        raise DomainError(_("A term cannot end before it starts."))
    with transaction.atomic():
        Organization.objects.select_for_update().filter(pk=organization.pk).exists()
        same_post = Post.objects.filter(organization=organization, title=title)
        if title == Title.SECRETARY:
            open_term = same_post.filter(end_date__isnull=True, start_date__lt=start_date).first()
            if open_term is not None and end_date is None:
                open_term.end_date = start_date - datetime.timedelta(days=1)
                open_term.save(update_fields=["end_date"])
            overlapping = same_post.filter(Q(end_date__isnull=True) | Q(end_date__gte=start_date))
            if end_date is not None:
                overlapping = overlapping.filter(start_date__lte=end_date)
            if overlapping.exists():
                raise DomainError(
                    _("%(org)s already has a secretary during this term.")
                    % {"org": organization.name}
                )
        elif (
            same_post.filter(person=person)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=start_date))
            .exists()
        ):
            raise DomainError(_("%(person)s already holds this post.") % {"person": person.name})
        post = Post.objects.create(
            person=person,
            organization=organization,
            title=title,
            start_date=start_date,
            end_date=end_date,
        )
        if audit:
            audit_record(
                action="post.assign",
                actor=actor,
                target=str(post),
                organization=organization,
                request=request,
            )
        return post


def person_take_post(
    *,
    name: str,
    gender: str,
    organization: Organization,
    title: str,
    start_date: datetime.date,
    ethnicity: str = "",
    phone: str = "",
    actor: Any = None,
    request: Any = None,
) -> Post:
    """Record a person new to the system taking up a post (for example a new
    secretary filling a vacancy): the person and the post, in one transaction."""
    if not name.strip():
        raise DomainError(_("Give the person's name."))
    with transaction.atomic():
        person = Person.objects.create(
            name=name.strip(), gender=gender, ethnicity=ethnicity.strip(), phone=phone.strip()
        )
        return post_assign(
            person=person,
            organization=organization,
            title=title,
            start_date=start_date,
            actor=actor,
            request=request,
        )


def post_end(
    *, post: Post, end_date: datetime.date, actor: Any = None, request: Any = None
) -> None:
    with transaction.atomic():
        post = Post.objects.select_for_update().select_related("organization").get(pk=post.pk)
        if post.end_date is not None:
            raise DomainError(_("This term has already ended."))
        if end_date < post.start_date:
            raise DomainError(_("A term cannot end before it starts."))
        post.end_date = end_date
        post.save(update_fields=["end_date"])
        audit_record(
            action="post.end",
            actor=actor,
            target=str(post),
            organization=post.organization,
            request=request,
        )
