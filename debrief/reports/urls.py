from django.urls import path

from debrief.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("cycle/<int:cycle_pk>/", views.cycle_reports, name="cycle_reports"),
    path("reporter/<int:reporter_pk>/", views.reporter_report, name="reporter"),
    path("reporter/<int:reporter_pk>/save/", views.report_edit, name="save"),
    path("reporter/<int:reporter_pk>/accept/", views.accept, name="accept"),
    path("reporter/<int:reporter_pk>/return/", views.return_report, name="return"),
    path("reporter/<int:reporter_pk>/versions/", views.versions, name="versions"),
    path("reporter/<int:reporter_pk>/compare/", views.compare, name="compare"),
    path(
        "reporter/<int:reporter_pk>/attachments/",
        views.attachment_upload,
        name="attachment_upload",
    ),
    path("attachment/<int:pk>/", views.attachment_download, name="attachment"),
    path("attachment/<int:pk>/remove/", views.attachment_delete, name="attachment_remove"),
]
