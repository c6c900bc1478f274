"""The pages in a real headless browser, used as a person would on a phone.

Debian's `chromium` driven by Playwright (`executable_path`: Playwright's own browser
download is not used). Where either is missing the tests skip, saying which. Screenshots
at phone (360 px) and desktop width are saved for review in the folder the run prints at
its end (MDFOLLOW_SCREENSHOTS, default ./screenshots).
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from mdfollow.links import contact_id

from .conftest import SCREENSHOTS
from .factories import write_vault
from .live import Live, wait_until
from .test_pages import JANE, SAM, TODAY, follow_up_day
from .test_serve import Served

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser"))
                 if p and Path(p).exists()), None)
pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("playwright") is None,
                       reason="browser tests need Playwright: pip install '.[test]'"),
    pytest.mark.skipif(CHROMIUM is None, reason="browser tests need Chromium: apt-get install chromium "
                                                "(./scripts/test does it when run as root)"),
]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
OTHERS = {
    "People/Ana Ruiz.md": "---\nlast-contact: 2026-11-24\ncadence: 14d\ntags: [client]\n---\n## Log\n"
                          "- 2026-10-13 call\n- 2026-10-27 lunch\n- 2026-11-10 email\n- 2026-11-24 coffee\n",
    "People/Bo Chen.md": "---\nmet: 2026-11-28\nmet-at: the design meetup\ntags: [lead]\n---\n",
    "People/Lena Park.md": "---\nlast-contact: 2026-06-02\ncadence: 60d\nbirthday: 1990-12-03\n---\n",
    "People/Omar Haddad.md": "---\nlast-contact: 2026-11-03\nsequence: sales\nsequence-start: 2026-11-20\n"
                             "attempts: 1\ntags: [lead]\n---\n## Log\n- 2026-11-21 intro email\n",
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return write_vault(tmp_path / "vault", {"People/Jane Doe.md": JANE, "People/Sam Lee.md": SAM, **OTHERS})


@pytest.fixture
def served(vault: Path) -> Iterator[Served]:
    served = Served(Live(vault, "--today", TODAY, "serve", "--port", "0", "--debounce", "50"))
    yield served
    assert served.live.stop() == 0


def _page(browser: Browser, width: int, **options: Any) -> tuple[Page, list[str]]:
    context = browser.new_context(viewport={"width": width, "height": 800}, **options)
    page = context.new_page()
    problems: list[str] = []  # console errors (a CSP violation is one) and uncaught exceptions
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return page, problems


def _shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_pair_see_the_agenda_and_record_a_talk_from_a_phone(browser: Browser, vault: Path,
                                                             served: Served) -> None:
    page, problems = _page(browser, 360, is_mobile=True, has_touch=True, device_scale_factor=1)
    base = f"http://127.0.0.1:{served.port}"
    page.goto(base + "/")
    assert page.inner_text("body").strip() == "pair this device: run `mdfollow pair`"
    problems.clear()  # the browser reports the 401 as an error, rightly
    page.goto(base + served.pair_link)
    assert "This device is paired as" in page.inner_text("main")
    page.wait_for_url(base + "/")
    assert page.get_by_role("heading", name="Today and overdue").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing sideways
    small = page.evaluate("""() => [...document.querySelectorAll('main a, main button')]
        .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
        .map(e => e.textContent.trim())""")
    assert small == [], f"tap targets under 44 px: {small}"
    _shoot(page, "agenda-phone")

    page.get_by_role("link", name="Jane Doe Check in (every 30 days)").click()
    page.wait_for_url(f"{base}/c/{contact_id('People/Jane Doe.md')}")
    assert page.get_by_role("heading", name="Jane Doe").is_visible()
    assert page.get_by_role("button", name="Copy draft").is_visible()  # its script ran under the CSP
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    _shoot(page, "contact-phone")

    before = (vault / "People/Jane Doe.md").read_text(encoding="utf-8").splitlines()
    assert follow_up_day(served.request()[2], "Jane Doe") == "20261130"  # overdue: on today
    page.get_by_label("What you talked about (optional)").fill("coffee; she got the job")
    page.get_by_role("button", name="Talked", exact=True).click()
    page.wait_for_url("**/c/*?done=talked")
    assert page.get_by_role("status").inner_text() == "Logged a conversation today."
    _shoot(page, "contact-phone-talked")
    after = (vault / "People/Jane Doe.md").read_text(encoding="utf-8").splitlines()
    assert [(a, b) for a, b in zip(before, after, strict=False) if a != b] == [
        ("last-contact: 2026-10-20", f"last-contact: {TODAY}")]
    assert after[len(before):] == [f"- {TODAY} coffee; she got the job"]
    assert "Check in (every 30 days) — due 2026-12-30 (in 30 days)" in page.inner_text("main")

    wait_until(lambda: follow_up_day(served.request()[2], "Jane Doe") == "20261230",
               "the served feed to move Jane's follow-up to 2026-12-30")
    assert problems == []


def test_the_pages_at_desktop_width_and_in_dark_mode(browser: Browser, served: Served) -> None:
    page, problems = _page(browser, 1280)
    base = f"http://127.0.0.1:{served.port}"
    page.goto(base + served.pair_link)
    page.wait_for_url(base + "/")
    _shoot(page, "agenda-desktop")
    page.get_by_role("link", name="Omar Haddad").first.click()
    assert page.get_by_role("heading", name="Omar Haddad").is_visible()
    _shoot(page, "contact-desktop")
    dark, dark_problems = _page(browser, 360, color_scheme="dark", is_mobile=True)
    dark.context.add_cookies(page.context.cookies())  # type: ignore[arg-type]  # same TypedDict keys
    dark.goto(base + "/")
    background = dark.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(22, 22, 24)"
    _shoot(dark, "agenda-phone-dark")
    assert problems == dark_problems == []


def test_the_forms_work_from_the_keyboard(browser: Browser, vault: Path, served: Served) -> None:
    page, problems = _page(browser, 360)
    base = f"http://127.0.0.1:{served.port}"
    page.goto(base + served.pair_link)
    page.wait_for_url(base + "/")
    page.goto(f"{base}/c/{contact_id('People/Jane Doe.md')}")
    page.get_by_label("What you talked about (optional)").focus()
    page.keyboard.press("Tab")  # to the Talked button
    assert page.evaluate("document.activeElement.textContent") == "Talked"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # "Pinged, no reply"
    page.wait_for_url("**/c/*?done=pinged")
    assert "attempts: 1" in (vault / "People/Jane Doe.md").read_text(encoding="utf-8")
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), textarea')]
        .filter(e => !e.labels || e.labels.length === 0).map(e => e.name || e.id)""")
    assert unlabelled == []
    assert problems == []
