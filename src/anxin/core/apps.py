from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "anxin.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from anxin.accounts.permissions import MANAGE_CATEGORIES

        from . import home, today

        today.register()

        home.register_link(
            "core:category_index",
            _("Category code tables"),
            order=61,
            visible=lambda perms, request: MANAGE_CATEGORIES in perms,
        )
