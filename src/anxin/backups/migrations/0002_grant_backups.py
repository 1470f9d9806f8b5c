from django.db import migrations

from anxin.accounts.migration_ops import SyncDefaultRoles


class Migration(migrations.Migration):
    """Existing databases: administrators (and information officers, to view) get backups."""

    dependencies = [("backups", "0001_initial"), ("accounts", "0004_policy_grants")]
    operations = [SyncDefaultRoles()]
