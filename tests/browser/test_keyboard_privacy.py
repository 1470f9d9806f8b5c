"""The request desk and the client's access report by keyboard alone, axe-clean (PRV-6, UX-1)."""

import pytest
from pages_privacy import _requests
from test_accessibility import axe_violations
from test_keyboard import announced, tab_to, tab_to_link

from anxin.privacy.models import RightsRequest

pytestmark = pytest.mark.browser


@pytest.mark.req("PRV-6", "UX-1")
def test_desk_records_a_request_and_the_officer_reads_the_access_report_by_keyboard(
    request, page, front_desk, info_officer, browser_login, set_language, seeded
):
    made = _requests(request)
    code = made["access_report"].client.code
    set_language("en")
    browser_login(front_desk)
    page.goto("/privacy/requests/new/")
    tab_to(page, "id_client_code", limit=40)
    page.keyboard.type(code)
    tab_to(page, "id_details", limit=10)
    page.keyboard.type("Wants to know who looked at her file")
    # On to the submit button, then Enter.
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "submit":
            break
    with page.expect_navigation():
        page.keyboard.press("Enter")
    role, text = announced(page)
    assert role == "status" and "Request recorded" in text
    assert RightsRequest.objects.count() == 5
    count, report = axe_violations(page)
    assert count == 0, report

    browser_login(info_officer)
    page.goto(f"/privacy/requests/{made['access_report'].pk}/")
    href = f"/privacy/requests/{made['access_report'].pk}/access/"
    tab_to_link(page, href, limit=40)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == "Who accessed your data"
    assert "looked at the client's file" in page.locator("table").inner_text()
    count, report = axe_violations(page)
    assert count == 0, report
