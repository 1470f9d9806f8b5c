from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "anxin.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from anxin.core import home

        from . import sessions

        user_logged_in.connect(sessions.on_login, dispatch_uid="anxin-session-clocks")

        from .permissions import MANAGE_ACCOUNTS, MANAGE_STORE

        home.register_link(
            "accounts:store_settings",
            _("Store settings: kind of store, reminders, logo"),
            order=79,
            visible=lambda perms, request: MANAGE_STORE in perms,
        )

        for order, (url_name, label) in enumerate(
            [
                ("accounts:people", _("Accounts: onboarding, posts, leaving")),
                ("accounts:review", _("Permission review")),
            ],
            start=80,
        ):
            home.register_link(
                url_name,
                label,
                order=order,
                visible=lambda perms, request: MANAGE_ACCOUNTS in perms,
            )
