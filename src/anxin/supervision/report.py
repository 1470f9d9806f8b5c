"""The audit report as a spreadsheet (AUD-4): the plan, the checklist with its evidence, the
findings with their rectification. Written through ``core.spreadsheets`` (formula-safe)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.names import person_name
from anxin.core.spreadsheets import XlsxWriter


def _at(value) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


def audit_workbook(plan, items, findings, store) -> XlsxWriter:
    book = XlsxWriter()
    sheet = book.sheet(_("Audit"))
    for label, value in (
        (_("Title"), plan.title),
        (_("Scope"), plan.scope),
        (_("Period"), f"{plan.period_start:%Y-%m-%d} – {plan.period_end:%Y-%m-%d}"),
        (_("Auditor"), person_name(plan.auditor, store)),
        (_("State"), plan.get_state_display()),
        (_("Conclusion"), plan.conclusion),
    ):
        sheet.append([str(label), value])
    sheet = book.sheet(_("Checklist"))
    sheet.append(
        [_("Check"), _("Policy"), _("Result"), _("Rows found"), _("Evidence"), _("Detail")]
    )
    for item in items:
        sheet.append(
            [str(item.label), item.policy, item.get_result_display(), item.evidence_count, "", ""]
        )
        for row in item.evidence:
            sheet.append(["", "", "", "", row.get("label", ""), row.get("detail", "")])
    sheet = book.sheet(_("Findings"))
    sheet.append(
        [
            _("Finding"), _("Severity"), _("Rectification owner"), _("Rectify by"), _("State"),
            _("What was done"), _("Evidence"), _("Verification"), _("Closed at"),
        ]
    )  # fmt: skip
    for f in findings:
        sheet.append(
            [
                f.title, f.get_severity_display(), person_name(f.owner, store),
                f"{f.deadline:%Y-%m-%d}", f.get_state_display(), f.rectification, f.evidence,
                f.verification, _at(f.closed_at),
            ]
        )  # fmt: skip
    return book
