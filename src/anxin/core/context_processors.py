from django.conf import settings


def shell(request):
    """What the page shell needs: languages for the switcher and the current store."""
    return {
        "anxin_languages": settings.LANGUAGES,
        "current_store": getattr(request, "store", None),
        # The idle warning (static/anxin/session.js) reads these from the page.
        "session_idle_seconds": settings.ANXIN_SESSION_IDLE_SECONDS,
        "session_warning_seconds": settings.ANXIN_SESSION_WARNING_SECONDS,
        "session_warning_minutes": max(1, -(-settings.ANXIN_SESSION_WARNING_SECONDS // 60)),
    }
