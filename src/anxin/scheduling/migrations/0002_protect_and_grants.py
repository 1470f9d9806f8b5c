from django.db import migrations

from anxin.accounts.migration_ops import SyncDefaultRoles
from anxin.core.db import ProtectColumns


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial"), ("accounts", "0004_policy_grants")]
    operations = [ProtectColumns("scheduling_appointment", ["code"]), SyncDefaultRoles()]
