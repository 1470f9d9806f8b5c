from . import selectors


def inbox(request):
    user = getattr(request, "user", None)
    return {"inbox_unread": selectors.unread_count(user=user) if user is not None else 0}
