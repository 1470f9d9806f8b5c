from django.db import migrations

from anxin.core.db import ProtectColumns


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]
    operations = [
        ProtectColumns("catalogue_serviceitem", ["code"]),
        ProtectColumns("catalogue_promotion", ["code"]),
    ]
