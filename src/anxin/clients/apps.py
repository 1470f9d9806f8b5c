from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "anxin.clients"
    label = "clients"
    verbose_name = _("Clients")

    def ready(self):
        from anxin.core import home

        home.register_link(
            "clients:list",
            _("Clients"),
            order=10,
            visible=lambda perms, request: home.has_grant(perms, "clients.client.view"),
        )

        from anxin.core import codes

        from . import selectors
        from .models import Client

        codes.register("KH", Client, "clients:detail", selectors.can_open_by_code)

        from . import approval_kinds

        approval_kinds.register_all()

        from anxin.imports.base import register

        from .importer import ClientImporter

        register(ClientImporter())
