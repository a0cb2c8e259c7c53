"""People in the user's scope: anyone who holds or held a post in a visible organization."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from debrief.accounts.access import Capability, orgs_for_user
from debrief.people.models import Person, Post

PAGE_SIZE = 50


def people_for_user(user) -> object:
    visible_posts = Post.objects.filter(person=OuterRef("pk"), organization__in=orgs_for_user(user))
    return Person.objects.filter(Exists(visible_posts))


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    people = people_for_user(request.user)
    if query:
        people = people.filter(name__icontains=query)  # type: ignore[attr-defined]
    current_posts = Prefetch(
        "posts",
        queryset=Post.objects.current()
        .filter(organization__in=orgs_for_user(request.user))
        .select_related("organization"),
        to_attr="current_posts",
    )
    page = Paginator(
        people.prefetch_related(current_posts).order_by("name", "pk"),  # type: ignore[attr-defined]
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(request, "people/list.html", {"page": page, "query": query})


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk)
    visible = orgs_for_user(request.user)
    posts = list(
        Post.objects.filter(person=person, organization__in=visible)
        .select_related("organization")
        .order_by("-start_date")
    )
    if not posts:
        raise Http404
    # The full phone number is for those who maintain the person's organizations;
    # everyone else sees it masked, as in every list.
    editable = orgs_for_user(request.user, Capability.EDIT)
    show_phone = editable.filter(pk__in=[post.organization_id for post in posts]).exists()
    return render(
        request,
        "people/detail.html",
        {"person": person, "posts": posts, "show_phone": show_phone},
    )
