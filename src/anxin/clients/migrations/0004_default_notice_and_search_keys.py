from django.db import migrations




def seed(apps, schema_editor):
    from anxin.clients.notice import DEFAULT_EFFECTIVE, DEFAULT_NOTICE, DEFAULT_VERSION
    from anxin.clients.pinyin import name_keys

    PrivacyNotice = apps.get_model("clients", "PrivacyNotice")
    if not PrivacyNotice.objects.exists():
        PrivacyNotice.objects.create(
            version=DEFAULT_VERSION, text=DEFAULT_NOTICE, effective_from=DEFAULT_EFFECTIVE
        )

    Client = apps.get_model("clients", "Client")
    SearchKey = apps.get_model("clients", "SearchKey")
    rows = [
        SearchKey(client_id=c.pk, store_id=c.store_id, key=k)
        for c in Client.objects.only("pk", "store_id", "name").iterator()
        for k in name_keys(c.name)
    ]
    SearchKey.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("clients", "0003_registration")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
