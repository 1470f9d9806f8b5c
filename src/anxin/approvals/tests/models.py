"""A stand-in record for the approvals tests: its table is made by ``conftest.dossier_table``.

It has what the real kinds will have (a store, a plain field, an encrypted ID number), so the
tests can prove masking and encryption before any app registers such a kind. Migrations never
see it: this module is imported by the tests only.
"""

from django.db import models

from anxin.crypto.fields import EncryptedCharField


class Dossier(models.Model):
    store = models.ForeignKey("accounts.Store", on_delete=models.CASCADE, related_name="+")
    name = models.CharField("name", max_length=60)
    id_number = EncryptedCharField("ID number", max_length=18, blank=True)
    note = models.CharField("note", max_length=100, blank=True)

    class Meta:
        app_label = "approvals"
        db_table = "approvals_test_dossier"

    def __str__(self):
        return self.name
