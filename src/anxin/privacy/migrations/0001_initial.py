from django.db import migrations


class Migration(migrations.Migration):
    """The privacy app's first migration: the areas add their models in later ones."""

    initial = True
    dependencies = []
    operations = []
