"""Writes to accounts and stores. Keyword-only, validated, atomic."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

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
    roles = []
    for key, (_label, perms) in DEFAULT_ROLES.items():
        role, _created = Role.objects.get_or_create(
            key=key, defaults={"permissions": list(perms), "is_default": True}
        )
        roles.append(role)
    return roles


@transaction.atomic
def store_create(*, name: str, short_code: str, address: str = "", phone: str = "") -> Store:
    store = Store(name=name, short_code=short_code.upper(), address=address, phone=phone)
    store.full_clean()
    store.save()
    return store


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    full_name: str = "",
    phone: str = "",
    is_superuser: bool = False,
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
def role_assign(*, user: User, store: Store, role_key: str) -> RoleAssignment:
    role = Role.objects.get(key=role_key)
    assignment, _created = RoleAssignment.objects.update_or_create(
        user=user, store=store, role=role, defaults={"active": True}
    )
    return assignment


# -- account lifecycle (SEC-6, AUD-7) ---------------------------------------------------------


@transaction.atomic
def account_onboard(
    *, actor: User, username: str, full_name: str, store: Store, role_key: str, phone: str = ""
) -> User:
    """Open a personal account for a new employee. It stays inactive until the confidentiality
    agreement and the security training are recorded (``account_activate``)."""
    user = user_create(username=username, password=None, full_name=full_name, phone=phone)
    user.is_active = False
    user.save(update_fields=["is_active"])
    role_assign(user=user, store=store, role_key=role_key)
    return user


@transaction.atomic
def agreement_record(*, actor: User, user: User, kind: str, signed_on, document: str) -> Agreement:
    agreement = Agreement(
        user=user, kind=kind, signed_on=signed_on, document=document.strip(), recorded_by=actor
    )
    agreement.full_clean()
    agreement.save()
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
    user.set_password(password)
    user.is_active = True
    user.save()
    return user


@transaction.atomic
def post_change(*, actor: User, user: User, store: Store, role_keys: list[str]) -> list[Role]:
    """A change of post: the person holds exactly these roles in this store from now on."""
    roles = list(Role.objects.filter(key__in=role_keys))
    if len(roles) != len(set(role_keys)):
        raise ValidationError(_("Unknown role."))
    RoleAssignment.objects.filter(user=user, store=store).exclude(role__in=roles).update(
        active=False
    )
    for role in roles:
        role_assign(user=user, store=store, role_key=role.key)
    return roles


@transaction.atomic
def account_offboard(*, actor: User | None, user: User, successor: User | None = None) -> dict:
    """Someone leaves: all access ends at once (account, roles, sessions, second factor),
    open work goes to the successor, and the departure audit is produced."""
    from django.contrib.sessions.models import Session
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = User.objects.select_for_update().get(pk=user.pk)
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
    transferred = {}
    for name, handler in OPEN_WORK_HANDLERS.items():
        transferred[name] = handler(user=user, successor=successor)
    return {"sessions_ended": killed, "transferred": transferred}


# Apps with open work a leaver may hold (clients, appointments, follow-ups) register a handler
# ``handler(*, user, successor) -> int`` (how many items moved) here.
OPEN_WORK_HANDLERS: dict = {}


def permission_review(*, store: Store | None = None) -> list[dict]:
    """Who can do what, per store (SEC-8): one row per active assignment."""
    from .permissions import PERMISSIONS

    rows = []
    assignments = (
        RoleAssignment.objects.filter(active=True, user__is_active=True)
        .select_related("user", "store", "role")
        .order_by("store__short_code", "user__username", "role__key")
    )
    if store is not None:
        assignments = assignments.filter(store=store)
    for a in assignments:
        rows.append(
            {
                "assignment": a,
                "store": a.store,
                "user": a.user,
                "role": a.role,
                "permissions": [str(PERMISSIONS.get(p, p)) for p in a.role.permissions],
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
    if not keep:
        assignment.active = False
        assignment.save(update_fields=["active"])
    return PermissionReview.objects.create(
        assignment=assignment, reviewer=actor, kept=keep, note=note.strip()
    )
