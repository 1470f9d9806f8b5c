from django.db import migrations

from anxin.accounts.migration_ops import SyncDefaultRoles


class Migration(migrations.Migration):
    """Existing databases: the auditing roles get ``audit.view_alerts``."""

    dependencies = [("audit", "0002_append_only"), ("accounts", "0002_default_roles")]
    operations = [SyncDefaultRoles()]
