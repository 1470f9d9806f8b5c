from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "anxin.catalogue"
    label = "catalogue"
    verbose_name = _("Service items and promotions")

    def ready(self):
        from anxin.core import codes, home

        from . import approval_kinds, selectors
        from .models import Promotion, ServiceItem

        home.register_link(
            "catalogue:item_list",
            _("Service items"),
            order=30,
            visible=lambda perms, request: bool(perms),
        )
        home.register_link(
            "catalogue:promotion_list",
            _("Promotions"),
            order=31,
            visible=lambda perms, request: bool(perms),
        )
        codes.register("XM", ServiceItem, "catalogue:item_detail", selectors.can_open_item)
        codes.register("CX", Promotion, "catalogue:promotion_detail", selectors.can_open_promotion)
        approval_kinds.register_all()

        from anxin.imports.base import register

        from .importer import ItemImporter

        register(ItemImporter())
