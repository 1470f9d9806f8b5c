"""Every read of client data goes through here, with the acting user (SEC-3, PRV-2).

Out of scope reads as "not found" (404) and is logged as a denied use; allowed reads of a client's
detail, health file, a revealed value or an export are logged as uses.
"""

import datetime as dt
import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Avg, Count, Max, Min, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from anxin.accounts.policy import SCOPE_ORDER, Scope, parse_grant, scope_for
from anxin.audit.models import UseLog
from anxin.audit.services import use_log
from anxin.core.prepared import Prepared
from anxin.crypto import masking

from . import validation
from .models import Client, ClientStatus, HealthFile, SearchKey, ServiceRecord
from .pinyin import query_key as pinyin_query_key

RECORD = "clients.client"


def served_window() -> dt.timedelta:
    """How far back serving, booking or visiting a client puts them in a practitioner's scope."""
    return dt.timedelta(days=getattr(settings, "ANXIN_PRACTITIONER_SCOPE_DAYS", 90))


def remember_permissions(request) -> None:
    """Within one request, read the person's permissions once (each look-up is a query)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        user._clients_permissions = {}


def scope(actor, store, action: str) -> Scope | None:
    """``accounts.policy.scope_for`` for client records, reusing the request's permissions."""
    cache = getattr(actor, "_clients_permissions", None)
    if cache is None:
        return scope_for(actor, store, RECORD, action)
    if store is None or actor is None or not actor.is_authenticated or not actor.is_active:
        return None
    grants = cache.get(store.pk)
    if grants is None:
        grants = cache[store.pk] = _client_grants(actor.permissions_in(store))
    return grants.get(action)


def _client_grants(perms) -> dict[str, Scope]:
    """{action: the widest scope granted} for client records, as ``scope_for`` decides it."""
    best: dict[str, Scope] = {}
    for perm in perms:
        parsed = parse_grant(perm)
        if parsed is None or parsed[0] != RECORD:
            continue
        _record, action, granted = parsed
        if action not in best or SCOPE_ORDER.index(granted) > SCOPE_ORDER.index(best[action]):
            best[action] = granted
    return best


def scoped_clients(*, actor, store, action: str = "view") -> QuerySet[Client]:
    """The clients this person may ``action`` in this store; empty when not allowed.

    A sharing grant in force (PRV-3, ``SHARING_GRANTS``) adds its clients as one more set the
    database joins, checked at read time: when the grant ends, so does the access."""
    granted = scope(actor, store, action)
    if granted == Scope.STORE:
        return Client.objects.filter(store=store)
    ids = served_client_ids(actor=actor) if granted == Scope.SERVED else None
    for grants in SHARING_GRANTS.values():
        extra = grants.client_ids(actor=actor, store=store, action=action)
        if extra is not None:
            ids = extra if ids is None else ids.union(extra)
    if ids is None:
        return Client.objects.none()
    return Client.objects.filter(store=store, pk__in=ids)


_BY_CODE = Prepared(
    lambda store, code: Client.objects.filter(store_id=store, code=code).order_by("pk")[:1]
)


def served_client_ids(*, actor) -> QuerySet:
    """The ids of the clients this practitioner served, booked or visited in the served window:
    one set the database builds from the practitioner's own recent rows (the (practitioner,
    served_at) and (practitioner, start) indexes) and joins, rather than a look-up per client
    of the store."""
    since = timezone.now() - served_window()
    ids = (
        ServiceRecord.objects.filter(practitioner=actor, served_at__gte=since)
        .order_by()
        .values("client_id")
    )
    for link in SERVED_LINKS.values():
        ids = ids.union(link(actor=actor, since=since).order_by())
    return ids


# Other ways a practitioner is linked to a client (a booking, a home-service job) extend the
# "served" scope: ``link(*, actor, since) -> QuerySet`` of ``values("client_id")`` of the rows
# linking them from ``since`` on.
SERVED_LINKS: dict = {}

# Other apps' parts of a client's file (e.g. membership cards): ``section(*, actor, store,
# client) -> (template name, context dict) | None`` (None: nothing to show this person).
FILE_SECTIONS: dict = {}

# Sharing grants (PRV-3, registered by the privacy app) widen the scope while they run:
# ``client_ids(*, actor, store, action) -> QuerySet | None`` (the ids granted now, as one set;
# None when no grant can give ``action``) and ``covering(*, actor, store, client) -> {action:
# grant id}`` (which grant in force lets this person read this client, and for what).
SHARING_GRANTS: dict = {}


def _via_grant(*, actor, store, client, action: str) -> int | None:
    """The grant a read was made through, when the person's own scope does not reach the
    client: its id becomes the use's purpose, so the grantor can list what was read under it."""
    if not SHARING_GRANTS or scope(actor, store, action) == Scope.STORE:
        return None
    return _granted_parts(actor=actor, store=store, client=client).get(action)


def _granted_parts(*, actor, store, client) -> dict[str, int]:
    """{action: grant id}: the parts of this client's file that only a sharing grant in force
    opens to this person (PRV-3); what their own scope reaches is read in their own right."""
    covering: dict[str, int] = {}
    for grants in SHARING_GRANTS.values():
        for action, grant_id in grants.covering(actor=actor, store=store, client=client).items():
            covering.setdefault(action, grant_id)
    granted, own = {}, None
    for action, grant_id in covering.items():
        mine = scope(actor, store, action)
        if mine == Scope.STORE:
            continue
        if mine == Scope.SERVED:
            if own is None:
                own = Client.objects.filter(
                    pk=client.pk, pk__in=served_client_ids(actor=actor)
                ).exists()
            if own:
                continue
        granted[action] = grant_id
    return granted


def grant_purpose(grant_id: int) -> str:
    """The use log's purpose of a read made through a sharing grant (stored as data)."""
    return f"sharing grant {grant_id}"


def require(*, actor, store, action: str, request=None, record_id: str = "") -> None:
    """Refuse an action the policy does not grant here: log the denied attempt, then 403."""
    from django.core.exceptions import PermissionDenied

    if scope(actor, store, action) is None:
        use_log(
            actor=actor,
            action=action,
            record_type=RECORD,
            record_id=record_id or "*",
            outcome="denied",
            request=request,
            store=store,
        )
        raise PermissionDenied


def client_list(*, actor, store, status: str = "") -> QuerySet[Client]:
    """Clients in scope; a client who withdrew consent leaves the list (PRV-1)."""
    qs = scoped_clients(actor=actor, store=store).only(*LIST_FIELDS)
    if status:
        return qs.filter(status=status).order_by("-code")
    return qs.exclude(status=ClientStatus.WITHDRAWN).order_by("-code")


CODE_RE = re.compile(r"^KH\d{1,8}$", re.IGNORECASE)
ID_RE = re.compile(r"^\d{17}[\dXx]$|^\d{15}$")
PHONE_RE = re.compile(r"^\+?[\d\s-]{7,20}$")
SEARCH_LIMIT = 20  # the page says so when there are more: refine the search
# What a list shows: nothing encrypted, so nothing is decrypted for a list.
LIST_FIELDS = ("pk", "code", "name", "status", "store_id")


def search_kind(query: str) -> str:
    q = query.strip()
    if CODE_RE.match(q):
        return "code"
    if ID_RE.match(q.replace(" ", "")):
        return "id_number"
    if PHONE_RE.match(q):
        return "phone"
    if pinyin_query_key(q) and q.isascii():
        return "pinyin"
    return "name"


def _prefix_range(field: str, text: str) -> dict:
    """A prefix match of letters and digits as a range [text, successor): answered from an
    index on both engines (no LIKE) and, for ASCII letters and digits, the same order under any
    collation."""
    successor = _successor(text)
    if successor is None:
        return {f"{field}__gte": text}
    return {f"{field}__gte": text, f"{field}__lt": successor}


LAST_CODE_POINT = 0x10FFFF


def _successor(text: str) -> str | None:
    """The least string greater than every string starting with ``text``: its last character
    moved on by one. The last code point (U+10FFFF) has no next one: the prefix before it moves
    on instead; a text of nothing but U+10FFFF has no upper bound (``None``). The surrogates,
    which no stored text holds, are stepped over."""
    while text and ord(text[-1]) >= LAST_CODE_POINT:
        text = text[:-1]
    if not text:
        return None
    following = ord(text[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:
        following = 0xE000
    return text[:-1] + chr(following)


SEARCH_CANDIDATES = 2000


def _ids(**lookup) -> list[int]:
    """The matching ids first, through the one index that fits (a small list); the scope and
    ordering apply to those. (Left to itself, SQLite may prefer the store index and scan.)"""
    return list(Client.objects.filter(**lookup).values_list("pk", flat=True)[:SEARCH_CANDIDATES])


def client_search(*, actor, store, query: str, request=None) -> list[Client]:
    """One search box (CLI-7): code, name, pinyin / initials (prefix, through the indexed
    SearchKey), phone and ID number (exact, through the blind index). Scoped; logged."""
    query = (query or "").strip()[:80]
    if not query:
        return []
    qs = client_list(actor=actor, store=store)
    kind = search_kind(query)
    if kind == "code":
        qs = qs.filter(**_prefix_range("code", query.upper()))
    elif kind == "id_number":
        qs = qs.filter(pk__in=_ids(id_number_index__matches=query.replace(" ", "").upper()))
    elif kind == "phone":
        try:
            phone = validation.clean_phone(query)
        except ValidationError:
            phone = "".join(ch for ch in query if ch.isdigit())
        qs = qs.filter(pk__in=_ids(phone_index__matches=phone))
    elif kind == "pinyin":
        keys = SearchKey.objects.filter(
            store=store, **_prefix_range("key", pinyin_query_key(query))
        )
        qs = qs.filter(pk__in=keys.values("client_id"))  # one query: index, then rowids
    else:
        # A name as it begins; only when nothing begins so, anywhere in the name. SQLite
        # compares text by code point, so a range answers from the (store, name) index;
        # elsewhere the collation may order names otherwise, so LIKE 'name%'.
        begins = (
            _prefix_range("name", query)
            if connection.vendor == "sqlite"
            else {"name__startswith": query}
        )
        found = list(qs.filter(**begins).only(*LIST_FIELDS).order_by("code")[: SEARCH_LIMIT + 1])
        if not found:
            qs = qs.filter(name__contains=query)
    if kind != "name" or not found:
        found = list(qs.only(*LIST_FIELDS).order_by("code")[: SEARCH_LIMIT + 1])
    use_log(
        actor=actor,
        action="search",
        record_type=RECORD,
        record_id="*",
        count=min(len(found), SEARCH_LIMIT),
        purpose=f"search ({kind})",
        request=request,
        store=store,
    )
    return SearchResults(found[:SEARCH_LIMIT], more=len(found) > SEARCH_LIMIT)


class SearchResults(list):
    """The clients found (at most ``SEARCH_LIMIT``); ``more``: there were others."""

    def __init__(self, items, *, more: bool = False):
        super().__init__(items)
        self.more = more


def client_get(
    *, actor, store, code: str, action: str = "view", request=None, purpose: str = ""
) -> Client:
    """One client, if in scope for ``action``; otherwise 404 and a denied use entry."""
    if scope(actor, store, action) == Scope.STORE:  # the whole store: one prepared statement
        client = next(iter(_BY_CODE(store=store.pk, code=code)), None)
    else:
        client = scoped_clients(actor=actor, store=store, action=action).filter(code=code).first()
    if client is None:
        use_log(
            actor=actor,
            action=action,
            record_type=RECORD,
            record_id=code,
            outcome="denied",
            request=request,
            store=store,
            purpose=purpose,
        )
        raise Http404
    via = _via_grant(actor=actor, store=store, client=client, action=action)
    if via is not None:
        purpose = grant_purpose(via)
    use_log(
        actor=actor, action=action, instance=client, request=request, store=store, purpose=purpose
    )
    return client


# A client's code inside typed text ("林小雨 KH26120001", as the combobox fills it in).
CODE_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])(KH\d{8})(?!\d)", re.IGNORECASE)


class Resolution:
    """What typed text names: one ``client``, several ``candidates`` (``more``: others too), or
    nothing (out of scope reads as nothing)."""

    def __init__(self, client=None, candidates=(), *, more: bool = False):
        self.client, self.candidates, self.more = client, list(candidates), more


def client_resolve(*, actor, store, text: str, request=None, purpose: str = "") -> Resolution:
    """The client a person means by what they typed in a client field (a code, a name, pinyin
    initials, a phone): a code names that client, a search with one result that client.

    Scoped like ``client_get`` and ``client_search`` and logged as they log: a code out of scope
    is a denied use and reads as "not found", exactly like a code that does not exist."""
    text = (text or "").strip()[:80]
    if not text:
        return Resolution()
    code = CODE_IN_TEXT.search(text)
    if code:
        try:
            return Resolution(
                client_get(
                    actor=actor,
                    store=store,
                    code=code.group(1).upper(),
                    request=request,
                    purpose=purpose,
                )
            )
        except Http404:
            return Resolution()
    found = client_search(actor=actor, store=store, query=text, request=request)
    if len(found) == 1:  # the one found is the one used: read (and logged) as by its code
        return client_resolve(actor=actor, store=store, text=found[0].code, request=request)
    return Resolution(candidates=found, more=found.more)


def can_open_by_code(user, client, store) -> bool:
    return scoped_clients(actor=user, store=store).filter(pk=client.pk).exists()


def client_view(*, actor, store, client: Client, request=None) -> dict:
    """What this person may see of a client: masked where sensitive, nothing beyond the policy."""
    allowed = {
        a
        for a in (
            "view_contact",
            "view_id",
            "view_health",
            "view_spending",
            "reveal",
            "change",
            "export",
        )
        if scope(actor, store, a) is not None
    }
    granted = _granted_parts(actor=actor, store=store, client=client)
    allowed |= set(granted)
    view = {"client": client, "can": allowed}
    if "view_contact" in allowed:
        view["phone"] = masking.mask_phone(client.phone)
        view["address"] = masking.mask_address(client.address)
    if "view_id" in allowed:
        view["id_number"] = masking.mask_id_number(client.id_number)
    if "view_health" in allowed:
        if client.health_open:
            view["health"] = HealthFile.objects.filter(client=client).first()
            use_log(
                actor=actor,
                action="view_health",
                instance=client,
                request=request,
                store=store,
                purpose=grant_purpose(granted["view_health"]) if "view_health" in granted else "",
            )
        else:
            view["health_closed"] = True
    services = None
    if "view_spending" in allowed:
        services = client.services.all()
    elif "view_health" in allowed:
        services = client.services.filter(practitioner=actor)
    if services is not None:
        # The section shows the last 20 (the visits' figures below count them all): only the
        # shown columns, not the encrypted notes (each decrypted when loaded).
        view["services"] = list(
            services.select_related("feedback").only(*SERVICE_FIELDS)[:SERVICE_LIMIT]
        )
        view["analysis"] = client_analysis(services, with_spending="view_spending" in allowed)
    if scope(actor, store, "change") == Scope.STORE:
        # Latest first; a client gives and withdraws consent a handful of times, but the page
        # reads a bounded list whatever the history.
        view["consents"] = list(
            client.consents.select_related("notice", "witness__staff_file", "recipient")[
                :CONSENT_LIMIT
            ]
        )
        # Latest first in the order they were written (the id): answered from the (record type,
        # record id) index without sorting every read of a much-read file; only what is shown.
        view["accesses"] = list(
            UseLog.objects.filter(record_type=RECORD, record_id=str(client.pk))
            .select_related("user__staff_file")
            .only(*ACCESS_FIELDS)
            .order_by("-pk")[:ACCESS_LIMIT]
        )
    return view


ACCESS_LIMIT = 10
SERVICE_LIMIT = 20
SERVICE_FIELDS = (
    "served_at",
    "item_name",
    "amount",
    "client",
    "practitioner",
    "feedback__score",
    "feedback__comments",
)
CONSENT_LIMIT = 20
ACCESS_FIELDS = (
    "at",
    "action",
    "purpose",
    "outcome",
    "user__full_name",
    "user__username",
    "user__staff_file__name",
    "user__staff_file__code",
)
CHURN_MIN_DAYS = 90


def client_analysis(services, *, with_spending: bool, today=None) -> dict:
    """ANA-1 for one client: visits, frequency, spending (if allowed), favourites, recency,
    churn risk (no visit for twice the usual interval, and at least 90 days)."""
    today = today or timezone.localdate()
    agg = services.aggregate(
        visits=Count("pk"), first=Min("served_at"), last=Max("served_at"),
        total=Sum("amount"), average=Avg("amount"),
    )  # fmt: skip
    visits = agg["visits"] or 0
    out = {
        "visits": visits,
        "first": agg["first"],
        "last": agg["last"],
        "favourites": [],
        "churn_risk": False,
    }
    if not visits:
        return out
    favourites = (
        services.values("item_name").annotate(n=Count("pk")).order_by("-n", "item_name")[:3]
    )
    out["favourites"] = [(f["item_name"], f["n"]) for f in favourites]
    span_days = max((agg["last"] - agg["first"]).days, 1)
    months = max(span_days / 30.4, 1)
    out["per_month"] = round(visits / months, 1)
    interval = span_days / (visits - 1) if visits > 1 else None
    since = (today - timezone.localtime(agg["last"]).date()).days
    out["days_since"] = since
    threshold = max(CHURN_MIN_DAYS, 2 * interval) if interval else CHURN_MIN_DAYS
    out["churn_risk"] = since > threshold
    if with_spending:
        out["total"] = agg["total"]
        out["average"] = (
            Decimal(agg["average"]).quantize(Decimal("0.01")) if agg["average"] else None
        )
    return out


REVEALABLE = {
    "phone": masking.mask_phone,
    "id_number": masking.mask_id_number,
    "address": masking.mask_address,
}


def client_reveal(*, actor, store, code: str, field: str, purpose: str, request=None) -> str:
    """The plaintext of one masked value, for a stated purpose; the reveal is logged (SEC-4)."""
    if field not in REVEALABLE:
        raise Http404
    client = client_get(
        actor=actor, store=store, code=code, action="reveal", request=request, purpose=purpose
    )
    return getattr(client, field)


def require_quality(*, actor, store, request=None) -> None:
    """The data-quality report is for those who correct client records (STO-1)."""
    if scope(actor, store, "change") != Scope.STORE:
        require(actor=actor, store=store, action="data_quality", request=request)
        raise Http404


def data_quality(*, actor, store, months: int = 6, request=None) -> dict:
    """The data-quality report (STO-1) as last computed (see ``quality``); the read is logged."""
    from . import quality

    require_quality(actor=actor, store=store, request=request)
    report = quality.report(actor=actor, store=store, months=months)
    use_log(
        actor=actor,
        action="data_quality",
        record_type=RECORD,
        record_id="*",
        count=sum((report["summary"].totals or {}).values()),
        purpose="data quality report",
        request=request,
        store=store,
    )
    return report
