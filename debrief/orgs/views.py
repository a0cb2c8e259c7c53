"""Browsing the organization tree. Every lookup goes through the access helper."""

from __future__ import annotations

import unicodedata

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import BooleanField, Count, Q
from django.db.models.expressions import RawSQL
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from debrief.accounts.access import Capability, can, get_org_for_user, orgs_for_user, scope_for
from debrief.orgs.models import Organization, Status
from debrief.people.models import Gender, Post, Title, secretaries_on

PAGE_SIZE = 50


def _with_child_counts(queryset):
    return queryset.annotate(
        child_count=Count("children", filter=Q(children__status=Status.ACTIVE))
    )


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    """The tree browser: the user's subtree roots, expandable; or search results."""
    query = request.GET.get("q", "").strip()
    show_inactive = request.GET.get("inactive") == "1"
    context: dict[str, object] = {"query": query, "show_inactive": show_inactive}
    if query:
        results = orgs_for_user(request.user).filter(search_condition(query))
        if not show_inactive:
            results = results.filter(status=Status.ACTIVE)
        page = Paginator(results.order_by("path"), PAGE_SIZE).get_page(request.GET.get("page"))
        _attach_parent_names(page.object_list, scope_for(request.user))
        context["page"] = page
    else:
        roots = Organization.objects.filter(pk__in=scope_for(request.user).root_ids)
        context["roots"] = _with_child_counts(roots)
    return render(request, "orgs/tree.html", context)


# Trigram indexes (orgs/0002) serve terms of three characters and more.
SHORT_TERM = 2


def search_condition(query: str) -> Q:
    """Organizations whose name or short name contains `query`, ignoring case, or whose
    code is `query`: the same rows as `icontains` / `iexact`, on every database.

    On PostgreSQL a term of one or two characters is looked up in the gram index
    (orgs/0003): the rows whose `search_grams` hold every gram of UPPER(term). When
    UPPER(term) still has the term's one or two characters, those are exactly the rows
    whose UPPER(name) or UPPER(short_name) contains UPPER(term), which is what
    `icontains` tests. PostgreSQL's UPPER maps ASCII and characters without case
    (Chinese among them) one to one under every locale provider; for any other term
    (under ICU, ß becomes SS) `icontains` also tests each candidate. Leaving that test
    out where it is not needed keeps a term found in most rows (党) as fast as the
    plain query. The gram column exists only on PostgreSQL, in the table itself, hence
    the bare column name: use this on Organization rows, with no join.
    """
    named = Q(name__icontains=query) | Q(short_name__icontains=query)
    if connection.vendor == "postgresql" and len(query) <= SHORT_TERM:
        grams = Q(
            RawSQL(
                '"orgs_organization"."search_grams" @> debrief_org_grams(%s)',
                [query],
                output_field=BooleanField(),
            )
        )
        named = grams if _upper_case_keeps_length(query) else grams & named
    return named | Q(code__iexact=query)


def _upper_case_keeps_length(text: str) -> bool:
    """Whether upper-casing maps each character of `text` to exactly one character,
    independently of its neighbours, in any locale: ASCII, and characters that have no
    case and are not combining marks."""
    return all(
        char.isascii() or (char.upper() == char == char.lower() and not unicodedata.combining(char))
        for char in text
    )


def _attach_parent_names(orgs, scope) -> None:
    """Name each result's parent, but only where the user may see the parent."""
    parent_ids = {org.parent_id for org in orgs if org.parent_id}
    names = {
        parent.pk: parent.name
        for parent in Organization.objects.filter(pk__in=parent_ids).only("pk", "name", "path")
        if scope.allows(parent)
    }
    for org in orgs:
        org.parent_name = names.get(org.parent_id, "")


@login_required
def children(request: HttpRequest, pk: int) -> HttpResponse:
    """The children of one organization, as a fragment for the tree browser."""
    org = get_org_for_user(request, pk)
    kids = _with_child_counts(org.children.filter(status=Status.ACTIVE)).order_by("path")
    return render(request, "orgs/_tree_children.html", {"children": kids[:500]})


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_org_for_user(request, pk)
    scope = scope_for(request.user)
    ancestors = [a for a in org.ancestors() if scope.allows(a)]
    show_inactive = request.GET.get("inactive") == "1"
    kids = org.children.all() if show_inactive else org.children.filter(status=Status.ACTIVE)
    page = Paginator(_with_child_counts(kids).order_by("path"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    secretaries = secretaries_on([org.pk, *[child.pk for child in page.object_list]], today)
    for child in page.object_list:
        child.secretary = secretaries.get(child.pk)
    # The active organizations below `org`: their paths extend its path, so they sort
    # after it. One aggregate, an index-only scan of org_active_path_level on
    # PostgreSQL; the subtree's total is the sum of the per-level counts.
    below = Organization.objects.filter(
        path__startswith=org.path, path__gt=org.path, status=Status.ACTIVE
    )
    level_counts = below.values("level").annotate(n=Count("*"))
    labelled = _labelled_level_counts(level_counts)
    posts = (
        Post.objects.filter(organization=org)
        .select_related("person")
        .order_by("title", "-start_date")
    )
    return render(
        request,
        "orgs/detail.html",
        {
            "org": org,
            "ancestors": ancestors,
            "page": page,
            "secretary": secretaries.get(org.pk),
            "subtree_count": sum(n for _label, n in labelled),
            "level_counts": labelled,
            "posts": posts,
            "show_inactive": show_inactive,
            "can_edit": can(request.user, Capability.EDIT, org),
            "titles": Title.choices,
            "genders": Gender.choices,
            "secretary_title": Title.SECRETARY,
        },
    )


def _labelled_level_counts(rows) -> list[tuple[str, int]]:
    from debrief.orgs.models import Level

    labels = dict(Level.choices)
    order = list(labels)
    return [
        (str(labels[row["level"]]), row["n"])
        for row in sorted(rows, key=lambda row: order.index(row["level"]))
    ]
