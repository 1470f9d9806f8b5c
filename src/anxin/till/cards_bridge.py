"""The membership-card contract with ``anxin.cards`` (issue 15 §2), used only when installed.

``anxin.cards.services.charge_card(*, card, client, store, amount, user, reference, item_ids)``
returns a ledger movement or raises ``ValidationError``; ``reverse_charge(*, movement, user,
reason)`` reverses one; ``anxin.cards.selectors.cards_for_checkout(user, client, store)`` lists
``(card, description, suggested)``. The till keeps the movement's id as a plain integer.
"""

from django.apps import apps


def installed() -> bool:
    return apps.is_installed("anxin.cards")


def cards_for_checkout(*, user, client, store, balances: bool = True) -> list:
    """``balances=False``: the cards alone, without reading their ledgers (a checkout POST
    checks only which card pays; the charge reads its balance under the lock)."""
    if not installed() or client is None:
        return []
    from anxin.cards.selectors import cards_for_checkout as offered

    if not balances:
        return list(offered(user, client, store, balances=False))
    return list(offered(user, client, store))


def card_by_key(*, store, key: str):
    """A card of this store by its id or its number (one the form did not list: the cards app
    then says why it cannot pay), or None."""
    from anxin.cards.models import Card

    key = (key or "").strip()[:20]
    if not installed() or not key:
        return None
    found = Card.objects.filter(store=store)
    found = found.filter(pk=int(key)) if key.isdigit() else found.filter(number=key)
    return found.select_related("card_type").first()


def charge(*, card, client, store, amount, user, reference: str, item_ids=None, at=None):
    from anxin.cards.services import charge_card

    return charge_card(
        card=card,
        client=client,
        store=store,
        amount=amount,
        user=user,
        reference=reference,
        item_ids=item_ids,
        at=at,
        savepoint=False,  # a refused charge refuses the bill, whose transaction rolls back
    )


def _movement_model():
    models = list(apps.get_app_config("cards").get_models())
    for name in ("cardmovement", "movement"):
        for model in models:
            if model._meta.model_name == name:
                return model
    return next(m for m in models if "movement" in m._meta.model_name)


def reverse(*, movement_id: int, user, reason: str):
    from anxin.cards.services import reverse_charge

    movement = _movement_model()._default_manager.get(pk=movement_id)
    return reverse_charge(movement=movement, user=user, reason=reason)
