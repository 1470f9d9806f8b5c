from . import selectors


def inbox(request):
    user = getattr(request, "user", None)
    if user is None or not hasattr(request, "session"):
        return {"inbox_unread": 0}
    return {"inbox_unread": selectors.unread_count_kept(request)}
