"""The comprehensive assessment pages, under /assessment/ (namespace "assessments")."""

from django.urls import path

from debrief.assessments import views

app_name = "assessments"
urlpatterns = [
    path("cycle/<int:cycle_pk>/", views.cycle_overview, name="cycle"),
    path("cycle/<int:cycle_pk>/compute/", views.compute, name="compute"),
    path("cycle/<int:cycle_pk>/approve/", views.approve, name="approve"),
    path("cycle/<int:cycle_pk>/reopen/", views.reopen, name="reopen"),
    path("cycle/<int:cycle_pk>/publish/", views.publish, name="publish"),
    path("cycle/<int:cycle_pk>/scheme/", views.scheme, name="scheme"),
    path("cycle/<int:cycle_pk>/catalogue/", views.catalogue, name="catalogue"),
    path(
        "cycle/<int:cycle_pk>/catalogue/<int:pk>/delete/",
        views.indicator_remove,
        name="indicator_delete",
    ),
    path("cycle/<int:cycle_pk>/catalogue/copy/", views.catalogue_copy_view, name="catalogue_copy"),
    path("cycle/<int:cycle_pk>/catalogue/import/", views.catalogue_import, name="catalogue_import"),
    path(
        "cycle/<int:cycle_pk>/catalogue/template.xlsx",
        views.catalogue_template,
        name="catalogue_template",
    ),
    path("cycle/<int:cycle_pk>/scores/", views.scores, name="scores"),
    path(
        "cycle/<int:cycle_pk>/adjustments/delete/",
        views.adjustment_remove,
        name="adjustment_delete",
    ),
    path("cycle/<int:cycle_pk>/results/", views.results, name="results"),
    path("result/<int:pk>/adjust/", views.adjust, name="adjust"),
    path("result/<int:pk>/correct/", views.correct, name="correct"),
    path("cycle/<int:cycle_pk>/results.xlsx", views.results_xlsx, name="results_xlsx"),
    path("cycle/<int:cycle_pk>/circular.docx", views.circular_docx, name="circular_docx"),
    path("cycle/<int:cycle_pk>/letters.zip", views.letters_zip, name="letters_zip"),
    path("reporter/<int:reporter_pk>/letter.docx", views.letter_docx, name="letter_docx"),
    path("history/", views.history, name="history"),
]
