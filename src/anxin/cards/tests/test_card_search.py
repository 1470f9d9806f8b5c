"""The card list's search (issue 11): by the card's number or the client's code, whatever the
case, or by the first characters of the client's name, read through indexes, not by a LIKE
over every card of the store."""

from decimal import Decimal

import pytest
from django.db import connection

from anxin.cards import selectors
from anxin.cards.services import card_issue
from anxin.catalogue.testing import make_client
from anxin.core.testing import captured, query_plan

pytestmark = pytest.mark.django_db


@pytest.mark.req("POS-2")
def test_cards_are_found_by_number_code_or_name_through_indexes(
    front_desk, store, holder, friend, stored_type
):
    mine = card_issue(
        actor=front_desk, store=store, client=holder, card_type=stored_type, paid=Decimal("1000")
    )
    theirs = card_issue(
        actor=front_desk, store=store, client=friend, card_type=stored_type, paid=Decimal("500")
    )
    anna = make_client(actor=front_desk, store=store, name="Anna Li", phone="13900001111")
    latin = card_issue(
        actor=front_desk, store=store, client=anna, card_type=stored_type, paid=Decimal("100")
    )
    for query, found in (
        ("anna", [latin]),
        ("ANNA L", [latin]),
        ("Anna", [latin]),
        (mine.number.lower(), [mine]),
        (friend.code.lower(), [theirs]),
        ("王", [mine]),
        ("王芳", [mine]),
        ("芳", []),
        ("", [latin, theirs, mine]),
    ):
        cards, sql = captured(
            lambda q=query: list(selectors.card_list(actor=front_desk, store=store, query=q))
        )
        assert cards == found, query
        if query:
            # Each card's balance is a look-up per card shown (a page is 50); what is searched
            # is read through indexes.
            (statement,) = [s for s in sql if 'FROM "cards_card"' in s]
            if connection.vendor == "sqlite":
                plan = query_plan(statement)
                assert not [line for line in plan if line.startswith("SCAN")], plan
            # Conditions an index answers (the number, the code, a range of names), no LIKE.
            assert " LIKE " not in statement and '"cards_card"."number" = ' in statement
            assert '"name" >= ' in statement and '"name" < ' in statement
