from django.urls import path

from debrief.cycles import views

app_name = "cycles"
urlpatterns = [
    path("", views.cycle_list, name="list"),
    path("new/", views.cycle_create, name="create"),
    path("<int:pk>/", views.cycle_detail, name="detail"),
    path("<int:pk>/edit/", views.cycle_edit, name="edit"),
    path("<int:pk>/transition/", views.cycle_transition, name="transition"),
    path("<int:pk>/roster/", views.roster, name="roster"),
    path("<int:pk>/roster/generate/", views.roster_generate, name="roster_generate"),
    path("<int:pk>/roster/add/", views.reporter_add, name="reporter_add"),
    path(
        "<int:pk>/roster/<int:reporter_pk>/remove/",
        views.reporter_remove,
        name="reporter_remove",
    ),
    path(
        "<int:pk>/roster/<int:reporter_pk>/arrange/",
        views.reporter_arrange,
        name="reporter_arrange",
    ),
    path("<int:pk>/roster/onsite/", views.onsite_apply, name="onsite_apply"),
    path("<int:pk>/roster/draw/", views.order_draw, name="order_draw"),
]
