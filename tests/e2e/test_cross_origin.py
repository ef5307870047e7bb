"""A front end served from another origin calls the live API from headless Chromium: from the
origin listed in CORS_ALLOWED_ORIGINS it logs in (a JSON POST: preflighted) and reads the
account with its Bearer key; from any other origin the browser refuses the same calls (CORS)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from apps.core.context import DbContext, db_context
from tests.factories import UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAGE = b"<!doctype html><title>Front end</title><p>A front end on another origin.</p>"

LOG_IN_AND_READ = """
async ([api, email, password]) => {
  try {
    const login = await fetch(`${api}/api/v1/auth/token/`, {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({email, password, name: "front end"}),
    });
    const {key} = await login.json();
    const me = await fetch(`${api}/api/v1/users/me/`, {
      headers: {Authorization: `Bearer ${key}`},
    });
    return {login: login.status, me: me.status, email: (await me.json()).email};
  } catch (error) {
    return {blocked: String(error)};
  }
}
"""


class FrontEnd(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


@pytest.fixture
def front_end_port():
    """A static page server on a free loopback port: the front end's origin."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), FrontEnd)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def call_from(browser, origin: str, api: str, console: list) -> dict:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.on("console", lambda message: console.append(message.text))
        page.goto(f"{origin}/")
        return page.evaluate(LOG_IN_AND_READ, [api, "ana@example.com", DEFAULT_PASSWORD])
    finally:
        context.close()


def test_the_allowed_origin_calls_the_api_and_another_origin_is_blocked(
    browser, live_server, front_end_port, settings
):
    with db_context(DbContext.system("tests")):
        UserFactory(email="ana@example.com")
    api = live_server.url
    # One page server, two origins: 127.0.0.1 is listed, localhost (same port) is not.
    allowed = f"http://127.0.0.1:{front_end_port}"
    other = f"http://localhost:{front_end_port}"
    assert urlsplit(api).port != front_end_port
    settings.CORS_ALLOWED_ORIGINS = [allowed]
    console = []

    assert call_from(browser, allowed, api, console) == {
        "login": 201,
        "me": 200,
        "email": "ana@example.com",
    }
    assert console == []

    blocked = call_from(browser, other, api, console)

    assert blocked == {"blocked": "TypeError: Failed to fetch"}
    assert any("blocked by CORS policy" in text for text in console), console
