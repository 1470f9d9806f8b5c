"""The public complaint page by keyboard alone, axe-clean, keystrokes counted (AUD-5, UX-1)."""

import pytest
from test_accessibility import axe_violations
from test_keyboard import active, announced, assert_focus_visible

from anxin.complaints.models import Complaint

pytestmark = pytest.mark.browser


class Keys:
    """Presses keys and counts them, the focus visible after each Tab."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def press(self, key):
        self.page.keyboard.press(key)
        self.count += 1
        if key == "Tab":
            assert_focus_visible(active(self.page))

    def tab_to(self, element_id, limit=25):
        for _ in range(limit):
            self.press("Tab")
            if active(self.page)["id"] == element_id:
                return
        raise AssertionError(f"#{element_id} not reached")

    def tab_to_submit(self, limit=10):
        for _ in range(limit):
            self.press("Tab")
            if self.page.evaluate("document.activeElement.type") == "submit":
                return
        raise AssertionError("the submit button was not reached")


@pytest.mark.req("AUD-5", "UX-1")
def test_a_complaint_is_made_on_the_public_page_by_keyboard(page, store, settings, set_language):
    settings.ANXIN_PUBLIC_COMPLAINT_MIN_SECONDS = 0
    set_language("en")
    page.goto(f"/complaints/public/{store.short_code}/")
    keys = Keys(page)
    # Sent without a description: the error summary takes the focus, with links to the fields.
    keys.tab_to("id_subject_0")
    with page.expect_navigation():
        keys.press("Enter")
    role, text = announced(page)
    assert role == "alert" and "There is a problem" in text
    assert page.locator("#form-errors a[href='#id_description']").count() == 1
    assert not Complaint.objects.exists()
    first = keys.count
    # Then: the subject by arrow keys, the description, Tab to the button, Enter.
    keys.tab_to("id_subject_0")
    keys.press("ArrowDown")
    keys.tab_to("id_description", limit=8)
    page.keyboard.type("服务态度差，等了很久")
    keys.tab_to_submit()
    with page.expect_navigation():
        keys.press("Enter")
    assert page.locator("h1").inner_text() == "Complaint received"
    assert Complaint.objects.get().subject == "practitioner"
    count, report = axe_violations(page)
    assert count == 0, report
    # Keystrokes for the second, complete attempt (typing aside): Tabs past the header, the
    # radios, the description and three optional fields, one arrow and Enter.
    assert keys.count - first <= 30, keys.count - first
