"""Receipts leave the ballot row for a table of their own that links to no ballot."""

import random
import uuid

import django.db.models.deletion
from django.db import migrations, models


def move_receipts(apps, schema_editor):
    """Copy every ballot's receipt into the receipt table, in random order and with a
    fresh random id, so nothing in the new rows leads back to a ballot."""
    Ballot = apps.get_model("ballots", "Ballot")
    Receipt = apps.get_model("ballots", "Receipt")
    rows = list(Ballot.objects.values_list("evaluation_id", "receipt"))
    random.SystemRandom().shuffle(rows)
    Receipt.objects.bulk_create(
        [Receipt(id=uuid.uuid4(), evaluation_id=e, code=code) for e, code in rows],
        batch_size=1000,
    )


def restore_receipts(apps, schema_editor):
    """Going back cannot know which receipt was whose: give each ballot one of its
    evaluation's receipts."""
    Ballot = apps.get_model("ballots", "Ballot")
    Receipt = apps.get_model("ballots", "Receipt")
    codes: dict[int, list[str]] = {}
    for evaluation_id, code in Receipt.objects.values_list("evaluation_id", "code"):
        codes.setdefault(evaluation_id, []).append(code)
    for ballot in Ballot.objects.all():
        pool = codes.get(ballot.evaluation_id) or []
        ballot.receipt = pool.pop() if pool else uuid.uuid4().hex[:16]
        ballot.save(update_fields=["receipt"])


class Migration(migrations.Migration):
    dependencies = [
        ("ballots", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Receipt",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("code", models.CharField(max_length=16)),
                (
                    "evaluation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="ballots.evaluation",
                    ),
                ),
            ],
        ),
        migrations.AddConstraint(
            model_name="receipt",
            constraint=models.UniqueConstraint(fields=("evaluation", "code"), name="receipt_unique"),
        ),
        migrations.RemoveConstraint(
            model_name="ballot",
            name="ballot_receipt_unique",
        ),
        # Nullable before it goes, so that going back can add the column to existing
        # ballots and fill it before NOT NULL and its unique constraint return.
        migrations.AlterField(
            model_name="ballot",
            name="receipt",
            field=models.CharField(max_length=16, null=True),
        ),
        migrations.RunPython(move_receipts, restore_receipts),
        migrations.RemoveField(
            model_name="ballot",
            name="receipt",
        ),
    ]
