"""Each bill line keeps a copy of its bill's ``paid_at`` (``BillPaidAt``), indexed with the
practitioner: a practitioner's month of lines is one index range. The lines written before
are filled in from their bills; the append-only guard is lifted for that one statement only."""

from django.conf import settings
from django.db import migrations, models

import anxin.till.models
from anxin.core.db import AppendOnly

TABLE, SWITCH = "till_billline", "audit_purge"


def fill_in(apps, schema_editor):
    builder = AppendOnly.builders.get(schema_editor.connection.vendor)
    guard, unguard = builder(TABLE, SWITCH) if builder else ([], [])
    for statement in unguard:
        schema_editor.execute(statement, params=None)
    schema_editor.execute(
        "UPDATE till_billline SET paid_at = "
        "(SELECT till_bill.paid_at FROM till_bill WHERE till_bill.id = till_billline.bill_id)",
        params=None,
    )
    for statement in guard:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0003_item_allows_parallel_bookings"),
        ("clients", "0009_consent_recipient"),
        ("till", "0003_line_refund_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="billline",
            name="paid_at",
            field=anxin.till.models.BillPaidAt(editable=False, null=True, verbose_name="paid at"),
        ),
        migrations.RunPython(fill_in, migrations.RunPython.noop, hints={"anxin_sql": True}),
        migrations.AddIndex(
            model_name="billline",
            index=models.Index(
                fields=["practitioner", "paid_at"], name="till_line_practitioner_paid"
            ),
        ),
    ]
