from django.conf import settings


def shell(request):
    """What the page shell needs: languages for the switcher and the current store."""
    return {
        "anxin_languages": settings.LANGUAGES,
        "current_store": getattr(request, "store", None),
    }
