"""The service item and promotion lists at a store's scale (150 items, three years of
promotions): rows written in Python with the markup the template's loop gave, the queries the
same however many rows."""

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from anxin.catalogue.models import Promotion, ServiceItem
from anxin.catalogue.testing import make_item
from anxin.core.testing import assert_constant_queries

pytestmark = pytest.mark.django_db

# The loop ``item_list.html`` had before ``{% item_rows %}``.
LOOP = Template(
    "{% load i18n money %}"
    '{% translate "yes" as yes %}{% translate "no" as no %}'
    "{% for item in items %}\n"
    '    <tr><td><a href="/catalogue/items/{{ item.code }}/">{{ item.code }}</a></td>'
    '<th scope="row">{{ item.name }}</th><td>{{ item.category.name }}</td>'
    "<td>{{ item.price|yuan }}</td><td>{{ item.duration }}</td>"
    "<td>{% if item.active %}{{ yes }}{% else %}{{ no }}{% endif %}</td></tr>\n  "
    "{% endfor %}"
)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_item_rows_are_what_the_template_gave(client, login, manager, store, language):
    make_item(actor=manager, store=store, name="<足疗> & 推拿", price="1234.50", duration=1440)
    make_item(actor=manager, store=store, name="头疗", price="0", duration=5, category=2)
    ServiceItem.objects.filter(name="头疗").update(active=False)
    login(client, manager)
    html = client.get("/catalogue/items/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    with translation.override(language):
        items = ServiceItem.objects.filter(store=store).select_related("category")
        expected = LOOP.render(Context({"items": items}))
    assert f"<tbody>\n  \n  {expected}\n  </tbody>" in html
    assert "&lt;足疗&gt; &amp; 推拿" in html and "1234.50" in html


def test_no_items_shows_the_empty_row(client, login, manager):
    login(client, manager)
    html = client.get("/catalogue/items/").content.decode()
    assert '<tbody>\n  \n  \n    <tr><td colspan="6">' in html


def test_the_item_list_takes_the_same_queries_for_more_items(client, login, manager, store):
    login(client, manager)

    def grow(n):
        for i in range(n):
            make_item(actor=manager, store=store, name=f"项目{ServiceItem.objects.count()}-{i}")

    assert_constant_queries(lambda: client.get("/catalogue/items/"), grow)


PROMOTION_LOOP = Template(
    "{% for p in promotions %}\n"
    "    <tr><td><a href=\"{% url 'catalogue:promotion_detail' p.code %}\">{{ p.code }}</a></td>"
    '<th scope="row">{{ p.name }}</th><td>{{ p.starts_on|date:"Y-m-d" }} – '
    '{{ p.ends_on|date:"Y-m-d" }}</td><td>{% include "catalogue/_discount.html" with promotion=p %}'
    "</td></tr>\n  "
    "{% endfor %}"
)


def _promote(marketing, store, n, **data):
    from anxin.catalogue.services import promotion_create

    start = dt.date(2026, 3, 1)
    for i in range(n):
        promotion_create(
            actor=marketing, store=store, name=f"<三八> & {Promotion.objects.count()}",
            starts_on=start + dt.timedelta(days=i), ends_on=start + dt.timedelta(days=i + 7),
            **(data or {"discount_kind": "percent", "discount_value": Decimal("12.5")}),
        )  # fmt: skip


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_promotion_rows_are_what_the_template_gave(client, login, marketing, store, language):
    _promote(marketing, store, 1)
    _promote(marketing, store, 1, discount_kind="percent", discount_value=Decimal("20"))
    _promote(marketing, store, 1, discount_kind="amount", discount_value=Decimal("50"))
    login(client, marketing)
    html = client.get("/catalogue/promotions/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    with translation.override(language):
        expected = PROMOTION_LOOP.render(Context({"promotions": Promotion.objects.all()}))
    assert f"<tbody>\n  {expected}\n  </tbody>" in html
    assert "&lt;三八&gt; &amp;" in html


def test_the_promotion_list_takes_the_same_queries_for_more_promotions(
    client, login, marketing, store
):
    login(client, marketing)
    assert_constant_queries(
        lambda: client.get("/catalogue/promotions/"), lambda n: _promote(marketing, store, n)
    )
