"""The access policy (SEC-2, SEC-3): one table, role × record type × action → row scope.

A grant is written ``"<record type>.<action>:<scope>"`` (for example
``"clients.client.view_health:served"``) and held in a role's ``permissions`` like any other
permission, so roles stay data the business can change. ``POLICY`` is the table the default
roles start from; ``scope_for`` answers for a person in a store; the selectors of each app turn
the scope into a row filter. Anything not granted is denied.
"""

from enum import StrEnum
from functools import lru_cache

from django.utils.translation import gettext_lazy as _


class Scope(StrEnum):
    STORE = "store"  # every record of the acting store
    SERVED = "served"  # clients the practitioner served lately or is booked with
    OWN = "own"  # the person's own record only (their staff file, their attendance)


# Narrow to wide: with several roles, the widest grant wins.
SCOPE_ORDER = [Scope.OWN, Scope.SERVED, Scope.STORE]

ACTIONS = {
    "view": _("see the record (basic information)"),
    "view_contact": _("see contact details (masked)"),
    "view_id": _("see the ID number (masked)"),
    "view_health": _("see the health file"),
    "view_spending": _("see spending"),
    "reveal": _("reveal a masked value, with a purpose"),
    "create": _("create"),
    "change": _("change"),
    "delete": _("delete"),
    "export": _("export"),
    "approve": _("approve a change"),
    "view_pay": _("see pay and benefits"),
    "propose": _("propose a change for approval"),
    "feedback": _("record or correct the client's feedback"),
}

RECORD_TYPES = {
    "clients.client": _("client"),
    "scheduling.appointment": _("appointment"),
    "scheduling.queue": _("rotation queue"),
    "dispatch.job": _("on-site job"),
    "delivery.service": _("service record"),
    "staff.staff": _("staff file"),
    "attendance.attendance": _("attendance"),
    "performance.review": _("monthly performance"),
    "supervision.kpi": _("information-management KPIs, rewards and penalties"),
    "till.bill": _("bill (checkout)"),
    "till.close": _("daily close and daily totals"),
    "till.product": _("retail product and stock"),
    "cards.card": _("membership card"),
    "commissions.commission": _("commissions (staff pay)"),
}

S, V = Scope.STORE, Scope.SERVED

# The default policy. Practitioners: only their clients, only what the service needs (health
# file and service history; no ID number, no contact details, no spending). Finance: no health
# data. Auditor: the logs, no client records. IT and the system administrator run the system
# and read no client data.
POLICY: dict[str, dict[str, dict[str, Scope]]] = {
    "clients.client": {
        "front_desk": {
            "view": S,
            "view_contact": S,
            "view_id": S,
            "create": S,
            "change": S,
        },
        "practitioner": {"view": V, "view_health": V},
        "store_manager": {
            "view": S,
            "view_contact": S,
            "view_id": S,
            "view_health": S,
            "view_spending": S,
            "reveal": S,
            "create": S,
            "change": S,
            "export": S,
            "approve": S,
        },
        "finance": {"view": S, "view_spending": S},
        "marketing": {"view": S},
    },
    # Appointments: the front desk and the manager book and change; a practitioner sees their own
    # bookings (OWN: the bookings with them).
    "scheduling.appointment": {
        "front_desk": {"view": S, "create": S, "change": S},
        "practitioner": {"view": Scope.OWN},
        "store_manager": {"view": S, "create": S, "change": S},
    },
    # The rotation queue is visible to the floor; only the manager adjusts it.
    "scheduling.queue": {
        "front_desk": {"view": S},
        "practitioner": {"view": S},
        "store_manager": {"view": S, "change": S},
    },
    # On-site jobs: dispatched by the front desk or manager; a worker sees the jobs they are on.
    "dispatch.job": {
        "front_desk": {"view": S, "create": S, "change": S},
        "practitioner": {"view": Scope.OWN},
        "store_manager": {"view": S, "create": S, "change": S},
    },
    # Service records (CLI-4): a practitioner records and reads the services they gave to the
    # clients in their scope; the front desk and the manager for the whole store. Feedback
    # (CLI-5) comes through the client's channel: the front desk entering what the client said,
    # the manager, and the assignee of a follow-up task (checked in the service). Never the
    # practitioner who served (not even with another role), never a read-only role.
    "delivery.service": {
        "front_desk": {"view": S, "create": S, "change": S, "feedback": S},
        "practitioner": {"view": V, "create": V, "change": V},
        "store_manager": {"view": S, "create": S, "change": S, "approve": S, "feedback": S},
        "finance": {"view": S},
    },
    # Monthly performance (STF-3): the manager publishes and resolves; a practitioner sees and
    # answers their own; HR and finance read it.
    "performance.review": {
        "practitioner": {"view": Scope.OWN},
        "store_manager": {"view": S, "create": S, "change": S},
        "hr": {"view": S},
        "finance": {"view": S},
    },
}


# -- staff files and attendance (STF-1, STF-2, STF-4) --
# Everyone with a staff file sees their own file and pay, proposes their own new skills and
# trainings, clocks in and out and asks for leave. HR keeps the files; pay is HR's and
# finance's only; managers see the files (no pay) and decide leave; the attendance clerk keeps
# the time records and exports the monthly summary for payroll.
OWN = Scope.OWN
_OWN_FILE = {"view": OWN, "view_contact": OWN, "view_pay": OWN, "propose": OWN}
_OWN_TIME = {"view": OWN, "create": OWN}
_EVERYONE = (
    "front_desk",
    "practitioner",
    "store_manager",
    "hr",
    "attendance_clerk",
    "finance",
    "marketing",
    "equipment_manager",
    "purchasing",
    "information_officer",
)
POLICY["staff.staff"] = {
    **{role: dict(_OWN_FILE) for role in _EVERYONE},
    "hr": {
        **_OWN_FILE,
        "view": S,
        "view_contact": S,
        "view_pay": S,
        "create": S,
        "change": S,
    },
    "finance": {**_OWN_FILE, "view": S, "view_pay": S},
    "store_manager": {**_OWN_FILE, "view": S, "view_contact": S, "approve": S},
    "attendance_clerk": {**_OWN_FILE, "view": S},
}
POLICY["attendance.attendance"] = {
    **{role: dict(_OWN_TIME) for role in _EVERYONE},
    "attendance_clerk": {"view": S, "create": S, "change": S, "export": S},
    "hr": {"view": S, "create": OWN, "change": S, "export": S},
    "store_manager": {"view": S, "create": OWN, "change": S, "approve": S},
    "finance": {"view": S, "create": OWN},
}

# -- information-management KPIs, rewards and penalties (AUD-6) --
# Everyone sees their own KPIs and the rewards and penalties proposed to them; the manager, HR
# and the auditor see the store's; the manager computes, proposes and confirms (approve), and
# decides an appeal.
POLICY["supervision.kpi"] = {
    **{role: {"view": OWN} for role in _EVERYONE},
    "store_manager": {"view": S, "create": S, "approve": S},
    "hr": {"view": S},
    "auditor": {"view": S},
}
# -- the till (POS-1, POS-4, POS-5) --
# The front desk is the cashier: it takes payments, proposes refunds (a second person
# approves) and closes its own day. A practitioner sees only their own service lines (OWN).
# The manager and finance see every bill and the daily totals; stock is the manager's and
# purchasing's (the manager alone may sell beyond stock: "change" on products).
POLICY["till.bill"] = {
    "front_desk": {"view": S, "create": S, "change": S},
    "practitioner": {"view": OWN},
    "store_manager": {"view": S, "create": S, "change": S, "approve": S},
    "finance": {"view": S, "export": S},
}
POLICY["till.close"] = {
    "front_desk": {"view": OWN, "create": OWN},
    "store_manager": {"view": S, "create": S},
    "finance": {"view": S},
}
POLICY["till.product"] = {
    "front_desk": {"view": S},
    "store_manager": {"view": S, "create": S, "change": S},
    "purchasing": {"view": S, "create": S},
    "finance": {"view": S},
}
# -- membership cards (issue 15 §2, POS-2) --
# The front desk (cashier) issues cards, tops them up, transfers and refunds; the manager too;
# finance reads them. A practitioner sees no card (no spending).
POLICY["cards.card"] = {
    "front_desk": {"view": S, "create": S, "change": S},
    "store_manager": {"view": S, "create": S, "change": S},
    "finance": {"view": S},
}
# -- commissions (issue 15 §3, POS-3) --
# Staff pay, not client data: a practitioner sees their own commissions; the manager and
# finance see everyone's (they also set the rules and close the month: MANAGE_COMMISSIONS).
POLICY["commissions.commission"] = {
    "practitioner": {"view": OWN},
    "store_manager": {"view": S},
    "finance": {"view": S},
}


def grant(record_type: str, action: str, scope: Scope) -> str:
    return f"{record_type}.{action}:{scope.value}"


def default_grants(role_key: str) -> list[str]:
    return [
        grant(record_type, action, scope)
        for record_type, roles in POLICY.items()
        for action, scope in roles.get(role_key, {}).items()
    ]


@lru_cache(maxsize=4096)  # a pure function of the text: every scope check parses each grant
def parse_grant(text: str) -> tuple[str, str, Scope] | None:
    """``"clients.client.view:store"`` → ("clients.client", "view", Scope.STORE)."""
    name, sep, scope = text.partition(":")
    if not sep:
        return None
    record_type, _dot, action = name.rpartition(".")
    if record_type not in RECORD_TYPES or action not in ACTIONS:
        return None
    try:
        return record_type, action, Scope(scope)
    except ValueError:
        return None


def is_known_grant(text: str) -> bool:
    return parse_grant(text) is not None


def scope_for(user, store, record_type: str, action: str) -> Scope | None:
    """The widest scope any of the person's roles in this store grants; None = not allowed."""
    if store is None or user is None or not user.is_authenticated or not user.is_active:
        return None
    return best_scope(user.permissions_in(store), record_type, action)


def best_scope(perms, record_type: str, action: str) -> Scope | None:
    """The widest scope ``perms`` (a set of permission strings) grant; None = not allowed."""
    best = None
    for perm in perms:
        parsed = parse_grant(perm)
        if (
            parsed
            and parsed[0] == record_type
            and parsed[1] == action
            and (best is None or SCOPE_ORDER.index(parsed[2]) > SCOPE_ORDER.index(best))
        ):
            best = parsed[2]
    return best


def can(user, store, record_type: str, action: str) -> bool:
    return scope_for(user, store, record_type, action) is not None
