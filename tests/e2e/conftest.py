"""Browser tests: the admin driven in the system's headless Chromium by Playwright.

The browser is Debian's `chromium` (never a downloaded build). CI installs it (.ci/run);
on a machine without it these tests are skipped with the reason — except in CI, where a
missing browser is a failure.
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package.")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; Django would then refuse the
    # tests' own (synchronous) database calls. Allowed for the browser tests only.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


# Runs in every document before the page's own scripts (Playwright injects it outside the page's
# CSP) and hands each Content-Security-Policy violation to the test.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation({
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: event.sourceFile + ":" + event.lineNumber,
    sample: event.sample,
  });
});
"""


@pytest.fixture
def browser_problems():
    """What went wrong in the browser during the test: CSP violations (securitypolicyviolation
    events), console errors and warnings, uncaught page errors. Every browser test ends with it
    empty (checked by `page`); tests that look at it earlier assert on it themselves."""
    return []


@pytest.fixture
def page(browser, live_server, browser_problems):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1400, "height": 900})
    context.set_default_timeout(15_000)

    def on_violation(source, violation):
        browser_problems.append(f"CSP violation on {source['frame'].url}: {violation}")

    def on_console(message):
        if message.type in ("error", "warning"):
            browser_problems.append(f"console {message.type} on {page.url}: {message.text}")

    def on_page_error(error):
        browser_problems.append(f"uncaught error on {page.url}: {error}")

    # The browser asks for /favicon.ico on its own; we serve none, and its 404 is no page's fault.
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    context.expose_binding("reportCspViolation", on_violation)
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    yield page
    context.close()
    assert browser_problems == [], "\n".join(browser_problems)


@pytest.fixture
def shoot(page, request):
    """shoot("name") saves a full-page screenshot under tests/e2e/screenshots/ (ignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
