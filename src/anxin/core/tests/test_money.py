"""Money is shown as money: Decimal yuan with two places, whatever the database returns."""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import Sum
from django.template import engines
from django.utils import timezone

from anxin.clients.models import ServiceRecord
from anxin.clients.services import client_create

AMOUNTS = ["17.20", "98.00"]  # 115.20: on SQLite the sum comes back as 115.200000000000
MONEY_NAMES = "amount|price|revenue|promotion_revenue|min_spend|base_pay|total|average"
# A money value printed or handed to blocktranslate without the yuan filter.
UNFORMATTED = re.compile(
    rf"(?:\{{\{{\s*|with\s+\w+=)[\w.]+\.(?:{MONEY_NAMES})\b(?!\|(?:yuan|amount))"
)


@pytest.fixture
def spender(store, front_desk, practitioner):
    client = client_create(actor=front_desk, store=store, name="赵六")
    for amount in AMOUNTS:
        ServiceRecord.objects.create(
            store=store,
            client=client,
            practitioner=practitioner,
            served_at=timezone.now() - dt.timedelta(days=1),
            item_name="足疗",
            amount=Decimal(amount),
        )
    return client


def render(text: str, **context) -> str:
    return engines["django"].from_string("{% load money %}" + text).render(context)


@pytest.mark.django_db
def test_a_sum_of_decimal_amounts_renders_as_yuan(spender):
    total = ServiceRecord.objects.filter(client=spender).aggregate(t=Sum("amount"))["t"]
    assert render("{{ v|yuan }}", v=total) == "115.20"
    assert render("{{ v|yuan }}|{{ n|yuan }}|{{ s|yuan }}", v=Decimal("0.005"), n=None, s="88") == (
        "0.01||88.00"
    )


@pytest.mark.django_db
def test_the_client_file_shows_the_spending_total_as_money(client, login, manager, spender):
    login(client, manager)
    body = client.get(f"/clients/{spender.code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r"<dt>Total spending</dt><dd>115\.20 yuan</dd>", body), body
    assert "<dt>Average per visit</dt><dd>57.60 yuan</dd>" in body
    assert "115.2000" not in body


def test_every_template_that_shows_money_formats_it():
    root = Path(__file__).resolve().parents[2]
    unformatted = [
        f"{path.relative_to(root)}: {match.group(0)}"
        for path in sorted(root.rglob("templates/**/*.html"))
        for match in UNFORMATTED.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not unformatted
