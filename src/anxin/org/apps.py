from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "anxin.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self):
        from anxin.accounts.permissions import VIEW_ORG
        from anxin.core import home

        home.register_link(
            "org:post_list",
            _("Organisation: departments and posts"),
            order=60,
            visible=lambda perms, request: VIEW_ORG in perms,
        )

        from anxin.core import codes

        from .models import Post

        codes.register(
            "JG",
            Post,
            "org:post_detail",
            lambda user, post, store: user.has_store_perm(VIEW_ORG, store),
        )
