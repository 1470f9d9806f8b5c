"""Logging in, opening a client and revealing a value with the keyboard alone, the focus
always visible (UX-1)."""

from urllib.parse import urlsplit

import pytest

from anxin.audit.models import UseLog

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


def active(page):
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {
                tag: el.tagName, id: el.id, cls: el.className,
                href: el.getAttribute('href'), value: el.value,
                outline: style.outlineStyle, outlineWidth: style.outlineWidth,
            };
        }"""
    )


def assert_focus_visible(state):
    assert state["outline"] != "none", f"no visible focus on {state}"
    assert state["outlineWidth"] not in ("0px", ""), f"no visible focus on {state}"


def announced(page):
    """The result a screen reader reads after the page loaded: the focused message or error
    summary (GOV.UK patterns), as ``(role, text)``."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            return [el.getAttribute('role'), el.innerText.trim()];
        }"""
    )


def tab_until(page, wanted, what, limit=15):
    """Press Tab until ``wanted(state)``, the focus visible on everything on the way."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = active(page)
        assert_focus_visible(state)
        if wanted(state):
            return state
    raise AssertionError(f"{what} not reached in {limit} Tabs")


def tab_to(page, element_id, limit=15):
    return tab_until(page, lambda state: state["id"] == element_id, f"#{element_id}", limit)


def tab_to_link(page, href, limit=15):
    return tab_until(page, lambda state: state["href"] == href, f"link to {href}", limit)


def follow_with_enter(page, path):
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == path


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


@pytest.mark.req("UX-1")
def test_practitioner_opens_a_served_client_with_keyboard_only(
    page, practitioner, served_client, browser_login
):
    browser_login(practitioner)
    page.goto("/")
    tab_to_link(page, "/clients/")
    follow_with_enter(page, "/clients/")
    detail = f"/clients/{served_client.code}/"
    tab_to_link(page, detail)
    follow_with_enter(page, detail)
    assert page.locator("h1").inner_text() == f"{served_client.code} {served_client.name}"


@pytest.mark.req("UX-1")
def test_manager_reveals_a_phone_with_keyboard_only(
    page, manager, served_client, browser_login, set_language
):
    set_language("en")
    browser_login(manager)
    page.goto(f"/clients/{served_client.code}/")
    assert page.locator("[role=status]").count() == 0
    tab_to(page, "id_purpose")
    assert page.locator("#id_purpose").input_value() == "booking"
    page.keyboard.press("ArrowDown")
    state = active(page)
    assert state["id"] == "id_purpose" and state["value"] == "service"
    assert_focus_visible(state)
    tab_until(page, lambda state: state["tag"] == "BUTTON", "the first reveal button")
    assert page.evaluate("document.activeElement.textContent") == "Show phone"
    follow_with_enter(page, f"/clients/{served_client.code}/reveal/")
    status = page.locator("[role=status]")
    assert status.count() == 1
    assert served_client.phone in status.inner_text()
    # The purpose chosen with the arrow key is the one logged with the reveal.
    reveal = UseLog.objects.get(action="reveal", record_code=served_client.code)
    assert reveal.purpose == "Provide the service"
