"""`make screenshots`: pictures of the home and a case study page at desktop and mobile widths, for review.

Run through pytest for its live server and Chromium (the fixtures in
tests/browser/conftest.py); not part of `make test`, since a picture proves
nothing by itself. Files land in docs/screenshots/ (or SCREENSHOT_DIR).
"""

import pytest

from practices.models import CaseStudy
from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width,height,label", [(1280, 900, "desktop"), (375, 812, "mobile")])
def test_take_screenshots(browser, live_server, demo_content, width, height, label):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": height})
    page = context.new_page()
    case_study = CaseStudy.objects.filter(status="published").exclude(framework_links=None).order_by("slug").first()
    for name, url in {"home": "/", "case-study": case_study.get_absolute_url()}.items():
        page.goto(url)
        path = SCREENSHOTS / f"{name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        print(f"wrote {path}")
    context.close()
