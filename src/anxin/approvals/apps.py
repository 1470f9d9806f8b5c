from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "anxin.approvals"
    label = "approvals"
    verbose_name = _("Approvals")

    def ready(self):
        from . import kinds

        kinds.register_all()
