"""The till's money rows are append-only at the database too (a paid bill is immutable), and
the default roles receive the till's grants (front desk = cashier, manager, finance, ...)."""

from django.db import migrations

from anxin.accounts.migration_ops import SyncDefaultRoles
from anxin.core.db import AppendOnly

# The switch is the audit purge's: only ``flush`` (an emptied test database) deletes.
SWITCH = "audit_purge"


class Migration(migrations.Migration):
    dependencies = [("till", "0001_initial"), ("accounts", "0007_store_logo")]
    operations = [
        AppendOnly("till_bill", SWITCH),
        AppendOnly("till_billline", SWITCH),
        AppendOnly("till_payment", SWITCH),
        AppendOnly("till_dailyclose", SWITCH),
        AppendOnly("till_stockmovement", SWITCH),
        AppendOnly("till_stocktake", SWITCH),
        AppendOnly("till_stocktakeline", SWITCH),
        SyncDefaultRoles(),
    ]
