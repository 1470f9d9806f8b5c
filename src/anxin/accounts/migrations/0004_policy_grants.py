from django.db import migrations


def add_policy_grants(apps, schema_editor):
    from anxin.accounts.policy import default_grants

    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(is_default=True):
        grants = [g for g in default_grants(role.key) if g not in role.permissions]
        if grants:
            role.permissions = [*role.permissions, *grants]
            role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_security")]
    operations = [migrations.RunPython(add_policy_grants, migrations.RunPython.noop)]
