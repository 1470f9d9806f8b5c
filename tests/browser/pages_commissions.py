"""Page set-ups for the commission pages (POS-3): the month, a practitioner's own month, the
rules and a new rule (and its errors)."""

import datetime as dt
from decimal import Decimal


def _commissions(request):
    """Default rules since last month and one paid bill of the practitioner's."""
    import pages_till

    from anxin.commissions.models import Commission, Rule
    from anxin.core.marks import store_changed

    if Commission.objects.exists():
        return
    store, manager = request.getfixturevalue("store"), request.getfixturevalue("manager")
    from django.utils import timezone

    since = timezone.localdate() - dt.timedelta(days=40)
    for basis, rate in (("requested", "15"), ("rotation", "10"), ("card_sale", "3")):
        Rule.objects.create(
            store=store,
            basis=basis,
            mode="percent",
            rate=Decimal(rate),
            effective_from=since,
            created_by=manager,
        )
    store_changed(store)
    pages_till._bill(request)


def month_page(request):
    _commissions(request)
    return "/commissions/"


def own_page(request):
    _commissions(request)
    return f"/commissions/people/{request.getfixturevalue('practitioner').pk}/"


def rules_page(request):
    _commissions(request)
    return "/commissions/rules/"


def submit_bad_rule(page):
    page.fill("#id_rate", "120")
    with page.expect_navigation() as nav:
        page.locator("main form button[type=submit]").click()
    page.wait_for_selector("#form-errors")
    return nav.value


def published_month(request):
    """This month's performance published, with the practitioner's commission in it."""
    from django.utils import timezone

    from anxin.performance import services

    _commissions(request)
    services.publish(
        actor=request.getfixturevalue("manager"),
        store=request.getfixturevalue("store"),
        month=timezone.localdate().replace(day=1),
    )
