"""The idle warning (WCAG 2.2.1 Timing Adjustable; SEC-7, UX-1): shortly before the idle limit a
modal dialog says so, takes the focus on "Stay signed in", and one press keeps the session; the
focus then goes back where it was. A short idle limit stands in for the 30 minutes."""

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.req("SEC-7", "UX-1")
def test_the_idle_warning_takes_the_focus_and_stay_signed_in_keeps_the_session(
    page, context, front_desk, browser_login, set_language, settings
):
    from django.contrib.sessions.backends.db import SessionStore

    settings.ANXIN_SESSION_IDLE_SECONDS = 12
    settings.ANXIN_SESSION_WARNING_SECONDS = 8
    set_language("en")
    browser_login(front_desk)
    page.goto("/")
    page.locator("#site-search").focus()
    key = next(c["value"] for c in context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    seen_before = SessionStore(session_key=key)["anxin_seen_at"]

    dialog = page.get_by_role("dialog", name="You will be signed out soon")
    dialog.wait_for(state="visible", timeout=15_000)
    focused = page.evaluate(
        "[document.activeElement.textContent.trim(),"
        " !!document.activeElement.closest('dialog[open]')]"
    )
    assert focused == ["Stay signed in", True]
    described = page.evaluate(
        "document.getElementById("
        "document.querySelector('dialog[open]').getAttribute('aria-describedby')"
        ").innerText"
    )
    assert "you will be signed out in about 1 minute" in described

    page.keyboard.press("Enter")
    dialog.wait_for(state="hidden")
    page.wait_for_function("document.activeElement.id === 'site-search'")  # focus went back
    assert SessionStore(session_key=key)["anxin_seen_at"] > seen_before  # the keep-alive ran
    page.goto("/")  # still signed in, past the idle limit of the first page
    assert page.get_by_role("button", name="Log out (frontdesk)").count() == 1
