"""The practitioner's own KPI page by keyboard alone, axe-clean: the figures in a table with row
headers, and an appeal sent and announced (AUD-6, UX-1)."""

import pytest
from pages_supervision import kpis
from test_accessibility import axe_violations
from test_keyboard import announced, tab_to

from anxin.supervision.models import Sanction

pytestmark = pytest.mark.browser


@pytest.mark.req("AUD-6", "UX-1")
def test_practitioner_reads_own_kpis_and_appeals_by_keyboard(
    request, page, practitioner, browser_login, set_language, seeded
):
    kpis(request)
    sanction = Sanction.objects.get(user=practitioner)
    set_language("en")
    browser_login(practitioner)
    page.goto("/supervision/kpis/mine/")
    assert page.locator("table th[scope=row]").first.is_visible()
    assert "Security training missing" in page.locator("table").first.inner_text()
    count, report = axe_violations(page)
    assert count == 0, report
    tab_to(page, f"appeal-{sanction.pk}", limit=60)
    page.keyboard.type("I attended the training at head office last month")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    role, text = announced(page)
    assert role == "status" and "Your appeal was sent" in text
    sanction.refresh_from_db()
    assert sanction.state == "appealed" and "head office" in sanction.appeal
    count, report = axe_violations(page)
    assert count == 0, report
