"""Helpers shared by Anxin's management commands."""

from django.core.management.base import CommandError
from django.db.utils import OperationalError, ProgrammingError


def require_migrated():
    """Fail clearly when the database is unreachable or not migrated yet."""
    from anxin.accounts.models import Store

    try:
        Store.objects.exists()
    except (OperationalError, ProgrammingError) as exc:
        raise CommandError(
            f"the database is not ready ({exc}). Run 'anxin migrate' first, "
            "and check DATABASE_URL if you set it."
        ) from exc
