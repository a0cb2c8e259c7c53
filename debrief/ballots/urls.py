"""Staff pages of the democratic evaluation, under /evaluation/ (namespace "ballots")."""

from django.urls import path
from django.views.generic import RedirectView

from debrief.ballots import views

app_name = "ballots"
urlpatterns = [
    path("meeting/<int:meeting_pk>/", views.evaluation_page, name="evaluation"),
    path("meeting/<int:meeting_pk>/setup/", views.setup, name="setup"),
    path("meeting/<int:meeting_pk>/groups/", views.groups, name="groups"),
    path("meeting/<int:meeting_pk>/tokens/", views.tokens, name="tokens"),
    path("meeting/<int:meeting_pk>/open/", views.open_evaluation, name="open"),
    path("meeting/<int:meeting_pk>/close/", views.close_evaluation, name="close"),
    path("meeting/<int:meeting_pk>/turnout/", views.turnout_page, name="turnout"),
    path("meeting/<int:meeting_pk>/turnout.json", views.turnout_json, name="turnout_json"),
    path("meeting/<int:meeting_pk>/tally/", views.tally_page, name="tally"),
    path("meeting/<int:meeting_pk>/tally.xlsx", views.tally_xlsx, name="tally_xlsx"),
    path("meeting/<int:meeting_pk>/tally.docx", views.tally_docx, name="tally_docx"),
    # The receipts list is public and lives at /v/receipts/<id>/ (urls_public); this
    # name only lets `ballots:receipts` be reversed like the other pages.
    path(
        "meeting/<int:meeting_pk>/receipts/",
        RedirectView.as_view(pattern_name="ballots_public:receipts"),
        name="receipts",
    ),
]
