"""Logging in with the keyboard alone, with the focus always visible (UX-1)."""

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


def active(page):
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {
                tag: el.tagName, id: el.id, cls: el.className,
                outline: style.outlineStyle, outlineWidth: style.outlineWidth,
            };
        }"""
    )


def assert_focus_visible(state):
    assert state["outline"] != "none", f"no visible focus on {state}"
    assert state["outlineWidth"] not in ("0px", ""), f"no visible focus on {state}"


def tab_to(page, element_id, limit=15):
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = active(page)
        assert_focus_visible(state)
        if state["id"] == element_id:
            return state
    raise AssertionError(f"#{element_id} not reached in {limit} Tabs")


@pytest.mark.req("UX-1")
def test_log_in_with_keyboard_only(page, front_desk):
    page.goto("/accounts/login/")

    page.keyboard.press("Tab")
    first = active(page)
    assert "skip-link" in first["cls"], f"first Tab went to {first}"
    assert_focus_visible(first)
    assert page.locator("a.skip-link").is_visible()

    tab_to(page, "id_username")
    page.keyboard.type(front_desk.username)
    page.keyboard.press("Tab")
    state = active(page)
    assert state["id"] == "id_password"
    assert_focus_visible(state)
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert urlsplit(page.url).path == "/"
    assert str(front_desk) in page.locator("h1").inner_text()


@pytest.mark.req("UX-1")
def test_skip_link_moves_focus_to_main(page, front_desk, browser_login):
    browser_login(front_desk)
    page.goto("/")
    page.keyboard.press("Tab")
    with page.expect_navigation(url="**/#main"):
        page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
