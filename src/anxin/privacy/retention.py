"""Retention runs (STO-6): a rule finds the clients, a dry run counts them, a second person
approves, the shredders anonymise them (statistics kept), and the run records it all."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.permissions import MANAGE_RETENTION
from anxin.audit.services import diff, operation_log

from . import registry
from .erasure import FIELDS, anonymise_clients
from .models import Erasure, ErasureOrigin, RetentionRule, RetentionRun, RuleKind, RunState
from .rights_selectors import require

RECORD = "privacy.retentionrun"


def cutoff(months: int, now=None) -> dt.datetime:
    now = now or timezone.now()
    return now - dt.timedelta(days=round(months * 30.44))


def candidates(rule: RetentionRule, now=None) -> QuerySet:
    """The store's clients the rule covers that are not anonymised yet."""
    from anxin.clients.models import Client, ClientStatus, Consent, ServiceRecord
    from anxin.scheduling.models import Appointment

    since = cutoff(rule.months, now)
    qs = Client.objects.filter(store_id=rule.store_id).exclude(
        Exists(Erasure.objects.filter(client=OuterRef("pk")))
    )
    if rule.kind == RuleKind.NO_VISIT:
        return (
            qs.filter(created_at__lt=since)
            .exclude(
                Exists(ServiceRecord.objects.filter(client=OuterRef("pk"), served_at__gte=since))
            )
            .exclude(Exists(Appointment.objects.filter(client=OuterRef("pk"), start__gte=since)))
        )
    withdrawn_before = Consent.objects.filter(
        client=OuterRef("pk"), action=Consent.Action.WITHDRAW, at__lt=since
    )
    since_then = Consent.objects.filter(client=OuterRef("pk"), at__gte=since)
    return (
        qs.filter(status=ClientStatus.WITHDRAWN)
        .filter(Exists(withdrawn_before))
        .exclude(Exists(since_then))
    )


def dry_run(*, store=None) -> list[tuple[RetentionRule, int]]:
    """Each rule in force and how many clients it would anonymise now; nothing is written."""
    rules = RetentionRule.objects.filter(active=True).select_related("store")
    if store is not None:
        rules = rules.filter(store=store)
    return [(rule, candidates(rule).count()) for rule in rules]


def _state(run: RetentionRun) -> dict:
    return {
        "state": run.state,
        "candidates": run.candidates,
        "held": run.held,
        "anonymised": run.anonymised,
        "decided_by": run.decided_by_id,
    }


def rule_create(*, actor, store, kind: str, months: int, request=None) -> RetentionRule:
    require(
        actor=actor, store=store, permission=MANAGE_RETENTION, request=request, record_type=RECORD
    )
    rule = RetentionRule(store=store, kind=kind, months=months, created_by=actor)
    rule.full_clean()
    with transaction.atomic():
        rule.save()
        operation_log(
            actor=actor,
            action="create",
            instance=rule,
            changes=diff({}, {"kind": kind, "months": months}),
            request=request,
            store=store,
        )
    return rule


def run_propose(*, actor, store, rule: RetentionRule, request=None) -> RetentionRun:
    """Record a proposal with its dry-run count (``actor`` None: the monthly schedule)."""
    if actor is not None:
        require(
            actor=actor,
            store=store,
            permission=MANAGE_RETENTION,
            request=request,
            record_type=RECORD,
        )
    if rule.store_id != store.pk or not rule.active:
        raise ValidationError(_("This rule is not in force in this store."))
    if RetentionRun.objects.filter(
        rule=rule, state__in=[RunState.PROPOSED, RunState.APPROVED]
    ).exists():
        raise ValidationError(_("A run of this rule is waiting already: decide on it first."))
    with transaction.atomic():
        run = RetentionRun.objects.create(
            store=store,
            rule=rule,
            proposed_by=actor,
            proposed_at=timezone.now(),
            candidates=candidates(rule).count(),
        )
        operation_log(
            actor=actor,
            action="propose",
            instance=run,
            changes=diff({}, _state(run)),
            request=request,
            store=store,
        )
    return run


def _decidable(*, actor, store, run: RetentionRun, request=None) -> None:
    require(
        actor=actor, store=store, permission=MANAGE_RETENTION, request=request, record_type=RECORD
    )
    if run.store_id != store.pk:
        raise ValidationError(_("This run belongs to another store."))
    if run.state != RunState.PROPOSED:
        raise ValidationError(_("This run was decided already."))
    if run.proposed_by_id is not None and run.proposed_by_id == actor.pk:
        operation_log(
            actor=actor,
            action="approve_refused",
            instance=run,
            reason="proposer cannot approve",
            request=request,
            store=store,
        )
        raise ValidationError(
            _("You proposed this run: a second person must approve it."), code="same_person"
        )


def run_reject(*, actor, store, run: RetentionRun, note: str = "", request=None) -> RetentionRun:
    _decidable(actor=actor, store=store, run=run, request=request)
    before = _state(run)
    with transaction.atomic():
        run.state, run.decided_by, run.decided_at = RunState.REJECTED, actor, timezone.now()
        run.note = note
        run.save(update_fields=["state", "decided_by", "decided_at", "note"])
        operation_log(
            actor=actor,
            action="reject",
            instance=run,
            changes=diff(before, _state(run)),
            reason=note,
            request=request,
            store=store,
        )
    return run


def run_approve(
    *, actor, store, run: RetentionRun, apply: bool = True, request=None
) -> RetentionRun:
    """The second person's approval; with ``apply`` the run is applied at once."""
    _decidable(actor=actor, store=store, run=run, request=request)
    before = _state(run)
    with transaction.atomic():
        run.state, run.decided_by, run.decided_at = RunState.APPROVED, actor, timezone.now()
        run.save(update_fields=["state", "decided_by", "decided_at"])
        operation_log(
            actor=actor,
            action="approve",
            instance=run,
            changes=diff(before, _state(run)),
            request=request,
            store=store,
        )
    if apply:
        run = run_apply(run=run, request=request)
    return run


def run_apply(*, run: RetentionRun, request=None) -> RetentionRun:
    """Anonymise what the rule finds now, skipping clients under a legal hold. Refused unless
    a second person approved the run."""
    from anxin.clients.models import Client

    run = RetentionRun.objects.select_related("rule", "decided_by").get(pk=run.pk)
    if run.state != RunState.APPROVED or run.decided_by_id is None:
        operation_log(
            actor=None,
            action="apply_refused",
            instance=run,
            reason="not approved by a second person",
            request=request,
            store=run.store_id,
        )
        raise ValidationError(
            _("Run #%(pk)s has not been approved by a second person: nothing was changed.")
            % {"pk": run.pk},
            code="not_approved",
        )
    ids = list(candidates(run.rule).values_list("pk", flat=True))
    clients = list(Client.objects.filter(pk__in=ids).only(*FIELDS).order_by("pk"))
    held = {}
    for start in range(0, len(clients), 500):
        held.update(registry.held(clients[start : start + 500]))
    free = [c for c in clients if c.pk not in held]
    before = _state(run)
    with transaction.atomic():
        done = anonymise_clients(
            clients=free,
            actor=run.decided_by,
            origin=ErasureOrigin.RETENTION,
            run=run,
            reason=f"retention run #{run.pk}",
            http_request=request,
        )
        run.state, run.anonymised, run.held = RunState.APPLIED, done, len(clients) - len(free)
        run.save(update_fields=["state", "anonymised", "held"])
        operation_log(
            actor=run.decided_by,
            action="apply",
            instance=run,
            changes=diff(before, _state(run)),
            request=request,
            store=run.store_id,
        )
    return run


def propose_all() -> list[RetentionRun]:
    """The monthly schedule: propose a run for each rule in force that finds someone; it never
    applies one."""
    proposed = []
    for rule, count in dry_run():
        if (
            count
            and not RetentionRun.objects.filter(
                rule=rule, state__in=[RunState.PROPOSED, RunState.APPROVED]
            ).exists()
        ):
            proposed.append(run_propose(actor=None, store=rule.store, rule=rule))
    return proposed
