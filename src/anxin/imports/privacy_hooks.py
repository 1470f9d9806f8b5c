"""Imports: the uploaded file (which holds personal data) is erased when its job ends, and a
job keeps only row numbers and messages; no row links to a client. Nothing to copy or erase."""

from django.utils.translation import gettext_lazy as _

from anxin.privacy import registry

from .models import ImportJob

registry.register(
    "imports",
    label=_("Imports"),
    models=[ImportJob],
    anonymise=lambda clients: 0,
    keeps=_("import jobs: row numbers and messages, the file itself erased when the job ends"),
)
