from django.conf import settings
from django.utils.translation import gettext_lazy as _


def shell(request):
    """What the page shell needs: languages for the switcher and the current store."""
    store = getattr(request, "store", None)
    return {
        "anxin_languages": settings.LANGUAGES,
        "current_store": store,
        # One word for the people who serve, by the kind of store (按摩师, 美容师, 保洁员, 技师).
        "practitioner_term": store.practitioner_term if store is not None else _("Practitioner"),
        # The idle warning (static/anxin/session.js) reads these from the page.
        "session_idle_seconds": settings.ANXIN_SESSION_IDLE_SECONDS,
        "session_warning_seconds": settings.ANXIN_SESSION_WARNING_SECONDS,
        "session_warning_minutes": max(1, -(-settings.ANXIN_SESSION_WARNING_SECONDS // 60)),
    }
