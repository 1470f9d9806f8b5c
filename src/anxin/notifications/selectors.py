from django.core.cache import cache
from django.db.models import QuerySet

from .models import Notification


def inbox(*, user) -> QuerySet[Notification]:
    """Only one's own notifications, ever."""
    return Notification.objects.filter(recipient=user).select_related("store")


def unread_count(*, user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


# The header shows the unread count on every page: kept a minute per person, worked out again
# after the person's own change (``core.home.changed``: reading their inbox is a POST) and, in
# this process, as soon as something is sent to them (``forget_unread``).
UNREAD_SECONDS = 60


def _unread_key(user_pk) -> str:
    return f"inbox-unread:{user_pk}"


def unread_count_kept(request) -> int:
    """``unread_count`` of the request's person, at most a minute old (none of their own
    changes since)."""
    from anxin.core.home import changed_at

    user = request.user
    if not user.is_authenticated:
        return 0
    stamp = changed_at(request)
    kept = cache.get(_unread_key(user.pk))
    if kept is not None and kept[0] == stamp:
        return kept[1]
    count = unread_count(user=user)
    cache.set(_unread_key(user.pk), (stamp, count), UNREAD_SECONDS)
    return count


def forget_unread(user_pks) -> None:
    cache.delete_many([_unread_key(pk) for pk in user_pks])
