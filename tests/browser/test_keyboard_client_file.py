"""Issue 12: from the client file, "record a service" by keyboard alone opens the service
record form with the client already filled in (CLI-4, UX-1)."""

from urllib.parse import urlsplit

import pytest
from pages_clients import full_file_page

from anxin.clients.models import Client

pytestmark = pytest.mark.browser


@pytest.mark.req("CLI-4", "UX-1")
def test_record_a_service_from_the_client_file_by_keyboard(
    request, page, practitioner, browser_login, set_language
):
    set_language("zh-hans")
    browser_login(practitioner)
    path = full_file_page(request)
    client = Client.objects.get(name="林小雨")
    page.goto(path)
    keys = 0
    while page.evaluate("document.activeElement.textContent.trim()") != "登记服务":
        assert keys < 40, "'record a service' not reached by Tab"
        page.keyboard.press("Tab")
        keys += 1
    with page.expect_navigation():
        page.keyboard.press("Enter")
    print(f"\nkeys from the client file to the service record form: {keys + 1}")
    assert urlsplit(page.url).path == "/services/new/"
    assert page.locator("#id_client").input_value() == f"林小雨 {client.code}"
