"""The layout holds (issue 12, defect 8): at 320 px no page scrolls sideways and the header's
language switch and log-out stay on screen (WCAG 1.4.10 Reflow); the header's links and buttons
and the client search's label keep to one line; the search button is not a vertical pill."""

import pytest

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}
MAIN_PAGES = [
    "login",
    "home-admin",
    "home-front-desk",
    "home-practitioner",
    "inbox",
    "clients-front-desk",
    "client-new",
    "client-front-desk",
    "client-manager",
    "appointments-day",
    "calendar-day",
    "calendar-week-practitioner",
    "services",
    "service-new",
]

ON_SCREEN = """(selector) => {
    const el = document.querySelector(selector);
    if (!el) return null;
    const r = el.getBoundingClientRect(), w = document.documentElement.clientWidth;
    const style = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= w
        && style.visibility !== 'hidden' && style.display !== 'none';
}"""

LINES = """(selector) => {
    const el = document.querySelector(selector);
    const style = getComputedStyle(el);
    const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
    const text = document.createRange();
    text.selectNodeContents(el);
    const tops = new Set([...text.getClientRects()].map(r => Math.round(r.top)));
    return {lines: tops.size, width: el.offsetWidth, height: el.offsetHeight, line: line};
}"""


@pytest.mark.req("UX-1")
@pytest.mark.app_pages(*MAIN_PAGES)
def test_each_main_page_reflows_at_320_px(app_page, page, open_app_page):
    page.set_viewport_size(NARROW)
    open_app_page(app_page)
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    assert page.evaluate(ON_SCREEN, "#language-select")
    assert page.evaluate(ON_SCREEN, "header form[action$='/i18n/setlang/'] button")
    if app_page.spec.user:
        assert page.evaluate(ON_SCREEN, "header button.logout")
        assert page.evaluate(ON_SCREEN, "#site-search")


@pytest.mark.req("UX-1", "UX-2")
@pytest.mark.app_pages("clients-front-desk")
@pytest.mark.parametrize("width", [1366, 320])
def test_header_and_search_controls_keep_to_one_line(
    app_page, page, open_app_page, width, front_desk, set_language
):
    from anxin.notifications.services import notify

    set_language("zh-hans")
    for number in range(4):
        notify(recipients=[front_desk], subject=f"提醒 {number}")
    page.set_viewport_size({"width": width, "height": 800})
    open_app_page(app_page)
    inbox = page.locator("header a.inbox-link")
    assert inbox.inner_text() == "收件箱（4 条未读）"
    for selector in ("header a.inbox-link", "header button.logout", "label[for=id_q]"):
        assert page.evaluate(LINES, selector)["lines"] == 1, selector
    for selector in ("header search button", "main search button"):
        shape = page.evaluate(LINES, selector)
        assert shape["lines"] == 1 and shape["width"] > shape["height"], (selector, shape)
