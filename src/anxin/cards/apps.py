from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CardsConfig(AppConfig):
    name = "anxin.cards"
    label = "cards"
    verbose_name = _("Membership cards")

    def ready(self):
        from anxin.accounts.permissions import MANAGE_CARD_TYPES, VIEW_CARD_LIABILITY
        from anxin.core import home

        home.register_link(
            "cards:list",
            _("Membership cards"),
            order=25,
            visible=lambda perms, request: home.has_grant(perms, "cards.card.view"),
        )
        home.register_link(
            "cards:types",
            _("Card types"),
            order=26,
            visible=lambda perms, request: MANAGE_CARD_TYPES in perms,
        )
        home.register_link(
            "cards:liability",
            _("Card liability"),
            order=27,
            visible=lambda perms, request: VIEW_CARD_LIABILITY in perms,
        )
        from anxin.clients.selectors import FILE_SECTIONS

        from . import selectors, tasks  # noqa: F401 - the periodic tasks

        FILE_SECTIONS["cards"] = selectors.client_file_section
