from django.urls import path

from debrief.meetings import views

app_name = "meetings"
urlpatterns = [
    path("cycle/<int:cycle_pk>/schedule/", views.schedule, name="schedule"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
]
