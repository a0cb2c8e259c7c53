from django.urls import path

from debrief.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("cycle/<int:cycle_pk>/", views.cycle_reports, name="cycle_reports"),
    path("reporter/<int:reporter_pk>/", views.reporter_report, name="reporter"),
]
