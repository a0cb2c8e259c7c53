"""Readable labels for the action codes of the audit log.

Every code that the code base passes to `audit_record(action=...)` has a label here
(debrief/audit/tests/test_labels.py checks it). A code without a label, such as one
recorded by an older version, is shown as it is.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

ACTION_LABELS: dict[str, Any] = {
    # accounts
    "login": _("Logged in"),
    "logout": _("Logged out"),
    "password.change": _("Password changed"),
    "account.create": _("Account created"),
    "account.deactivate": _("Account deactivated"),
    "account.reactivate": _("Account reactivated"),
    "grant.create": _("Role granted"),
    "grant.revoke": _("Role revoked"),
    # organizations
    "orgs.import": _("Organizations imported"),
    "org.dissolve": _("Organization dissolved"),
    "org.merge": _("Organizations merged"),
    "post.assign": _("Post assigned"),
    "post.end": _("Post ended"),
    # cycles
    "cycle.create": _("Cycle created"),
    "cycle.update": _("Cycle plan changed"),
    "cycle.transition": _("Cycle stage changed"),
    "cycle.roster_generate": _("Roster generated"),
    "cycle.reporter_add": _("Reporter added to the roster"),
    "cycle.reporter_remove": _("Reporter removed from the roster"),
    "cycle.reporter_arrange": _("Reporter's mode and speaking order arranged"),
    "cycle.onsite_apply": _("On-site speakers arranged"),
    "cycle.order_draw": _("Speaking order drawn by lot"),
    "cycle.import": _("Cycle imported from an archive"),
    # reports: report.{action} with the review action
    "report.submit": _("Report submitted"),
    "report.accepted": _("Report accepted"),
    "report.returned": _("Report returned for revision"),
    "report.attachment_add": _("Report attachment added"),
    "report.attachment_remove": _("Report attachment removed"),
    # meetings: meeting.{status} for a change of the meeting's status
    "meeting.schedule": _("Review meeting scheduled"),
    "meeting.minutes": _("Meeting minutes saved"),
    "meeting.in_progress": _("Review meeting started"),
    "meeting.ended": _("Review meeting ended"),
    "comment.record": _("Comment recorded"),
    "comment.update": _("Comment corrected"),
    "comment.delete": _("Comment deleted with its problems"),
    # democratic evaluation
    "evaluation.setup": _("Democratic evaluation set up"),
    "evaluation.groups": _("Voter groups changed"),
    "evaluation.tokens": _("Ballot tokens issued"),
    "evaluation.open": _("Democratic evaluation opened"),
    "evaluation.close": _("Democratic evaluation closed"),
    # comprehensive assessment
    "assessment.scheme": _("Assessment scheme changed"),
    "assessment.veto": _("One-vote veto changed"),
    "assessment.compute": _("Assessment results computed"),
    "assessment.adjust": _("Grade adjusted by hand"),
    "assessment.approve": _("Assessment results approved"),
    "assessment.reopen": _("Assessment results taken back to draft"),
    "assessment.publish": _("Assessment results published"),
    "assessment.correct": _("Published grade corrected"),
    "assessment.indicator": _("Indicator saved"),
    "assessment.indicator_delete": _("Indicator removed"),
    "assessment.catalogue_copy": _("Indicator catalogue copied"),
    "assessment.adjustment_delete": _("Bonus or penalty removed"),
    "assessment.adjustment_add": _("Bonus or penalty added"),
    "assessment.daily_score": _("Daily assessment score set"),
    "assessment.daily_score_clear": _("Daily assessment score cleared"),
    "assessment.debrief_score": _("Debriefing score set"),
    "assessment.debrief_score_clear": _("Debriefing score cleared"),
    # rectification
    "plan.approve": _("Rectification plan approval recorded"),
    "plan.file": _("Rectification plan filed"),
    "plan.accept": _("Rectification plan accepted"),
    "plan.return": _("Rectification plan returned"),
    "problem.create": _("Problem recorded"),
    "problem.plan": _("Problem rectification measures set"),
    "problem.progress": _("Rectification progress added"),
    "problem.key_task": _("Problem carried over as a key task"),
    "problem.complete": _("Problem marked completed"),
    "problem.verify": _("Problem verified and closed"),
    "problem.reopen": _("Problem reopened"),
    "rectification.progress_import": _("Rectification progress imported"),
    "rectification.problems_import": _("Problems imported"),
    # demo data
    "demo.build": _("Demo data built"),
}


def action_label(code: str) -> str:
    """The readable label of an action code, or the code itself if it has none."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code
