"""Browser tests: the admin driven in the system's headless Chromium by Playwright.

The browser is Debian's `chromium` (never a downloaded build). CI installs it (.ci/run);
on a machine without it these tests are skipped with the reason — except in CI, where a
missing browser is a failure.
"""

import hashlib
import os
import re
import shutil
import struct
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
# The staff guide's pictures (docs/staff-guide.md): written there, over the committed ones,
# when STAFF_GUIDE_SCREENSHOTS=1 (`make screenshots`); otherwise under SCREENSHOTS like the rest.
STAFF_GUIDE = ROOT / "docs" / "staff-guide.md"
STAFF_GUIDE_IMAGES = ROOT / "docs" / "staff-guide"
# The screen staff are assumed to have: every changelist fits it (test_admin_layout.py).
VIEWPORT = {"width": 1280, "height": 800}
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
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


@pytest.fixture(autouse=True)
def site_time_zone(settings):
    """The browser sees the admin as deployed by default: times in Paris, with the zone's name
    (the rest of the suite runs in UTC: config/settings/test.py)."""
    settings.TIME_ZONE = "Europe/Paris"


@pytest.fixture
def browser_problems():
    """What went wrong in the browser during the test: CSP violations (securitypolicyviolation
    events), console errors and warnings, uncaught page errors. Every browser test ends with it
    empty (checked by `page`); tests that look at it earlier assert on it themselves."""
    return []


def placeholder_png(url: str, width: int = 160, height: int = 120) -> bytes:
    """A plain PNG standing in for a remote photo, its colour drawn from the URL."""
    red, green, blue = hashlib.sha256(url.encode()).digest()[:3]
    row = b"\x00" + bytes((red // 2 + 96, green // 2 + 96, blue // 2 + 96)) * width

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def keep_on_loopback(route):
    """Nothing the browser asks for leaves this machine: the live server's requests go through;
    listing photos (owners' URLs on other hosts, shown as thumbnails) get a placeholder image;
    anything else elsewhere is refused."""
    request = route.request
    if urlsplit(request.url).hostname in LOOPBACK:
        route.continue_()
    elif request.resource_type == "image":
        route.fulfill(status=200, content_type="image/png", body=placeholder_png(request.url))
    else:
        route.abort()


@pytest.fixture
def page(browser, live_server, browser_problems):
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT)
    context.set_default_timeout(15_000)
    context.route("**/*", keep_on_loopback)

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


def staff_guide_images() -> set[str]:
    """The names of the pictures docs/staff-guide.md shows (staff-guide/<name>.png)."""
    return set(re.findall(r"\(staff-guide/([\w.-]+)\.png\)", STAFF_GUIDE.read_text()))


@pytest.fixture
def shoot(page, request):
    """shoot("name") saves a full-page screenshot under tests/e2e/screenshots/ (ignored); with
    STAFF_GUIDE_SCREENSHOTS=1, a picture the staff guide shows goes to docs/staff-guide/."""
    SCREENSHOTS.mkdir(exist_ok=True)
    for_guide = os.environ.get("STAFF_GUIDE_SCREENSHOTS") == "1"
    guide_images = staff_guide_images() if for_guide else set()

    def take(name: str) -> Path:
        folder = STAFF_GUIDE_IMAGES if name in guide_images else SCREENSHOTS
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
