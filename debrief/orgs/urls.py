from django.urls import path

from debrief.orgs import views, views_actions, views_excel

app_name = "orgs"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/children/", views.children, name="children"),
    path("<int:pk>/posts/new/", views_actions.post_new, name="post_new"),
    path("posts/<int:pk>/end/", views_actions.post_close, name="post_end"),
    path("<int:pk>/dissolve/", views_actions.dissolve, name="dissolve"),
    path("<int:pk>/merge/", views_actions.merge, name="merge"),
    path("import/", views_excel.import_orgs, name="import"),
    path("import/template.xlsx", views_excel.import_template, name="import_template"),
    path("export.xlsx", views_excel.export_orgs, name="export"),
]
