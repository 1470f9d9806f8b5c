from django.db import migrations

from anxin.accounts.migration_ops import SyncDefaultRoles

# Audit evidence over the use log (AUD-4): reveals of a store in a period without a purpose read
# one index range (store, action, time), never the whole log. A plain index on the log's table,
# created here so the audit app's append-only model stays as it is.
INDEX = "supervision_uselog_store_action_at"


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0001_initial"),
        ("accounts", "0007_store_logo"),
        ("audit", "0004_log_store_seq_indexes"),
    ]
    operations = [
        SyncDefaultRoles(),
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON audit_uselog (store_id, action, at)",
            f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]
