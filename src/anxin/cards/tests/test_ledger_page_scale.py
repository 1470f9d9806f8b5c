"""Issue 11: a card's page reads its ledger in one query (who recorded each line, joined with
the staff file's name but none of its encrypted fields): the same queries however many lines,
by however many people (it took a query per line: 68 for the demo's busiest card)."""

from decimal import Decimal

import pytest

from anxin.core.testing import assert_constant_queries, captured

pytestmark = pytest.mark.django_db


@pytest.mark.req("UX-1")
def test_a_cards_page_takes_the_same_queries_however_many_lines(
    client, login, front_desk, store, stored_card, make_persona
):
    from anxin.cards.services import card_top_up

    login(client, front_desk)
    path = f"/cards/{stored_card.number}/"
    people = []

    def grow(n):
        for _ in range(n):
            person = make_persona(f"desk{len(people):03d}", store, "front_desk")
            people.append(person)
            card_top_up(actor=person, store=store, card=stored_card, paid=Decimal("100"))

    assert client.get(path).status_code == 200
    assert_constant_queries(lambda: client.get(path), grow, rows=3)
    response, sql = captured(lambda: client.get(path))
    assert "desk008" in response.content.decode()
    staff_secrets = ('"staff_staffmember"."bank_card"', '"staff_staffmember"."id_number"')
    assert not [q for q in sql if any(column in q for column in staff_secrets)]
