"""One plan without a cycle per organization (the existing constraint treats NULL cycles
as distinct). Duplicates made before it are merged into the oldest plan first."""

from django.conf import settings
from django.db import migrations, models


def merge_duplicate_plans(apps, schema_editor):
    Plan = apps.get_model("rectification", "RectificationPlan")
    Problem = apps.get_model("rectification", "Problem")
    kept: dict[int, int] = {}
    for plan in Plan.objects.filter(cycle__isnull=True).order_by("organization_id", "pk"):
        first = kept.setdefault(plan.organization_id, plan.pk)
        if first != plan.pk:
            Problem.objects.filter(plan_id=plan.pk).update(plan_id=first)
            plan.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cycles", "0001_initial"),
        ("orgs", "0002_postgres_path_collation_and_search_indexes"),
        ("rectification", "0002_problem_closed_at_problem_measures_problem_overdue_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(merge_duplicate_plans, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="rectificationplan",
            constraint=models.UniqueConstraint(
                condition=models.Q(("cycle__isnull", True)),
                fields=("organization",),
                name="plan_one_per_org_without_cycle",
            ),
        ),
    ]
