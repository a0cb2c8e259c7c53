"""Every account belongs to an organization (所属组织), so that its administrators can
find and manage it while it holds no role. Existing accounts get the highest
organization they hold a role on."""

import django.db.models.deletion
from django.db import migrations, models


def home_from_grants(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Grant = apps.get_model("accounts", "Grant")
    homes: dict[int, tuple[int, str, int]] = {}
    for user_id, path, org_id in Grant.objects.values_list(
        "user_id", "organization__path", "organization_id"
    ):
        candidate = (len(path), path, org_id)  # the highest level first
        if user_id not in homes or candidate < homes[user_id]:
            homes[user_id] = candidate
    for user_id, (_depth, _path, org_id) in homes.items():
        User.objects.filter(pk=user_id, organization__isnull=True).update(organization_id=org_id)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("orgs", "0004_active_path_level_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="organization",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="accounts",
                to="orgs.organization",
                verbose_name="organization",
            ),
        ),
        migrations.RunPython(home_from_grants, migrations.RunPython.noop),
    ]
