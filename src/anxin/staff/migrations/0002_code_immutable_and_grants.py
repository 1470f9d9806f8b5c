from django.db import migrations

from anxin.accounts.migration_ops import SyncDefaultRoles
from anxin.core.db import ProtectColumns


class Migration(migrations.Migration):
    dependencies = [("staff", "0001_initial"), ("accounts", "0004_policy_grants")]
    operations = [
        ProtectColumns("staff_staffmember", ["code"]),
        # The staff-file and attendance grants of the default roles (accounts.policy).
        SyncDefaultRoles(),
    ]
