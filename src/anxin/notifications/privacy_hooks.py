"""The inbox: messages to staff name a client by code only (see ``services``), never by name or
contact, so there is nothing to erase; registered so that this stays a decision, not an
oversight. Whether a client may receive marketing messages: ``privacy.objections``."""

from django.utils.translation import gettext_lazy as _

from anxin.privacy import registry

from .models import Notification

registry.register(
    "notifications",
    label=_("Notifications"),
    models=[Notification],
    anonymise=lambda clients: 0,
    keeps=_("messages to staff, which carry the client's code only"),
)
