from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "anxin.api"
    label = "api"
    verbose_name = _("API")

    def ready(self):
        from anxin.accounts.services import ACCESS_REVOKERS
        from anxin.core import home

        from . import services
        from .permissions import USE_API

        ACCESS_REVOKERS["api tokens"] = services.tokens_revoke_all
        home.register_link(
            "api:tokens",
            _("API tokens"),
            order=85,
            visible=lambda perms, request: USE_API in perms,
        )
