"""KPIs computed, rules written and published, rewards and penalties proposed, confirmed,
appealed and decided (AUD-6)."""

import datetime as dt
import operator
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.names import person_name
from anxin.accounts.permissions import MANAGE_KPI_RULES
from anxin.audit.services import operation_log
from anxin.notifications.services import notify

from .. import kpis
from ..models import (
    Comparison,
    KpiRow,
    KpiRule,
    RuleState,
    Sanction,
    SanctionKind,
    SanctionState,
)
from .common import denied, require_kpi, require_perm

__all__ = [
    "kpi_compute",
    "rule_publish",
    "rule_write",
    "sanction_appeal",
    "sanction_confirm",
    "sanction_decide",
    "sanction_withdraw",
    "sanctions_propose",
]

RULE = "supervision.kpirule"
SANCTION = "supervision.sanction"
COMPARE = {
    Comparison.GTE: operator.ge,
    Comparison.LTE: operator.le,
    Comparison.GT: operator.gt,
    Comparison.LT: operator.lt,
}


def _month(month: dt.date) -> dt.date:
    month = month.replace(day=1)
    if month > timezone.localdate().replace(day=1):
        raise ValidationError({"month": _("A month that has not begun has no figures.")})
    return month


def kpi_compute(*, actor, store, month: dt.date, request=None) -> list[KpiRow]:
    require_kpi(actor, store, "create", request=request)
    return kpis.compute(store=store, month=_month(month), actor=actor)


def _decimal(value, field: str, message: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: message}) from None
    if not number.is_finite() or abs(number) >= Decimal("100000000"):
        raise ValidationError({field: message})
    return number.quantize(Decimal("0.01"))


def rule_write(
    *, actor, store, name: str, kpi: str, comparison: str, threshold, kind: str, amount,
    text: str = "", based_on: KpiRule | None = None, request=None,
) -> KpiRule:  # fmt: skip
    """Write a draft rule, or a new version of ``based_on``. A rule on an unknown KPI is refused."""
    require_perm(actor, store, MANAGE_KPI_RULES, record_type=RULE, action="create",
                 request=request)  # fmt: skip
    errors = {}
    if kpi not in kpis.KPIS:
        errors["kpi"] = _("There is no KPI called “%(kpi)s”. The KPIs are: %(known)s.") % {
            "kpi": kpi,
            "known": "、".join(str(label) for label, _better in kpis.KPIS.values()),
        }
    if not (name or "").strip():
        errors["name"] = _("Give the rule a name.")
    if comparison not in Comparison.values:
        errors["comparison"] = _("Choose a condition.")
    if kind not in SanctionKind.values:
        errors["kind"] = _("Choose reward or penalty.")
    try:
        threshold = _decimal(threshold, "threshold", _("Give the threshold as a number."))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        amount = _decimal(amount, "amount", _("Give the amount in yuan, e.g. 50.00."))
        if amount < 0:
            errors["amount"] = _("The amount cannot be negative.")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if based_on is not None and based_on.store_id != store.pk:
        errors["based_on"] = _("That rule belongs to another store.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if based_on is not None:
            number = based_on.number
            version = (
                KpiRule.objects.filter(store=store, number=number).aggregate(v=Max("version"))["v"]
                + 1
            )
        else:
            number = (KpiRule.objects.filter(store=store).aggregate(n=Max("number"))["n"] or 0) + 1
            version = 1
        rule = KpiRule(
            store=store, number=number, version=version, name=name.strip()[:120], kpi=kpi,
            comparison=comparison, threshold=threshold, kind=kind, amount=amount,
            text=(text or "").strip()[:2000], written_by=actor,
        )  # fmt: skip
        rule.full_clean()
        rule.save()
        operation_log(
            actor=actor, action="create", instance=rule, store=store, request=request,
            changes={
                f: {"before": None, "after": getattr(rule, f)}
                for f in ("number", "version", "name", "kpi", "comparison", "threshold", "kind",
                          "amount")
            },
        )  # fmt: skip
    return rule


def rule_publish(*, actor, rule: KpiRule, request=None) -> KpiRule:
    """Publish a draft; the version it replaces is retired (kept, never changed)."""
    store = rule.store
    require_perm(actor, store, MANAGE_KPI_RULES, record_type=RULE, action="publish",
                 record_id=rule.pk, request=request)  # fmt: skip
    with transaction.atomic():
        current = KpiRule.objects.select_for_update().get(pk=rule.pk)
        if current.state != RuleState.DRAFT:
            raise ValidationError(_("Only a draft can be published."))
        for old in KpiRule.objects.select_for_update().filter(
            store=store, number=current.number, state=RuleState.PUBLISHED
        ):
            old.state = RuleState.RETIRED
            old.save(update_fields=["state"])
            operation_log(
                actor=actor, action="retire", instance=old, store=store, request=request,
                changes={"state": {"before": RuleState.PUBLISHED, "after": RuleState.RETIRED}},
            )  # fmt: skip
        current.state = RuleState.PUBLISHED
        current.published_by, current.published_at = actor, timezone.now()
        current.save(update_fields=["state", "published_by", "published_at"])
        operation_log(
            actor=actor, action="publish", instance=current, store=store, request=request,
            changes={"state": {"before": RuleState.DRAFT, "after": RuleState.PUBLISHED}},
        )  # fmt: skip
    return current


def matches(rule: KpiRule, figures: dict) -> Decimal | None:
    """The KPI value when the rule's condition holds for these figures, else None."""
    value = figures.get(rule.kpi)
    if value is None:
        return None
    value = Decimal(str(value))
    return value if COMPARE[rule.comparison](value, rule.threshold) else None


def sanctions_propose(*, actor, store, month: dt.date, request=None) -> list[Sanction]:
    """Apply the published rules to the month's stored KPIs: one proposal per person and rule
    whose condition holds (again: adds only what is new)."""
    require_kpi(actor, store, "create", request=request)
    month = _month(month)
    rules = list(KpiRule.objects.filter(store=store, state=RuleState.PUBLISHED))
    rows = list(KpiRow.objects.filter(store=store, month=month, user__isnull=False))
    if not rows:
        raise ValidationError(_("Compute the month's KPIs first."))
    existing = set(
        Sanction.objects.filter(store=store, month=month).values_list("user_id", "rule__number")
    )
    now = timezone.now()
    made = []
    with transaction.atomic():
        for rule in rules:
            for row in rows:
                value = matches(rule, row.figures)
                if value is None or (row.user_id, rule.number) in existing:
                    continue
                made.append(
                    Sanction(
                        store=store,
                        user_id=row.user_id,
                        month=month,
                        rule=rule,
                        kind=rule.kind,
                        amount=rule.amount,
                        value=value,
                        proposed_at=now,
                    )
                )
        Sanction.objects.bulk_create(made)
        operation_log(
            actor=actor, action="propose", record_type=SANCTION, record_id=f"{month:%Y-%m}",
            store=store, request=request,
            changes={"proposed": {"before": None, "after": len(made)}},
        )  # fmt: skip
    return made


def _manager(actor, sanction, action, request):
    require_kpi(actor, sanction.store, "approve", record_id=sanction.pk, request=request)
    if actor.pk == sanction.user_id:  # nobody decides about themselves
        denied(actor=actor, store=sanction.store, action=action, record_type=SANCTION,
               record_id=sanction.pk, request=request)  # fmt: skip


def _change(actor, sanction, *, expect, action, request, **fields) -> Sanction:
    with transaction.atomic():
        current = Sanction.objects.select_for_update().select_related("store").get(pk=sanction.pk)
        if current.state not in expect:
            raise ValidationError(_("This reward or penalty has moved on already."))
        before = current.state
        for name, value in fields.items():
            setattr(current, name, value)
        current.save(update_fields=list(fields))
        operation_log(
            actor=actor, action=action, instance=current, store=current.store, request=request,
            changes={"state": {"before": before, "after": current.state}},
            reason=fields.get("appeal") or fields.get("decision") or "",
        )  # fmt: skip
    return current


def _what(sanction) -> str:
    return _("%(kind)s of %(amount)s yuan for %(month)s") % {
        "kind": sanction.get_kind_display(),
        "amount": sanction.amount,
        "month": f"{sanction.month:%Y-%m}",
    }


def sanction_confirm(*, actor, sanction: Sanction, request=None) -> Sanction:
    """The manager confirms a proposal: it is shown to the person and goes to the staff file."""
    _manager(actor, sanction, "confirm", request)
    current = _change(
        actor, sanction, expect=[SanctionState.PROPOSED], action="confirm", request=request,
        state=SanctionState.CONFIRMED, confirmed_by=actor, confirmed_at=timezone.now(),
    )  # fmt: skip
    notify(
        recipients=[current.user],
        store=current.store,
        kind="supervision.sanction",
        subject=_("A %(what)s was recorded for you; you may appeal") % {"what": _what(current)},
        url=f"/supervision/kpis/mine/?month={current.month:%Y-%m}",
    )
    return current


def sanction_withdraw(*, actor, sanction: Sanction, request=None) -> Sanction:
    _manager(actor, sanction, "withdraw", request)
    return _change(
        actor, sanction, expect=[SanctionState.PROPOSED], action="withdraw", request=request,
        state=SanctionState.WITHDRAWN, decided_by=actor, decided_at=timezone.now(),
    )  # fmt: skip


def sanction_appeal(*, actor, sanction: Sanction, comment: str, request=None) -> Sanction:
    """Only the person concerned appeals; anyone else is refused and logged."""
    if actor.pk != sanction.user_id:
        denied(actor=actor, store=sanction.store, action="appeal", record_type=SANCTION,
               record_id=sanction.pk, request=request)  # fmt: skip
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say why you appeal.")})
    current = _change(
        actor, sanction, expect=[SanctionState.CONFIRMED], action="appeal", request=request,
        state=SanctionState.APPEALED, appeal=comment[:2000], appealed_at=timezone.now(),
    )  # fmt: skip
    notify(
        recipients=[current.confirmed_by] if current.confirmed_by else [],
        store=current.store,
        kind="supervision.appeal",
        subject=_("%(name)s appeals a %(what)s")
        % {"name": person_name(actor, current.store), "what": _what(current)},
        url=f"/supervision/sanctions/?month={current.month:%Y-%m}",
    )
    return current


def sanction_decide(*, actor, sanction: Sanction, uphold: bool, decision: str,
                    request=None) -> Sanction:  # fmt: skip
    _manager(actor, sanction, "decide", request)
    decision = (decision or "").strip()
    if not decision:
        raise ValidationError({"decision": _("Say how the appeal was decided.")})
    current = _change(
        actor, sanction, expect=[SanctionState.APPEALED], action="decide", request=request,
        state=SanctionState.UPHELD if uphold else SanctionState.WITHDRAWN,
        decision=decision[:2000], decided_by=actor, decided_at=timezone.now(),
    )  # fmt: skip
    notify(
        recipients=[current.user],
        store=current.store,
        kind="supervision.appeal_decided",
        subject=_("Your appeal was decided: %(state)s") % {"state": current.get_state_display()},
        url=f"/supervision/kpis/mine/?month={current.month:%Y-%m}",
    )
    return current
