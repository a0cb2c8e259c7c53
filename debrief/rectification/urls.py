from django.urls import path

from debrief.rectification import views, views_excel

app_name = "rectification"
urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("problems/", views.problem_list, name="problems"),
    path("problems/new/", views.problem_new, name="problem_new"),
    path("problems/<int:pk>/", views.problem_detail, name="problem"),
    path("problems/<int:pk>/plan/", views.problem_plan, name="problem_plan"),
    path("problems/<int:pk>/progress/", views.problem_progress, name="progress"),
    path("problems/<int:pk>/complete/", views.problem_complete_view, name="complete"),
    path("problems/<int:pk>/verify/", views.problem_verify_view, name="verify"),
    path("problems/<int:pk>/reopen/", views.problem_reopen_view, name="reopen"),
    path("problems/<int:pk>/key-task/", views.problem_key_task, name="key_task"),
    path("problems/<int:pk>/open-plan/", views.plan_open, name="plan_open"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/approve/", views.plan_approve_view, name="plan_approve"),
    path("plans/<int:pk>/file/", views.plan_file_view, name="plan_file"),
    path("plans/<int:pk>/accept/", views.plan_accept_view, name="plan_accept"),
    path("plans/<int:pk>/return/", views.plan_return_view, name="plan_return"),
    path("from-evaluation/<int:cycle_pk>/", views.from_evaluation, name="from_evaluation"),
    path("ledger.xlsx", views_excel.ledger_xlsx, name="ledger_xlsx"),
    path("import/progress/", views_excel.progress_import, name="progress_import"),
    path(
        "import/progress/template.xlsx",
        views_excel.progress_template,
        name="progress_template",
    ),
    path("import/problems/", views_excel.problems_import, name="problems_import"),
    path(
        "import/problems/template.xlsx",
        views_excel.problems_template,
        name="problems_template",
    ),
    path("notices/", views.notice_list, name="notices"),
    path("notices/read-all/", views.notice_read_all, name="notices_read_all"),
    path("notices/<int:pk>/read/", views.notice_read, name="notice_read"),
]
