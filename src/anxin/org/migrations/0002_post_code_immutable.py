from django.db import migrations

from anxin.core.db import ProtectColumns


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [ProtectColumns("org_post", ["code"])]
