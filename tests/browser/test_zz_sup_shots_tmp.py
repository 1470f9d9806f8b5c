import pytest

pytestmark = pytest.mark.browser


@pytest.mark.app_pages("kpis-mine", "audit-detail", "kpis-store")
@pytest.mark.parametrize("width", [1366, 320])
def test_shot(app_page, page, open_app_page, set_language, width):
    set_language("zh-hans")
    page.set_viewport_size({"width": width, "height": 900})
    open_app_page(app_page)
    name = app_page.path.strip("/").replace("/", "_")
    page.screenshot(path=f"/tmp/sup-shots/{name}-{width}.png", full_page=True)
    print(name, width, page.evaluate("document.documentElement.scrollWidth"))
