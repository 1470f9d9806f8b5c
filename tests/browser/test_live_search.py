"""The client live search (issue 12, defect 6): one results region, a short count announced
in a polite live region, the table itself never announced, nothing when the box is cleared;
the page's two search landmarks are named."""

import pytest

pytestmark = pytest.mark.browser

LIVE = """() => [...document.querySelectorAll('[aria-live], [role=status], [role=alert]')]
    .filter(el => el.closest('main') && !el.closest('.messages'))
    .map(el => ({id: el.id, text: el.textContent.trim(),
                 inResults: !!el.closest('#results') || !!el.querySelector('table')}))"""


@pytest.mark.req("CLI-7", "UX-1", "UX-2")
@pytest.mark.app_pages("clients-front-desk")
def test_typing_announces_the_count_only_and_clearing_announces_nothing(
    app_page, open_app_page, set_language
):
    set_language("zh-hans")
    page = open_app_page(app_page)
    landmarks = page.evaluate(
        "[...document.querySelectorAll('search, [role=search]')]"
        ".map(el => el.getAttribute('aria-label'))"
    )
    assert len(landmarks) == 2 and all(landmarks) and len(set(landmarks)) == 2, landmarks
    page.locator("#id_q").press_sequentially("李四", delay=50)
    status = page.locator("#client-search-count")
    page.wait_for_function(
        "() => document.getElementById('client-search-count').textContent.trim()"
        " === '找到 1 位客户'"
    )
    assert page.locator("[id=results]").count() == 1
    assert page.locator("#results tbody tr").count() == 1
    # The one live region holds the count; the table is outside any live region.
    assert page.evaluate(LIVE) == [
        {"id": "client-search-count", "text": "找到 1 位客户", "inResults": False}
    ]
    assert status.get_attribute("role") == "status"
    page.locator("#id_q").fill("")
    page.locator("#results caption").filter(has_text="您可以查看的客户").wait_for()
    assert status.text_content().strip() == ""
    assert page.locator("[id=results]").count() == 1
