import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from debrief.audit.models import AuditRecord
from debrief.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_an_audit_record_cannot_be_changed_or_deleted_through_the_model():
    record = audit_record(action="test.action", actor_name="someone")
    record.target = "changed"
    with pytest.raises(PermissionError):
        record.save()
    with pytest.raises(PermissionError):
        record.delete()
    assert AuditRecord.objects.get(pk=record.pk).target == ""


@pytest.mark.postgres
def test_postgresql_refuses_updates_and_deletes_of_audit_records():
    assert connection.vendor == "postgresql"
    record = audit_record(action="test.action", actor_name="someone")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditRecord.objects.filter(pk=record.pk).update(target="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditRecord.objects.filter(pk=record.pk).delete()
    assert AuditRecord.objects.filter(pk=record.pk, target="").exists()
