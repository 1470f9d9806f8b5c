"""Every page has one h1, a main landmark, and a skip link that lands somewhere."""

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.req("UX-1")
def test_page_structure(app_page, open_app_page):
    page = open_app_page(app_page)
    assert page.locator("h1").count() == 1
    assert page.locator("main").count() == 1
    skip = page.locator("a.skip-link")
    assert skip.count() == 1
    href = skip.get_attribute("href")
    assert href.startswith("#") and len(href) > 1
    target = page.locator(f"[id='{href[1:]}']")
    assert target.count() == 1
    assert target.evaluate("el => el.tagName") == "MAIN"
    # The skip link is the first thing a keyboard reaches, unless the page puts the cursor
    # in its one field on purpose (the password change).
    if page.locator("[autofocus]").count():
        return
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
