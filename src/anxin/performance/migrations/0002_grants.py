from django.db import migrations

from anxin.accounts.migration_ops import SyncDefaultRoles


class Migration(migrations.Migration):
    dependencies = [("performance", "0001_initial"), ("accounts", "0004_policy_grants")]
    operations = [SyncDefaultRoles()]
