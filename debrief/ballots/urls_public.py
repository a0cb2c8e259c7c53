"""What is reached without an account: the ballot page of a token (opened from the
QR code), the published receipts, and the JSON API (namespace "ballots_public").

Two included URL modules cannot share one namespace, so these are not in "ballots";
`ballots:receipts` redirects to `ballots_public:receipts`.
"""

from django.urls import path

from debrief.ballots import api, views_public

app_name = "ballots_public"
urlpatterns = [
    path("v/receipts/<int:meeting_pk>/", views_public.receipts_page, name="receipts"),
    path("v/<str:token>", views_public.phone, name="phone"),
    path("api/v1/openapi.json", api.openapi, name="openapi"),
    path("api/v1/ballot/<str:token>", api.ballot, name="api_ballot"),
    path("api/v1/meetings/<int:meeting_pk>/tally", api.meeting_tally, name="api_tally"),
]
