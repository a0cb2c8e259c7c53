from django.urls import path

from debrief.front import views

app_name = "front"
urlpatterns = [path("", views.home, name="home")]
