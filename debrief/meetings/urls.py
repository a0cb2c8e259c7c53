from django.urls import path

from debrief.meetings import views

app_name = "meetings"
urlpatterns = [
    path("cycle/<int:cycle_pk>/schedule/", views.schedule, name="schedule"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/start/", views.start, name="start"),
    path("<int:pk>/end/", views.end, name="end"),
    path("<int:pk>/minutes/", views.minutes, name="minutes"),
    path("<int:pk>/venues/<int:venue_pk>/attendance/", views.attendance, name="attendance"),
    path("<int:pk>/present/", views.present, name="present"),
    path("<int:pk>/questions/", views.questions, name="questions"),
    path("<int:pk>/comments/", views.comments, name="comments"),
    path("<int:pk>/comments/<int:comment_pk>/edit/", views.comment_edit, name="comment_edit"),
    path(
        "<int:pk>/comments/<int:comment_pk>/delete/",
        views.comment_delete_view,
        name="comment_delete",
    ),
    path("<int:pk>/agenda.docx", views.agenda_docx, name="agenda_docx"),
    path("<int:pk>/reports.docx", views.reports_docx, name="reports_docx"),
    path("<int:pk>/comments.docx", views.comments_docx, name="comments_docx"),
]
