"""Writes to accounts and stores. Keyword-only, validated, atomic, in the operation log (AUD-1).

``actor`` None means the system (set-up, demo data, the command line).
"""

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.audit.models import UseLog, UseOutcome
from anxin.audit.services import diff, operation_log, use_log

from .models import (
    Agreement,
    PermissionReview,
    Role,
    RoleAssignment,
    Store,
    TrainingRecord,
    User,
)
from .permissions import DEFAULT_ROLES


def roles_ensure_defaults() -> list[Role]:
    """Create the default roles of SEC-2 where missing; leaves edited ones alone."""
    from .policy import default_grants

    roles = []
    for key, (_label, perms) in DEFAULT_ROLES.items():
        role, _created = Role.objects.get_or_create(
            key=key,
            defaults={"permissions": [*perms, *default_grants(key)], "is_default": True},
        )
        roles.append(role)
    return roles


# Never in the operation log in clear: the password hash is a secret, the phone is personal
# data an auditor does not need (SEC-3, SEC-4). They are logged as {"changed": true}.
USER_SENSITIVE = frozenset({"password", "phone"})
USER_FIELDS = ("username", "full_name", "phone", "is_active", "is_staff", "is_superuser")


def _user_state(user: User) -> dict:
    state = {name: getattr(user, name) for name in USER_FIELDS}
    state["password"] = user.password
    return state


def _roles_held(user: User, store: Store | None = None) -> list[str]:
    """Active roles as ``STORE:role`` (or just ``role`` within one store), sorted."""
    rows = RoleAssignment.objects.filter(user=user, active=True)
    if store is not None:
        return sorted(rows.filter(store=store).values_list("role__key", flat=True))
    return sorted(f"{s}:{r}" for s, r in rows.values_list("store__short_code", "role__key"))


@transaction.atomic
def store_create(
    *,
    name: str,
    short_code: str,
    address: str = "",
    phone: str = "",
    store_type: str = "",
    actor: User | None = None,
) -> Store:
    store = Store(name=name, short_code=short_code.upper(), address=address, phone=phone)
    if store_type:
        store.store_type = store_type
    store.full_clean()
    store.save()
    after = {
        f: getattr(store, f)
        for f in ("name", "short_code", "address", "phone", "store_type", "active")
    }
    operation_log(
        actor=actor, action="create", instance=store, changes=diff({}, after), store=store
    )
    return store


@transaction.atomic
def store_settings_update(
    *,
    actor: User | None,
    store: Store,
    reminder_names_service: bool | None = None,
    store_type: str | None = None,
    logo: bytes | None = None,
    remove_logo: bool = False,
) -> Store:
    """Change a store's settings; ``None`` leaves one as it is. Logged with before and after.

    ``logo`` is the content of a new logo (checked by ``accounts.logo.read_logo``: PNG or JPEG of
    bounded size); ``remove_logo`` takes the logo away. A refused logo changes nothing."""
    from django.core.files.base import ContentFile

    from .logo import read_logo

    image = read_logo(logo) if logo is not None else None
    current = Store.objects.select_for_update().get(pk=store.pk)
    fields = ("reminder_names_service", "store_type")
    before = {f: getattr(current, f) for f in fields}
    before["logo"] = bool(current.logo)
    if reminder_names_service is not None:
        current.reminder_names_service = bool(reminder_names_service)
    if store_type is not None:
        current.store_type = store_type
    after = {f: getattr(current, f) for f in fields}
    old_logo = current.logo.name if current.logo else ""
    if image is not None or remove_logo:
        current.logo_width = image.width if image else 0
        current.logo_height = image.height if image else 0
    after["logo"] = image is not None or (bool(current.logo) and not remove_logo)
    changes = diff(before, after)
    if image is not None:
        changes["logo"] = {
            "before": before["logo"],
            "after": f"{image.kind.upper()} {image.width}×{image.height}",
        }
    if changes:
        current.full_clean(exclude=["logo"])
        if image is not None:
            name = f"{current.short_code.lower()}-{secrets.token_hex(8)}.{image.kind.replace('jpeg', 'jpg')}"
            current.logo.save(name, ContentFile(logo), save=False)
        elif remove_logo:
            current.logo = ""
        current.save()
        operation_log(
            actor=actor, action="update", instance=current, changes=changes, store=current
        )
        if old_logo and (image is not None or remove_logo):
            storage = current.logo.storage
            transaction.on_commit(lambda: storage.delete(old_logo))
    return current


def _user_new(
    *, username: str, password: str | None, full_name: str, phone: str, is_superuser: bool
) -> User:
    user = User(username=username, full_name=full_name, phone=phone, is_superuser=is_superuser)
    user.is_staff = is_superuser
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    full_name: str = "",
    phone: str = "",
    is_superuser: bool = False,
    actor: User | None = None,
) -> User:
    user = _user_new(
        username=username,
        password=password,
        full_name=full_name,
        phone=phone,
        is_superuser=is_superuser,
    )
    after = _user_state(user)
    if not password:
        del after["password"]  # no password to speak of: the account cannot log in yet
    operation_log(
        actor=actor,
        action="create",
        instance=user,
        changes=diff({}, after, USER_SENSITIVE),
        sensitive=USER_SENSITIVE,
    )
    return user


def _role_grant(*, user: User, store: Store, role: Role) -> tuple[RoleAssignment, bool]:
    """Hold ``role`` in ``store`` from now on; True if that is a change."""
    assignment = (
        RoleAssignment.objects.select_for_update().filter(user=user, store=store, role=role).first()
    )
    if assignment is None:
        return RoleAssignment.objects.create(user=user, store=store, role=role, active=True), True
    if assignment.active:
        return assignment, False
    assignment.active = True
    assignment.save(update_fields=["active"])
    return assignment, True


@transaction.atomic
def role_assign(
    *, user: User, store: Store, role_key: str, actor: User | None = None
) -> RoleAssignment:
    """Grant a role in a store. Granting a role already held changes (and logs) nothing."""
    role = Role.objects.get(key=role_key)
    before = _roles_held(user, store)
    assignment, changed = _role_grant(user=user, store=store, role=role)
    if changed:
        operation_log(
            actor=actor,
            action="grant",
            instance=user,
            changes=diff({"roles": before}, {"roles": _roles_held(user, store)}),
            store=store,
        )
    return assignment


# -- account lifecycle (SEC-6, AUD-7) ---------------------------------------------------------


@transaction.atomic
def account_onboard(
    *, actor: User, username: str, full_name: str, store: Store, role_key: str, phone: str = ""
) -> User:
    """Open a personal account for a new employee. It stays inactive until the confidentiality
    agreement and the security training are recorded (``account_activate``)."""
    role = Role.objects.filter(key=role_key).first()
    if role is None:
        raise ValidationError(_("Unknown role."))
    user = _user_new(
        username=username, password=None, full_name=full_name, phone=phone, is_superuser=False
    )
    user.is_active = False
    user.save(update_fields=["is_active"])
    _role_grant(user=user, store=store, role=role)
    after = _user_state(user)
    del after["password"]  # unusable until activation
    after["roles"] = _roles_held(user, store)
    operation_log(
        actor=actor,
        action="onboard",
        instance=user,
        changes=diff({}, after, USER_SENSITIVE),
        sensitive=USER_SENSITIVE,
        store=store,
    )
    return user


@transaction.atomic
def agreement_record(*, actor: User, user: User, kind: str, signed_on, document: str) -> Agreement:
    agreement = Agreement(
        user=user, kind=kind, signed_on=signed_on, document=document.strip(), recorded_by=actor
    )
    agreement.full_clean()
    agreement.save()
    after = {"user": user.pk, "kind": kind, "signed_on": signed_on, "document": agreement.document}
    operation_log(actor=actor, action="create", instance=agreement, changes=diff({}, after))
    return agreement


@transaction.atomic
def training_record(
    *, actor: User, user: User, topic: str, course: str, date, result: str
) -> TrainingRecord:
    record = TrainingRecord(
        user=user, topic=topic, course=course.strip(), date=date, result=result, recorded_by=actor
    )
    record.full_clean()
    record.save()
    after = {
        "user": user.pk,
        "topic": topic,
        "course": record.course,
        "date": date,
        "result": result,
    }
    operation_log(actor=actor, action="create", instance=record, changes=diff({}, after))
    return record


def activation_missing(user: User) -> list[str]:
    """What still stands between this account and activation, in the user's language."""
    missing = []
    if not user.agreements.filter(kind=Agreement.Kind.CONFIDENTIALITY).exists():
        missing.append(_("a signed confidentiality agreement"))
    if not user.trainings.filter(
        topic=TrainingRecord.Topic.SECURITY, result=TrainingRecord.Result.PASSED
    ).exists():
        missing.append(_("passed information-security training"))
    return missing


@transaction.atomic
def account_activate(*, actor: User, user: User, password: str) -> User:
    """Activate an onboarded account with its first password (SEC-6)."""
    from django.contrib.auth.password_validation import validate_password

    user = User.objects.select_for_update().get(pk=user.pk)
    missing = activation_missing(user)
    if missing:
        raise ValidationError(
            _("The account cannot be opened yet; missing: %(missing)s.")
            % {"missing": "; ".join(str(m) for m in missing)}
        )
    validate_password(password, user)
    before = _user_state(user)
    user.set_password(password)
    user.is_active = True
    user.save()
    # The password itself never reaches the log, nor its hash: only that it changed.
    operation_log(
        actor=actor,
        action="activate",
        instance=user,
        changes=diff(before, _user_state(user), USER_SENSITIVE),
        sensitive=USER_SENSITIVE,
    )
    return user


@transaction.atomic
def post_change(*, actor: User, user: User, store: Store, role_keys: list[str]) -> list[Role]:
    """A change of post: the person holds exactly these roles in this store from now on."""
    roles = list(Role.objects.filter(key__in=role_keys))
    if len(roles) != len(set(role_keys)):
        raise ValidationError(_("Unknown role."))
    before = _roles_held(user, store)
    RoleAssignment.objects.filter(user=user, store=store).exclude(role__in=roles).update(
        active=False
    )
    for role in roles:
        _role_grant(user=user, store=store, role=role)
    after = _roles_held(user, store)
    if after != before:
        operation_log(
            actor=actor,
            action="post_change",
            instance=user,
            changes=diff({"roles": before}, {"roles": after}),
            store=store,
        )
    return roles


@transaction.atomic
def account_offboard(*, actor: User | None, user: User, successor: User | None = None) -> dict:
    """Someone leaves: all access ends at once (account, roles, sessions, second factor),
    open work goes to the successor, and the departure audit is produced."""
    from django.contrib.sessions.models import Session
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = User.objects.select_for_update().get(pk=user.pk)
    before = {
        **_user_state(user),
        "offboarded_at": user.offboarded_at,
        "roles": _roles_held(user),
        "second_factor_devices": TOTPDevice.objects.filter(user=user).count(),
    }
    user.is_active = False
    user.offboarded_at = timezone.now()
    user.set_unusable_password()
    user.save()
    RoleAssignment.objects.filter(user=user).update(active=False)
    TOTPDevice.objects.filter(user=user).delete()
    killed = 0
    for session in Session.objects.filter(expire_date__gte=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            killed += 1
    revoked = {name: revoke(user=user) for name, revoke in ACCESS_REVOKERS.items()}
    transferred = {}
    for name, handler in OPEN_WORK_HANDLERS.items():
        transferred[name] = handler(user=user, successor=successor)
    after = {
        **_user_state(user),
        "offboarded_at": user.offboarded_at,
        "roles": [],
        "second_factor_devices": 0,
        "sessions_ended": killed,
        "access_revoked": revoked,
        "successor": successor.pk if successor is not None else None,
        "transferred": transferred,
    }
    operation_log(
        actor=actor,
        action="offboard",
        instance=user,
        changes=diff(before, after, USER_SENSITIVE),
        sensitive=USER_SENSITIVE,
    )
    report = departure_report(user=user, actor=actor)
    return {
        "sessions_ended": killed,
        "access_revoked": revoked,
        "transferred": transferred,
        "departure_report": report,
    }


DEPARTURE_PURPOSE = "departure audit"  # stored as data, the same in every language


def departure_report(
    *,
    user: User,
    days: int = 90,
    actor: User | None = None,
    store: Store | None = None,
    request=None,
) -> list[dict]:
    """What a leaver read in their last ``days`` days, from the use log (SEC-6).

    The period ends when they left (now, for someone still here), so the report reads the same
    months later; anything logged after leaving is included too. One row per record (type, id,
    code): how many uses, how many of them refused, which kinds of use, and when last; most
    recent first. ``store`` limits it to that store's entries (and store-less ones). Reading
    the report is itself a use, logged for ``actor`` (None: the system).
    """
    since = (user.offboarded_at or timezone.now()) - dt.timedelta(days=days)
    entries = UseLog.objects.filter(user=user, at__gte=since)
    if store is not None:
        entries = entries.filter(Q(store=store) | Q(store__isnull=True))
    groups = (
        entries.values("record_type", "record_id", "record_code", "action")
        .annotate(
            uses=Count("pk"),
            denied=Count("pk", filter=Q(outcome=UseOutcome.DENIED)),
            last=Max("at"),
        )
        .order_by()
    )
    rows: dict[tuple, dict] = {}
    for g in groups:
        key = (g["record_type"], g["record_id"], g["record_code"])
        row = rows.setdefault(
            key,
            {
                "record_type": g["record_type"],
                "record_id": g["record_id"],
                "record_code": g["record_code"],
                "record": g["record_code"] or g["record_id"],
                "uses": 0,
                "denied": 0,
                "actions": [],
                "last": g["last"],
            },
        )
        row["uses"] += g["uses"]
        row["denied"] += g["denied"]
        row["actions"] = sorted({*row["actions"], g["action"]})
        row["last"] = max(row["last"], g["last"])
    report = sorted(rows.values(), key=lambda r: (r["record_type"], r["record_id"]))
    report.sort(key=lambda r: r["last"], reverse=True)
    use_log(
        actor=actor,
        action="report",
        instance=user,
        purpose=DEPARTURE_PURPOSE,
        count=len(report),
        request=request,
        store=store,
    )
    return report


# Apps with open work a leaver may hold (clients, appointments, follow-ups) register a handler
# ``handler(*, user, successor) -> int`` (how many items moved) here.
OPEN_WORK_HANDLERS: dict = {}

# Apps that give access other than a session (API tokens) register ``revoke(*, user) -> int``
# (how many credentials ended) here; offboarding calls each in its transaction.
ACCESS_REVOKERS: dict = {}


def permission_review(*, store: Store | None = None) -> list[dict]:
    """Who can do what, per store (SEC-8): one row per active assignment."""
    from anxin.audit.display import grant_label

    from .names import staff_secrets

    rows = []
    assignments = (
        RoleAssignment.objects.filter(active=True, user__is_active=True)
        # The page names each person (their staff file's name): one query, nothing decrypted.
        .select_related("user__staff_file", "store", "role")
        .defer(*staff_secrets("user__staff_file"))
        .order_by("store__short_code", "user__username", "role__key")
    )
    if store is not None:
        assignments = assignments.filter(store=store)
    # Each role's permissions in words once, not once per person holding it (issue 11: 1,400
    # labels, 0.4 s of lazy translations, for a store's 71 assignments).
    labels: dict[int, list[str]] = {}
    for a in assignments:
        if a.role_id not in labels:
            labels[a.role_id] = [grant_label(p) for p in a.role.permissions]
        rows.append(
            {
                "assignment": a,
                "store": a.store,
                "user": a.user,
                "role": a.role,
                "permissions": labels[a.role_id],
            }
        )
    return rows


@transaction.atomic
def permission_review_decide(
    *, actor: User, assignment: RoleAssignment, keep: bool, note: str = ""
) -> PermissionReview:
    """A manager confirms or revokes one assignment; the decision is kept (and logged)."""
    if assignment.user_id == actor.pk:
        raise ValidationError(_("Nobody reviews their own permissions."))
    before = _roles_held(assignment.user, assignment.store)
    if not keep:
        assignment.active = False
        assignment.save(update_fields=["active"])
    review = PermissionReview.objects.create(
        assignment=assignment, reviewer=actor, kept=keep, note=note.strip()
    )
    decision = {"role": assignment.role.key, "kept": keep, "review": review.pk}
    operation_log(
        actor=actor,
        action="review",
        instance=assignment.user,
        changes=diff(
            {"roles": before},
            {"roles": _roles_held(assignment.user, assignment.store), "decision": decision},
        ),
        reason=review.note,
        store=assignment.store,
    )
    return review
