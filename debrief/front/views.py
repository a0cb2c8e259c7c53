from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from debrief.accounts.access import scope_for
from debrief.accounts.models import Grant
from debrief.orgs.models import Organization


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    roots = list(Organization.objects.filter(pk__in=scope.root_ids))
    for org in roots:
        org.subtree_count = org.subtree().count()  # type: ignore[attr-defined]
    roles = Grant.objects.filter(user_id=int(request.user.pk or 0)).select_related("organization")
    return render(request, "front/home.html", {"roots": roots, "roles": roles})
