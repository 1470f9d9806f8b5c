"""Who needs a second factor (SEC-7): administrators and anyone who can reveal or export."""

from .permissions import SECOND_FACTOR_PERMISSIONS
from .policy import parse_grant

SECOND_FACTOR_ACTIONS = {"reveal", "export"}


def needs_factor(permission: str) -> bool:
    if permission in SECOND_FACTOR_PERMISSIONS:
        return True
    parsed = parse_grant(permission)
    return parsed is not None and parsed[1] in SECOND_FACTOR_ACTIONS


def requires_second_factor(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    roles = [role for _store_id, role in user.assigned_roles()]
    return any(needs_factor(p) for role in roles for p in role.permissions) or any(
        role.key == "system_admin" for role in roles
    )
