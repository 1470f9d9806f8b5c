"""Whether a client objected to a use (PRV-6): the senders of that use ask here first."""

from .models import Objection, ObjectionUse


def objects_to_marketing(client) -> bool:
    return Objection.objects.filter(client=client, use=ObjectionUse.MARKETING).exists()


def marketing_excluded(client_ids) -> set[int]:
    """Of these clients, those who objected to marketing messages (one query for a list)."""
    return set(
        Objection.objects.filter(client_id__in=client_ids, use=ObjectionUse.MARKETING).values_list(
            "client_id", flat=True
        )
    )
