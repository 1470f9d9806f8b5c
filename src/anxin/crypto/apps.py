from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CryptoConfig(AppConfig):
    name = "anxin.crypto"
    label = "crypto"
    verbose_name = _("Encryption")

    def ready(self):
        from django.core.signals import setting_changed
        from django.db.models.signals import post_migrate

        from anxin.crypto import keyring

        # A flush (tests) or migration may remove data keys this process has cached.
        post_migrate.connect(keyring.forget_cached_keys, dispatch_uid="crypto-forget-keys")
        setting_changed.connect(keyring.on_setting_changed, dispatch_uid="crypto-settings")
