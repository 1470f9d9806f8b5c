"""Whistle-blowing (举报, AUD-5; 001 §6.2, 004 §6.1): writes and reads of reports.

- Any member of the store reports, anonymously or by name. The report is recorded as made by
  the system: no ``created_by``, no operator in the log, no address. A named reporter's account
  is kept encrypted (``reporter``) with a blind index so that they find their own reports.
- Investigators (``INVESTIGATE_REPORTS``) read reports without the identity.
- The identity is shown to nobody until the custodian (``UNSEAL_REPORTER``) proposes an
  unsealing with a reason and a second person approves it (approvals app). Then only that
  custodian reads it, every read logged; the reporter's page says when and why.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.permissions import INVESTIGATE_REPORTS, UNSEAL_REPORTER
from anxin.audit.models import UseOutcome
from anxin.audit.services import diff, operation_log, use_log

from .models import ReportNote, ReportState, WhistleReport
from .services import deny, new_reference, new_secret, require, secret_digest

RECORD = "complaints.whistlereport"
UNSEAL_KIND = "complaints.whistle_unseal"


def _member(actor, store) -> bool:
    from anxin.catalogue.selectors import works_in

    return works_in(actor, store)


def report_file(
    *,
    actor,
    store,
    description: str,
    named: bool,
    reported_person=None,
    occurred_on: dt.date | None = None,
    request=None,
) -> tuple[WhistleReport, str]:
    """File a report; returns it and the secret for following it (shown once)."""
    if not _member(actor, store):
        deny(actor=actor, store=store, action="report", record_type=RECORD, request=request)
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("Describe what happened.")})
    if len(description) > 4000:
        raise ValidationError(
            {"description": _("Keep the description under %(n)s characters.") % {"n": 4000}}
        )
    if reported_person is not None and not _member(reported_person, store):
        raise ValidationError({"reported_person": _("This person does not work in this store.")})
    if reported_person is not None and reported_person.pk == actor.pk:
        raise ValidationError({"reported_person": _("You cannot report yourself.")})
    if occurred_on is not None and occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": _("The date cannot be in the future.")})
    secret = new_secret()
    with transaction.atomic():
        report = WhistleReport(
            store=store,
            reference=new_reference("JB"),
            named=bool(named),
            reporter=str(actor.pk) if named else "",
            reported_person=reported_person,
            description=description,
            occurred_on=occurred_on,
            received_on=timezone.localdate(),
        )
        report.secret_digest = secret_digest(report.reference, secret)
        report.full_clean()
        report.save()
        # Made by "the system", without the request (no address, no request id): the log
        # must not say who reported.
        operation_log(
            actor=None,
            action="create",
            instance=report,
            changes={"report": {"before": None, "after": {"named": report.named}}},
            store=store,
        )
        from anxin.notifications.services import holders, notify

        notify(
            # Never the person reported: they are not to learn of the report.
            recipients=[
                p
                for p in holders(store=store, permission=INVESTIGATE_REPORTS)
                if p.pk != getattr(reported_person, "pk", None)
            ],
            store=store,
            subject=_("A whistle-blowing report was received: %(reference)s")
            % {"reference": report.reference},
            url=f"/complaints/reports/{report.pk}/",
            kind="complaints.report",
        )
    return report, secret


# -- reads ------------------------------------------------------------------------------------


def is_reporter(actor, report: WhistleReport) -> bool:
    """The signed-in person made this named report (decrypts only this one row's field)."""
    return bool(report.named and report.reporter and report.reporter == str(actor.pk))


def my_reports(*, actor, store) -> list[WhistleReport]:
    """A named reporter's own reports, found by the blind index of their account id."""
    return list(
        WhistleReport.objects.filter(store=store, reporter_index__matches=str(actor.pk)).order_by(
            "-received_on", "-pk"
        )
    )


def report_list(*, actor, store, request=None):
    require(actor, store, INVESTIGATE_REPORTS, "list", record_id="*", request=request)
    rows = list(
        WhistleReport.objects.filter(store=store)
        .exclude(reported_person=actor)
        .defer("reporter", "description")
        .select_related("reported_person__staff_file")[:500]
    )
    use_log(
        actor=actor,
        action="search",
        record_type=RECORD,
        record_id="*",
        count=len(rows),
        purpose="list",
        request=request,
        store=store,
    )
    return rows


def report_get(*, actor, store, pk, request=None) -> tuple[WhistleReport, str]:
    """The report for an investigator or the custodian, or for its own named reporter; out of
    scope is 404, logged. Returns the report and the viewer's relation ("investigator",
    "custodian", "reporter")."""
    report = (
        WhistleReport.objects.filter(store=store, pk=pk).select_related("reported_person").first()
    )
    role = ""
    if report is not None and report.reported_person_id == actor.pk:
        report = None  # the person reported never sees the report (nor who made it)
    if report is not None:
        if actor.has_store_perm(INVESTIGATE_REPORTS, store):
            role = "investigator"
        elif actor.has_store_perm(UNSEAL_REPORTER, store):
            role = "custodian"
        elif is_reporter(actor, report):
            role = "reporter"
    if not role:
        use_log(
            actor=actor,
            action="view",
            record_type=RECORD,
            record_id=str(pk),
            outcome=UseOutcome.DENIED,
            request=request,
            store=store,
        )
        raise Http404
    use_log(actor=actor, action="view", instance=report, request=request, store=store)
    return report, role


def identity_for(*, actor, store, report: WhistleReport, request=None):
    """The reporter's account — only for the custodian who unsealed it (after the second
    person's approval), while they still hold the custodian's permission. Every read is in the
    use log; any other attempt is refused and logged."""
    allowed = (
        report.named
        and report.unsealed_at is not None
        and report.unsealed_by_id == actor.pk
        and actor.has_store_perm(UNSEAL_REPORTER, store)
        and report.store_id == store.pk
    )
    if not allowed:
        deny(
            actor=actor,
            store=store,
            action="reveal_reporter",
            record_id=report.pk,
            record_type=RECORD,
            request=request,
        )
    from django.contrib.auth import get_user_model

    person = get_user_model().objects.filter(pk=int(report.reporter)).first()
    use_log(
        actor=actor,
        action="reveal_reporter",
        instance=report,
        purpose=report.unseal_reason[:200],
        request=request,
        store=store,
    )
    return person


# -- investigators' steps ---------------------------------------------------------------------


def report_note(*, actor, store, report, note: str, state: str, request=None) -> ReportNote:
    require(actor, store, INVESTIGATE_REPORTS, "note", record_id=report.pk, request=request)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what was done.")})
    if state not in ReportState.values:
        raise ValidationError({"state": _("Choose a state.")})
    with transaction.atomic():
        report = WhistleReport.objects.select_for_update().get(pk=report.pk, store=store)
        if report.state == ReportState.CLOSED:
            raise ValidationError(_("This report is closed."))
        before = {"state": report.state, "outcome": report.outcome}
        report.state = state
        if state == ReportState.CLOSED:
            report.outcome = note
        report.save(update_fields=["state", "outcome"])
        row = ReportNote.objects.create(
            report=report, state_after=state, note=note, by=actor, at=timezone.now()
        )
        operation_log(
            actor=actor,
            action="note",
            instance=report,
            changes=diff(before, {"state": report.state, "outcome": report.outcome}),
            request=request,
            store=store,
        )
    return row


# -- unsealing ----------------------------------------------------------------------------------


def unseal_propose(*, actor, store, report, reason: str, request=None):
    """The custodian asks to unseal a named report's identity: a reason, then a second
    person's approval. Nothing is revealed by the proposal."""
    from anxin.approvals.services import change_propose

    require(actor, store, UNSEAL_REPORTER, "unseal", record_id=report.pk, request=request)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("State why the identity must be unsealed.")})
    if not report.named:
        raise ValidationError(_("This report is anonymous: there is no identity to unseal."))
    if report.unsealed_at is not None:
        raise ValidationError(_("This identity is unsealed already."))
    return change_propose(
        actor=actor,
        store=store,
        kind=UNSEAL_KIND,
        target=report,
        payload={"custodian": actor.pk, "reason": reason},
        reason=reason,
        request=request,
    )


# Hooks of the approvals kind (registered in approval_kinds.py).


def unseal_validate(*, actor, store, target, payload) -> dict:
    if set(payload) != {"custodian", "reason"} or payload["custodian"] != actor.pk:
        raise ValidationError(_("Only the custodian may ask to unseal, in their own name."))
    if target.unsealed_at is not None:
        raise ValidationError(_("This identity is unsealed already."))
    return payload


def unseal_snapshot(*, target, store, payload) -> dict:
    return {"unsealed": target.unsealed_at is not None}


def unseal_preview(*, target, store, before, payload) -> dict:
    return {"unsealed": True}


def unseal_describe(*, target, before, after, kind):
    sealed, unsealed = _("sealed"), _("unsealed for the custodian")
    return [
        (
            _("Reporter's identity"),
            unsealed if before.get("unsealed") else sealed,
            unsealed if after.get("unsealed") else sealed,
        )
    ]


def unseal_apply(*, actor, store, target, payload):
    """The second person approved: the custodian who asked may now read the identity."""
    from django.contrib.auth import get_user_model

    custodian = get_user_model().objects.get(pk=payload["custodian"])
    if custodian.pk == actor.pk:
        raise ValidationError(_("You asked for this unsealing: someone else must approve it."))
    target.unsealed_at = timezone.now()
    target.unsealed_by = custodian
    target.unseal_reason = payload["reason"]
    target.unseal_approved_by = actor
    target.save(update_fields=["unsealed_at", "unsealed_by", "unseal_reason", "unseal_approved_by"])
    return target
