# Service-record notes may hold health information: encrypt the ones already stored, then make
# the column an encrypted field (the column type stays text).

import anxin.crypto.fields
from django.db import migrations

BATCH = 500


def _context(model) -> str:
    # What ``EncryptedTextField`` binds a ciphertext to: ``<table>.<column>``.
    return f"{model._meta.db_table}.notes"


def _rewrite(model, convert) -> None:
    """Each non-empty note through ``convert``, in primary-key batches (the historical model
    still reads and writes the column as it is, without any encryption)."""
    last = 0
    while True:
        rows = list(
            model.objects.filter(pk__gt=last)
            .exclude(notes="")
            .order_by("pk")
            .values_list("pk", "notes")[:BATCH]
        )
        if not rows:
            return
        for pk, value in rows:
            new = convert(value)
            if new != value:
                model.objects.filter(pk=pk).update(notes=new)
        last = rows[-1][0]


def _is_token(value: str, context: str) -> bool:
    from anxin.crypto import cipher
    from anxin.crypto.exceptions import DecryptionError

    try:
        cipher.decrypt(value, context=context)
    except DecryptionError:
        return False
    return True


def encrypt_notes(apps, schema_editor):
    from anxin.crypto import cipher

    ServiceRecord = apps.get_model("clients", "ServiceRecord")
    context = _context(ServiceRecord)
    _rewrite(
        ServiceRecord,
        lambda value: value
        if value is None or _is_token(value, context)  # run twice: encrypted once only
        else cipher.encrypt(value, context=context),
    )


def decrypt_notes(apps, schema_editor):
    from anxin.crypto import cipher

    ServiceRecord = apps.get_model("clients", "ServiceRecord")
    context = _context(ServiceRecord)
    _rewrite(
        ServiceRecord,
        lambda value: cipher.decrypt(value, context=context)
        if value is not None and _is_token(value, context)
        else value,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('clients', '0005_merge'),
        ('crypto', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(encrypt_notes, decrypt_notes),
        migrations.AlterField(
            model_name='servicerecord',
            name='notes',
            field=anxin.crypto.fields.EncryptedTextField(blank=True, max_length=2000, verbose_name='notes'),
        ),
    ]
