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
    }
