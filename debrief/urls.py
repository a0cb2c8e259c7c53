from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    # First: the ballot API is what a meeting hall of phones calls at once.
    path("", include("debrief.ballots.urls_public")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("debrief.accounts.urls")),
    path("orgs/", include("debrief.orgs.urls")),
    path("people/", include("debrief.people.urls")),
    path("audit/", include("debrief.audit.urls")),
    path("cycles/", include("debrief.cycles.urls")),
    path("reports/", include("debrief.reports.urls")),
    path("meetings/", include("debrief.meetings.urls")),
    path("rectification/", include("debrief.rectification.urls")),
    path("evaluation/", include("debrief.ballots.urls")),
    path("assessment/", include("debrief.assessments.urls")),
    path("", include("debrief.front.urls")),
]
