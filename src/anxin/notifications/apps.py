from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "anxin.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from anxin.core import home

        home.register_link(
            "notifications:inbox", _("Inbox"), order=1, visible=lambda perms, request: True
        )
