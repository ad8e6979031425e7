from pathlib import Path

import pytest

from tests.avatar.batches.conftest import CHROMIUM


def test_report_page_shows_a_card_per_video_in_chromium(twenty):
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    folder, _, _, result = twenty
    report = folder / "out" / "report.html"
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(report.as_uri())
        cards = page.locator(".card")
        assert cards.count() == len(result.rows)
        assert "Hello Ada" in cards.nth(0).inner_text()
        thumbnail = cards.nth(0).locator("img")
        assert thumbnail.evaluate("img => img.complete && img.naturalWidth") > 0  # the frame decodes
        link = cards.nth(0).locator("a").get_attribute("href")
        assert (report.parent / link).is_file() and link.endswith("1-Ada.mp4")
        failed = page.locator(".card[data-status=failed]")
        assert failed.count() == 1 and "missing.jpg" in failed.inner_text()
        totals = page.locator("#totals").inner_text()
        assert "21 rows" in totals and "1 failed" in totals
        page.screenshot(path=str(folder / "report.png"), full_page=False)
        browser.close()
