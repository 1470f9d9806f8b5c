from django.db import migrations

from anxin.accounts.migration_ops import SyncDefaultRoles


class Migration(migrations.Migration):
    """Existing databases: the deciding roles get ``approvals.approve``."""

    dependencies = [("approvals", "0001_initial"), ("accounts", "0002_default_roles")]
    operations = [SyncDefaultRoles()]
