"""Issue 11: a practitioner's month of commissions is written in Python (``{% commission_rows
%}``): each line in words — a refund, money taken back, an adjustment, a percentage or a fixed
amount — and a busier month adds rows, not queries."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from anxin.commissions.models import Commission
from anxin.core.testing import assert_constant_queries

from .conftest import old_rule

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ROW = re.compile(r'\n    <tr><th scope="row">.*?</tr>', re.S)


def line(store, who, rule, *, at, amount, **extra):
    return Commission.objects.create(
        store=store, practitioner=who, month=timezone.localtime(at).date().replace(day=1), at=at,
        basis=rule.basis, description=extra.pop("description", "全身按摩"),
        base=Decimal("128.00"), rule=rule, amount=Decimal(amount), **extra,
    )  # fmt: skip


@pytest.mark.req("POS-3")
def test_each_line_says_what_when_on_what_at_which_rate_in_words(
    client, login, store, manager, finance, practitioner
):
    percent = old_rule(store, manager, basis="requested", rate="15")
    fixed = old_rule(store, manager, basis="rotation", rate="8.5", mode="fixed")
    tz = timezone.get_current_timezone()
    day = timezone.localdate().replace(day=1)
    at = [dt.datetime.combine(day, dt.time(10 + n, 5), tzinfo=tz) for n in range(4)]
    sale = line(store, practitioner, percent, at=at[0], amount="19.20", description="<推拿>")
    line(store, practitioner, percent, at=at[1], amount="-19.20", refund_of=sale)
    line(store, practitioner, fixed, at=at[2], amount="8.50", adjustment=True)
    line(store, practitioner, fixed, at=at[3], amount="-8.50")
    login(client, finance)
    page = client.get(
        f"/commissions/people/{practitioner.pk}/?month={day:%Y-%m}", **EN
    ).content.decode()
    rows = ROW.findall(page)
    assert rows[::-1] == [  # newest first
        '\n    <tr><th scope="row">&lt;推拿&gt;</th>\n'
        f"      <td>{day:%Y-%m-%d} 10:05</td><td>requested service (点钟)</td>"
        "<td>128.00 yuan</td>\n      <td>15%</td>\n      <td>19.20 yuan</td></tr>",
        '\n    <tr><th scope="row">全身按摩 <small>(refund)</small></th>\n'
        f"      <td>{day:%Y-%m-%d} 11:05</td><td>requested service (点钟)</td>"
        "<td>128.00 yuan</td>\n      <td>15%</td>\n      <td>-19.20 yuan</td></tr>",
        '\n    <tr><th scope="row">全身按摩 <small>(adjustment of an earlier month)</small></th>\n'
        f"      <td>{day:%Y-%m-%d} 12:05</td><td>rotation service (轮钟)</td>"
        "<td>128.00 yuan</td>\n      <td>8.50 yuan each</td>\n      <td>8.50 yuan</td></tr>",
        '\n    <tr><th scope="row">全身按摩 <small>(taken back: the card&#x27;s money was '
        "refunded, transferred or reversed)</small></th>\n"
        f"      <td>{day:%Y-%m-%d} 13:05</td><td>rotation service (轮钟)</td>"
        "<td>128.00 yuan</td>\n      <td>8.50 yuan each</td>\n      <td>-8.50 yuan</td></tr>",
    ]


@pytest.mark.req("POS-3")
def test_a_busier_month_adds_rows_not_queries(client, login, store, manager, finance, practitioner):
    rule = old_rule(store, manager, basis="requested", rate="15")
    now = timezone.localtime()
    path = f"/commissions/people/{practitioner.pk}/?month={timezone.localdate():%Y-%m}"
    login(client, finance)

    def grow(n):
        for _ in range(n):
            line(store, practitioner, rule, at=now, amount="19.20")

    assert_constant_queries(lambda: client.get(path, **EN), grow, rows=5)
    assert len(ROW.findall(client.get(path, **EN).content.decode())) == 15


@pytest.mark.req("POS-3")
def test_the_months_row_names_the_practitioner_and_links_their_month(
    client, login, store, manager, finance, practitioner
):
    rule = old_rule(store, manager, basis="requested", rate="15")
    now = timezone.localtime()
    line(store, practitioner, rule, at=now, amount="19.20")
    line(store, practitioner, rule, at=now, amount="-1.20", adjustment=True)
    practitioner.full_name = "彭<玉>勇"
    practitioner.save(update_fields=["full_name"])
    login(client, finance)
    page = client.get(f"/commissions/?month={now:%Y-%m}", **EN).content.decode()
    assert ROW.findall(page) == [
        f'\n    <tr><th scope="row"><a href="/commissions/people/{practitioner.pk}/'
        f'?month={now:%Y-%m}">彭&lt;玉&gt;勇</a></th>\n'
        "      <td>18.00 yuan</td><td>0.00 yuan</td><td>0.00 yuan</td><td>-1.20 yuan</td>"
        "<td>18.00 yuan</td></tr>"
    ]


@pytest.mark.req("POS-3")
def test_a_month_pages_its_lines_newest_first_and_totals_them_all(
    client, login, store, manager, finance, practitioner
):
    """Fifty lines a page (the busiest month had 173), newest first; the caption's count and
    the totals are the whole month's; the older lines are a link away."""
    rule = old_rule(store, manager, basis="requested", rate="15")
    day = timezone.localdate().replace(day=1)
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time(9, 0), tzinfo=tz)
    for n in range(60):
        line(store, practitioner, rule, at=start + dt.timedelta(minutes=n), amount="1.00",
             description=f"line {n:02d}")  # fmt: skip
    login(client, finance)
    path = f"/commissions/people/{practitioner.pk}/?month={day:%Y-%m}"
    page = client.get(path, **EN).content.decode()
    shown = re.findall(r'<th scope="row">line (\d\d)</th>', page)
    assert shown == [f"{n:02d}" for n in range(59, 9, -1)]
    assert "60 commissions" in page and "<strong>60.00 yuan</strong>" in page
    older = re.search(r'href="\?month=[\d-]+&amp;after=([\d.]+)" rel="next"', page)
    assert older, page[page.index('<nav aria-label="Pages">') :][:400]
    rest = client.get(f"{path}&after={older.group(1)}", **EN).content.decode()
    shown = re.findall(r'<th scope="row">line (\d\d)</th>', rest)
    assert shown == [f"{n:02d}" for n in range(9, -1, -1)]
    assert "60 commissions" in rest and ">Newest</a>" in rest
