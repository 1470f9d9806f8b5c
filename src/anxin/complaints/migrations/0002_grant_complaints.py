from django.db import migrations

from anxin.accounts.migration_ops import SyncDefaultRoles


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_complaints_and_reports"), ("accounts", "0007_store_logo")]
    operations = [SyncDefaultRoles()]
