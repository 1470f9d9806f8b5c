"""Writes to accounts and stores. Keyword-only, validated, atomic."""

from django.db import transaction

from .models import Role, RoleAssignment, Store, User
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
