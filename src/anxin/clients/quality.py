"""The data-quality report (STO-1), computed by a task into a summary the page shows.

Missing required information (phone, birth date, gender, consent on file), invalid phone or ID
numbers (checked like the form checks them), suspected duplicates (same phone, ID number, or name
and birth date), and clients with no visit in ``months`` months. Checking the numbers means
decrypting every client's, and the last visits mean reading every service record: seconds at a
store's scale. So ``compute`` runs in the task queue (on request and nightly) and keeps the totals
and the first ``LIMIT`` rows of each list in a ``QualitySummary``; ``report`` turns that into the
page, reading only the clients it shows.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from anxin.audit.services import use_log

from . import validation
from .models import Client, ClientStatus, QualitySummary

RECORD = "clients.client"
LIMIT = 200  # rows kept and shown per list; the totals are exact
DEFAULT_MONTHS = 6
# A requested computation not finished after this long is asked for again (a lost task).
RETRY_AFTER = dt.timedelta(hours=1)


def _missing_kinds() -> dict:
    return {
        "phone": _("phone"),
        "birth_date": _("birth date"),
        "gender": _("gender"),
        "consent": _("consent"),
    }


def _duplicate_reasons() -> dict:
    return {
        "phone": _("same phone"),
        "id_number": _("same ID number"),
        "name_birth_date": _("same name and birth date"),
    }


CHECKS = {
    "phone": lambda c: validation.clean_phone(c.phone),
    "id_number": lambda c: validation.clean_id_number(c.id_number, birth_date=c.birth_date),
}


def _problem(client, field: str) -> str | None:
    """The form's message for this client's value of ``field``, or ``None`` if it passes."""
    try:
        CHECKS[field](client)
    except ValidationError as exc:
        return exc.messages[0]
    return None


def _messages(client, field: str) -> dict[str, str]:
    found = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            found[code] = _problem(client, field) or ""
    return found


def compute(*, store, months: int = DEFAULT_MONTHS, now=None) -> QualitySummary:
    """Compute the figures into the store's summary for ``months`` (run by the task queue)."""
    now = now or timezone.now()
    clients = Client.objects.filter(store=store).exclude(status=ClientStatus.WITHDRAWN)
    missing = []
    for c in (
        clients.filter(
            Q(phone_index__isnull=True)
            | Q(birth_date__isnull=True)
            | Q(gender="U")
            | Q(general_consent=False)
        )
        .order_by("code")
        .values("pk", "phone_index", "birth_date", "gender", "general_consent")
    ):
        kinds = [
            kind
            for kind, lacking in (
                ("phone", not c["phone_index"]),
                ("birth_date", c["birth_date"] is None),
                ("gender", c["gender"] == "U"),
                ("consent", not c["general_consent"]),
            )
            if lacking
        ]
        missing.append([c["pk"], kinds])
    invalid = []
    for c in (
        clients.filter(Q(phone_index__isnull=False) | Q(id_number_index__isnull=False))
        .only("pk", "code", "phone", "id_number", "birth_date", "store")
        .order_by("code")
        .iterator(chunk_size=2000)
    ):
        for field in CHECKS:
            if _problem(c, field) is not None:
                # The rows shown keep the form's message in every language of the interface,
                # so the page decrypts nothing.
                messages = {} if len(invalid) >= LIMIT else _messages(c, field)
                invalid.append([c.pk, field, messages])
    duplicates = []
    for field, reason in (("phone_index", "phone"), ("id_number_index", "id_number")):
        values = (
            clients.exclude(**{f"{field}__isnull": True})
            .values(field)
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .values_list(field, flat=True)
        )
        groups: dict = {}
        for pk, value in (
            clients.filter(**{f"{field}__in": list(values[:LIMIT])})
            .order_by("code")
            .values_list("pk", field)
        ):
            groups.setdefault(value, []).append(pk)
        duplicates += [[reason, group] for group in groups.values()]
    pairs = (
        clients.exclude(birth_date__isnull=True)
        .values("name", "birth_date")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)[:LIMIT]
    )
    for pair in pairs:
        group = clients.filter(name=pair["name"], birth_date=pair["birth_date"])
        duplicates.append(
            ["name_birth_date", list(group.order_by("code").values_list("pk", flat=True))]
        )
    cutoff = now - dt.timedelta(days=round(months * 30.4))
    stale = (
        clients.filter(created_at__lt=cutoff)
        .annotate(last=Max("services__served_at"))
        .filter(Q(last__lt=cutoff) | Q(last__isnull=True))
        .order_by("last", "code")
        .values_list("pk", "last")
    )
    stale_rows = [[pk, last.isoformat() if last else None] for pk, last in stale]
    totals = {
        "missing": len(missing),
        "invalid": len(invalid),
        "duplicates": len(duplicates),
        "stale": len(stale_rows),
    }
    rows = {
        "missing": missing[:LIMIT],
        "invalid": invalid[:LIMIT],
        "duplicates": duplicates[:LIMIT],
        "stale": stale_rows[:LIMIT],
    }
    with transaction.atomic():
        summary, _created = QualitySummary.objects.select_for_update().get_or_create(
            store=store, months=months
        )
        summary.totals, summary.rows, summary.computed_at = totals, rows, now
        summary.save(update_fields=["totals", "rows", "computed_at"])
        # The system read every client's contact and ID number to check them (PRV-2).
        use_log(
            actor=None,
            action="data_quality",
            record_type=RECORD,
            record_id="*",
            count=sum(totals.values()),
            purpose="data quality figures (computed)",
            store=store,
        )
    return summary


def request_compute(*, actor, store, months: int, force: bool = False, now=None) -> bool:
    """Ask the task queue for the figures; ``False`` when a request is already on its way (and
    ``force`` is not given). Call outside a transaction: the task may start at once."""
    from .selectors import require_quality
    from .tasks import quality_compute

    require_quality(actor=actor, store=store)
    now = now or timezone.now()
    with transaction.atomic():
        summary, _created = QualitySummary.objects.select_for_update().get_or_create(
            store=store, months=months
        )
        if summary.pending and not force and summary.requested_at > now - RETRY_AFTER:
            return False
        summary.requested_at = now
        summary.save(update_fields=["requested_at"])
    quality_compute(store.pk, months)
    return True


def report(*, actor, store, months: int) -> dict:
    """The page's report from the summary (requesting it first when there is none): the rows'
    clients read in one query, nothing decrypted; each message in the reader's language."""
    summary = QualitySummary.objects.filter(store=store, months=months).first()
    if summary is None or (summary.computed_at is None and not summary.pending):
        request_compute(actor=actor, store=store, months=months)
        summary = QualitySummary.objects.get(store=store, months=months)
    rows, totals = summary.rows or {}, summary.totals or {}
    ids = {pk for pk, _k in rows.get("missing", [])} | {row[0] for row in rows.get("invalid", [])}
    ids |= {pk for _r, group in rows.get("duplicates", []) for pk in group}
    ids |= {pk for pk, _l in rows.get("stale", [])}
    found = {
        c.pk: c
        for c in Client.objects.filter(store=store, pk__in=ids).only(
            "pk", "code", "name", "store_id"
        )
    }
    language = translation.get_language() or settings.LANGUAGE_CODE
    kinds, reasons = _missing_kinds(), _duplicate_reasons()
    stale = []
    for pk, last in rows.get("stale", []):
        if pk in found:
            found[pk].last = dt.datetime.fromisoformat(last) if last else None
            stale.append(found[pk])
    return {
        "summary": summary,
        "missing": [
            (found[pk], [kinds[k] for k in what])
            for pk, what in rows.get("missing", [])
            if pk in found
        ],
        "missing_total": totals.get("missing", 0),
        "invalid": [
            (
                found[pk],
                Client._meta.get_field(field).verbose_name,
                messages.get(language) or messages.get(settings.LANGUAGE_CODE, ""),
            )
            for pk, field, messages in rows.get("invalid", [])
            if pk in found
        ],
        "invalid_total": totals.get("invalid", 0),
        "duplicates": [
            (reasons[reason], [found[pk] for pk in group if pk in found])
            for reason, group in rows.get("duplicates", [])
        ],
        "duplicates_total": totals.get("duplicates", 0),
        "stale": stale,
        "stale_total": totals.get("stale", 0),
        "months": months,
        "limit": LIMIT,
    }
