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


@pytest.mark.req("UX-1")
def test_the_ledger_rows_say_the_line_reversed_and_offer_the_reversal_in_words(
    client, login, manager, store, stored_card
):
    """The rows are built in Python (``{% ledger_rows %}``: a hundred lines went through the
    template's translation blocks, date, name and URL per line): the markup the template gave,
    a reversal naming the line it undoes, the reversed line marked, the reason escaped."""
    from anxin.cards.services import card_top_up, reverse_charge

    manager.full_name = "张<b>经理"
    manager.save(update_fields=["full_name"])
    card_top_up(actor=manager, store=store, card=stored_card, paid=Decimal("100"))
    top_up = stored_card.movements.filter(kind="top_up").order_by("-seq").first()
    undo = reverse_charge(movement=top_up, user=manager, reason="录错<了>")
    login(client, manager)
    page = client.get(f"/cards/{stored_card.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'<th scope="row">reversal (of line {top_up.seq})</th>' in page
    assert " · 录错&lt;了&gt;</td><td>张&lt;b&gt;经理</td><td></td></tr>" in page
    assert f"<td>{undo.seq}</td>" in page and "<td>reversed</td>" in page
    first = stored_card.movements.order_by("seq").first()
    assert (
        f'<a href="/cards/{stored_card.number}/lines/{first.seq}/reverse/">'
        f"Reverse line {first.seq}</a>"
    ) in page or first.kind not in ("consumption", "top_up", "bonus")
    assert "<b>" not in page.split("<tbody>")[1].split("</tbody>")[0]
