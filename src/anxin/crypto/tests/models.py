"""Models for the crypto tests only: their tables are created by ``conftest.crypto_tables``.

No app has encrypted fields yet, so these stand in for them. They live in the crypto app's
registry for the test session only; migrations never see them (this module is not imported
outside the tests).
"""

from django.db import models

from anxin.crypto.fields import (
    BlindIndexField,
    BlindIndexMixin,
    EncryptedCharField,
    EncryptedTextField,
)


class Secret(BlindIndexMixin, models.Model):
    note = EncryptedTextField(null=True, blank=True)
    id_number = EncryptedCharField(max_length=18, blank=True)
    id_number_index = BlindIndexField(source="id_number", purpose="id_number")
    phone = EncryptedCharField(max_length=20, null=True, blank=True)
    phone_index = BlindIndexField(source="phone", purpose="phone")
    plain = models.TextField(blank=True)  # unencrypted: proves the raw-bytes scanner finds text

    class Meta:
        app_label = "crypto"
        db_table = "crypto_test_secret"

    def __str__(self):
        return f"secret {self.pk}"


class OtherSecret(models.Model):
    note = EncryptedTextField(null=True, blank=True)

    class Meta:
        app_label = "crypto"
        db_table = "crypto_test_othersecret"

    def __str__(self):
        return f"other secret {self.pk}"


TEST_MODELS = [Secret, OtherSecret]
