"""Adding and removing a report attachment is audited."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from debrief.audit.models import AuditRecord
from debrief.reports.services import attachment_add, attachment_remove, report_for

pytestmark = pytest.mark.django_db


def test_adding_and_removing_an_attachment_is_audited(open_cycle, personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    reporter = open_cycle.reporters.get(organization__code="T001")
    report = report_for(reporter)
    actor = personas.qingshi_secretary
    pdf = SimpleUploadedFile("台账.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    attachment = attachment_add(report=report, upload=pdf, actor=actor)
    added = AuditRecord.objects.get(action="report.attachment_add")
    assert (added.actor, added.target) == (actor, str(reporter))
    assert added.organization == reporter.organization
    assert added.detail["name"] == "台账.pdf" and added.detail["attachment"] == attachment.pk

    pk = attachment.pk
    attachment_remove(attachment=attachment, actor=actor)
    removed = AuditRecord.objects.get(action="report.attachment_remove")
    assert (removed.actor, removed.organization) == (actor, reporter.organization)
    assert removed.detail == {"attachment": pk, "name": "台账.pdf"}
