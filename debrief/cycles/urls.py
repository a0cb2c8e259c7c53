from django.urls import path

from debrief.cycles import views

app_name = "cycles"
urlpatterns = [
    path("", views.cycle_list, name="list"),
    path("<int:pk>/", views.cycle_detail, name="detail"),
]
