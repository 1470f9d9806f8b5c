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
def test_a_cards_ledger_pages_newest_first_and_the_balance_is_every_lines_sum(
    client, login, front_desk, store, stored_card
):
    """Fifty lines a page, newest first, through the (card, seq) key: the busiest card's three
    years were one page. The balance stays the sum of the whole ledger, and the older lines
    are a link away."""
    import re

    from anxin.cards.models import CardMovement
    from anxin.cards.services import card_top_up

    for _ in range(58):  # issued with a bonus: lines 1-2; then 58 top-ups: 60 lines
        card_top_up(actor=front_desk, store=store, card=stored_card, paid=Decimal("10"))
    assert CardMovement.objects.filter(card=stored_card).count() == 60
    login(client, front_desk)
    path = f"/cards/{stored_card.number}/"
    page = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    lines = [int(n) for n in re.findall(r"<tr><td>(\d+)</td>", page)]
    assert lines == list(range(60, 10, -1))
    assert "Movements of this card, newest first" in page
    assert "1780.00 yuan</dd>" in page  # 1000 + 200 + 58 × 10: every line, not the page's
    older = re.search(r'href="\?after=(\d+)" rel="next"', page)
    assert older and older.group(1) == "11"
    rest = client.get(f"{path}?after=11", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert [int(n) for n in re.findall(r"<tr><td>(\d+)</td>", rest)] == list(range(10, 0, -1))
    assert 'rel="next"' not in rest and ">Newest</a>" in rest
    assert "1780.00 yuan</dd>" in rest
    # A line reversed from a newer page is marked on its own page.
    from anxin.cards.services import reverse_charge

    line_11 = CardMovement.objects.get(card=stored_card, seq=11)
    reverse_charge(movement=line_11, user=front_desk, reason="录错")
    rest = client.get(f"{path}?after=12", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert rest.count("<td>reversed</td>") == 1 and 'href="/cards/' in rest


@pytest.mark.req("UX-1")
def test_a_ledger_line_says_what_when_how_much_and_who_in_words(
    client, login, front_desk, store, stored_card
):
    """The rows are written in Python (``{% ledger_rows %}``): the markup the template gave."""
    from django.utils import timezone

    from anxin.accounts.names import person_name
    from anxin.cards.models import CardMovement
    from anxin.cards.services import reverse_charge

    bonus = CardMovement.objects.get(card=stored_card, seq=2)
    reverse_charge(movement=bonus, user=front_desk, reason="录错 <多送>")
    login(client, front_desk)
    page = client.get(f"/cards/{stored_card.number}/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    who = person_name(front_desk, store)
    line_3 = CardMovement.objects.get(card=stored_card, seq=3)
    at = timezone.localtime(line_3.at).strftime("%Y-%m-%d %H:%M")
    assert (
        f'<tr><td>3</td><td>{at}</td><th scope="row">reversal (of line 2)</th>'
        "<td>-200.00 yuan</td><td>1000.00 yuan</td><td>issue · 录错 &lt;多送&gt;</td>"
        f"<td>{who}</td><td></td></tr>"
    ) in text
    assert "<td>reversed</td></tr>" in text  # line 2, the bonus
    assert (
        f'<td><a href="/cards/{stored_card.number}/lines/1/reverse/">Reverse line 1</a></td></tr>'
    ) in text


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
