"""Who needs a second factor (SEC-7): administrators and anyone who can reveal or export."""

from .permissions import SECOND_FACTOR_PERMISSIONS


def requires_second_factor(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    from .models import Role

    roles = Role.objects.filter(assignments__user=user, assignments__active=True)
    return (
        any(set(role.permissions) & SECOND_FACTOR_PERMISSIONS for role in roles)
        or roles.filter(key="system_admin").exists()
    )
