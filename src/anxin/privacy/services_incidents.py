"""Writes of incidents and breach response (PRV-7).

The affected clients come from the records (``services_affected``). Each notice to a person is logged with its channel, time, text version and
whether it was delivered; the text holds what PIPL Art. 57 asks for.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import RoleAssignment
from anxin.accounts.permissions import MANAGE_INCIDENTS
from anxin.audit.models import UseOutcome
from anxin.audit.services import operation_log, use_log
from anxin.clients.models import Client
from anxin.notifications.services import notify, notify_holders, send_external

from .models import (
    ActionKind,
    AffectedClient,
    Incident,
    IncidentAction,
    IncidentNotice,
    IncidentState,
    NoticeChannel,
    NoticeText,
    Severity,
)

CLIENT_RECORD = "clients.client"


def require(*, actor, store, action: str = "view", record_id: str = "*", request=None) -> None:
    if store is None or actor is None or not actor.has_store_perm(MANAGE_INCIDENTS, store):
        use_log(
            actor=actor,
            action=action,
            record_type="privacy.incident",
            record_id=record_id,
            outcome=UseOutcome.DENIED,
            request=request,
            store=store,
        )
        raise PermissionDenied


def _in_store(user, store) -> bool:
    return RoleAssignment.objects.filter(user=user, store=store, active=True).exists()


def incident_create(
    *,
    actor,
    store,
    title: str,
    description: str,
    found_at,
    found_by,
    scope: str,
    severity: str,
    request=None,
) -> Incident:
    """Open an incident; the regulator's deadline counts from when it was found."""
    require(actor=actor, store=store, action="create", request=request)
    errors = {}
    if found_at is not None and found_at > timezone.now() + dt.timedelta(minutes=5):
        errors["found_at"] = [_("An incident cannot be found in the future.")]
    if found_by is None or not _in_store(found_by, store):
        errors["found_by"] = [_("Name the person of this store who found it.")]
    if severity not in Severity.values:
        errors["severity"] = [_("Choose the severity.")]
    if errors:
        raise ValidationError(errors)
    found_at = found_at or timezone.now()
    with transaction.atomic():
        incident = Incident(
            store=store,
            title=(title or "").strip(),
            description=(description or "").strip(),
            found_at=found_at,
            found_by=found_by,
            scope=(scope or "").strip(),
            severity=severity,
            recorded_by=actor,
            regulator_due_at=found_at + dt.timedelta(hours=settings.ANXIN_PRIVACY_REGULATOR_HOURS),
        )
        incident.full_clean()
        incident.save()
        operation_log(
            actor=actor,
            action="create",
            instance=incident,
            changes={
                "title": {"before": None, "after": incident.title},
                "severity": {"before": None, "after": severity},
                "found_at": {"before": None, "after": found_at},
            },
            request=request,
            store=store,
        )
    return incident


def _locked(incident: Incident, store) -> Incident:
    if incident.store_id != store.pk:
        raise PermissionDenied
    return Incident.objects.select_for_update().get(pk=incident.pk)


def incident_update(*, actor, store, incident: Incident, request=None, **changes) -> Incident:
    """Change the state, severity or scope; record the report to the regulator."""
    require(actor=actor, store=store, action="change", record_id=str(incident.pk), request=request)
    allowed = {"state", "severity", "scope", "regulator_reported_at", "regulator_reference"}
    if set(changes) - allowed:
        raise ValidationError(_("These details cannot be changed here."))
    if "state" in changes and changes["state"] not in IncidentState.values:
        raise ValidationError({"state": _("Choose the state.")})
    reported = changes.get("regulator_reported_at")
    with transaction.atomic():
        incident = _locked(incident, store)
        if reported is not None and reported < incident.found_at:
            raise ValidationError(
                {
                    "regulator_reported_at": _(
                        "The report cannot come before the incident was found."
                    )
                }
            )
        before = {k: getattr(incident, k) for k in changes}
        for key, value in changes.items():
            setattr(incident, key, value)
        incident.full_clean()
        incident.save()
        operation_log(
            actor=actor,
            action="update",
            instance=incident,
            changes={
                k: {"before": before[k], "after": changes[k]}
                for k in changes
                if before[k] != changes[k]
            },
            request=request,
            store=store,
        )
    return incident


def action_add(
    *,
    actor,
    store,
    incident: Incident,
    kind: str,
    description: str,
    owner,
    due_on=None,
    request=None,
) -> IncidentAction:
    """A containment or remediation step, with the person who owns it."""
    require(actor=actor, store=store, action="change", record_id=str(incident.pk), request=request)
    if incident.store_id != store.pk:
        raise PermissionDenied
    errors = {}
    if kind not in ActionKind.values:
        errors["kind"] = [_("Choose containment or remediation.")]
    if owner is None or not _in_store(owner, store):
        errors["owner"] = [_("Name the person of this store who owns the action.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        step = IncidentAction(
            incident=incident, kind=kind, description=(description or "").strip(), owner=owner,
            due_on=due_on,
        )  # fmt: skip
        step.full_clean()
        step.save()
        operation_log(
            actor=actor,
            action="create",
            instance=step,
            changes={
                "incident": {"before": None, "after": incident.pk},
                "kind": {"before": None, "after": kind},
                "description": {"before": None, "after": step.description},
                "owner": {"before": None, "after": owner.pk},
            },
            request=request,
            store=store,
        )
    if owner != actor:
        notify(
            recipients=[owner],
            subject=_("Incident %(n)s: an action is yours") % {"n": incident.pk},
            body=step.description,
            url=reverse("privacy:incident_detail", args=[incident.pk]),
            kind="privacy.incident_action",
            store=store,
        )
    return step


def action_done(*, actor, store, action: IncidentAction, request=None) -> IncidentAction:
    require(
        actor=actor,
        store=store,
        action="change",
        record_id=str(action.incident_id),
        request=request,
    )
    if action.incident.store_id != store.pk:
        raise PermissionDenied
    with transaction.atomic():
        action = IncidentAction.objects.select_for_update().get(pk=action.pk)
        if action.done_at is None:
            action.done_at = timezone.now()
            action.save(update_fields=["done_at"])
            operation_log(
                actor=actor,
                action="done",
                instance=action,
                changes={"done_at": {"before": None, "after": action.done_at}},
                request=request,
                store=store,
            )
    return action


# -- notices to the affected people (PIPL Art. 57) -------------------------------------------------


def notice_text_write(
    *,
    actor,
    store,
    incident: Incident,
    what_happened: str,
    data_involved: str,
    measures: str,
    client_steps: str,
    contact: str,
    request=None,
) -> NoticeText:
    """A new version of the notice text; notices already sent keep the version they used."""
    require(actor=actor, store=store, action="change", record_id=str(incident.pk), request=request)
    if incident.store_id != store.pk:
        raise PermissionDenied
    with transaction.atomic():
        last = NoticeText.objects.filter(incident=incident).order_by("-version").first()
        text = NoticeText(
            incident=incident,
            version=(last.version + 1) if last else 1,
            what_happened=(what_happened or "").strip(),
            data_involved=(data_involved or "").strip(),
            measures=(measures or "").strip(),
            client_steps=(client_steps or "").strip(),
            contact=(contact or "").strip(),
            written_by=actor,
        )
        text.full_clean()
        text.save()
        operation_log(
            actor=actor,
            action="notice_text",
            instance=incident,
            changes={
                "notice_version": {"before": last.version if last else None, "after": text.version}
            },
            request=request,
            store=store,
        )
    return text


def _current_text(incident) -> NoticeText:
    text = NoticeText.objects.filter(incident=incident).order_by("-version").first()
    if text is None:
        raise ValidationError(
            _(
                "Write the notice text first: what happened, what data, what we "
                "did, what they can do, whom to contact."
            )
        )
    return text


def notice_record(
    *,
    actor,
    store,
    incident: Incident,
    client,
    channel: str,
    delivered: bool,
    sent_at=None,
    note: str = "",
    request=None,
) -> IncidentNotice:
    """Record a notice given by hand (a call, a letter, in person) to one affected person."""
    require(actor=actor, store=store, action="notify", record_id=str(incident.pk), request=request)
    if incident.store_id != store.pk:
        raise PermissionDenied
    if channel not in NoticeChannel.values:
        raise ValidationError({"channel": _("Choose how the person was told.")})
    if not AffectedClient.objects.filter(incident=incident, client=client).exists():
        raise ValidationError({"client": _("This client is not on the incident's affected list.")})
    text = _current_text(incident)
    with transaction.atomic():
        notice = IncidentNotice(
            incident=incident, client=client, channel=channel, text=text,
            sent_at=sent_at or timezone.now(), delivered=delivered, note=(note or "")[:200],
            sent_by=actor,
        )  # fmt: skip
        notice.save()
        operation_log(
            actor=actor, action="notice", instance=incident,
            changes={"notice": {"before": None, "after": f"{client.code} {channel} v{text.version}"}},
            request=request, store=store,
        )  # fmt: skip
    return notice


def notices_send_sms(*, actor, store, incident: Incident, request=None) -> int:
    """Send the current text by SMS to every affected person not yet told successfully; each
    notice is logged (the phone is read for it: a use of the client's data)."""
    require(actor=actor, store=store, action="notify", record_id=str(incident.pk), request=request)
    if incident.store_id != store.pk:
        raise PermissionDenied
    text = _current_text(incident)
    told = IncidentNotice.objects.filter(incident=incident, delivered=True).values("client_id")
    clients = Client.objects.filter(
        pk__in=AffectedClient.objects.filter(incident=incident)
        .exclude(client_id__in=told)
        .values("client_id")
    )
    sent = 0
    subject = _("Notice about your personal information from %(store)s") % {"store": store.name}
    for client in clients.iterator():
        with transaction.atomic():
            handed = send_external(
                channel="sms", address=client.phone, subject=subject, body=text.as_text(),
                kind="privacy.incident_notice",
            )  # fmt: skip
            IncidentNotice(
                incident=incident, client=client, channel=NoticeChannel.SMS, text=text,
                sent_at=timezone.now(), delivered=handed,
                note="" if handed else _("no phone number, or no SMS channel"), sent_by=actor,
            ).save()  # fmt: skip
            use_log(
                actor=actor, action="notify", instance=client, store=store, request=request,
                purpose=f"incident {incident.pk} notice",
            )  # fmt: skip
        sent += int(handed)
    operation_log(
        actor=actor, action="notice", instance=incident,
        changes={"sms_sent": {"before": None, "after": sent}}, request=request, store=store,
    )  # fmt: skip
    return sent


# -- the regulator's deadline -----------------------------------------------------------------------


def regulator_reminders(*, now=None) -> list[Incident]:
    """Remind the information officers of each report due within the reminder window."""
    now = now or timezone.now()
    window = dt.timedelta(hours=settings.ANXIN_PRIVACY_REMIND_HOURS)
    due = Incident.objects.filter(
        regulator_reported_at__isnull=True,
        reminder_sent_at__isnull=True,
        regulator_due_at__lte=now + window,
    ).select_related("store")
    reminded = []
    for incident in due:
        with transaction.atomic():
            if not Incident.objects.filter(pk=incident.pk, reminder_sent_at__isnull=True).update(
                reminder_sent_at=now
            ):
                continue
            notify_holders(
                store=incident.store,
                permission=MANAGE_INCIDENTS,
                subject=_("Incident %(n)s: report to the regulator by %(due)s")
                % {
                    "n": incident.pk,
                    "due": timezone.localtime(incident.regulator_due_at).strftime("%Y-%m-%d %H:%M"),
                },
                url=reverse("privacy:incident_detail", args=[incident.pk]),
                kind="privacy.regulator_due",
            )
        reminded.append(incident)
    return reminded
