"""Every response carries a Content-Security-Policy: the strict one on HTML pages, a minimal one
on everything else. (tests/e2e/test_content_security_policy.py shows the pages working under it.)"""

import runpy
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client
from django.urls import NoReverseMatch, get_resolver, reverse

from apps.core.csp import is_html
from tests.factories import BookingFactory, ListingFactory

pytestmark = pytest.mark.django_db

NON_HTML_POLICY = {"default-src": ["'none'"], "frame-ancestors": ["'none'"]}
# Sources that would let injected markup run script, or load it from anywhere.
UNSAFE_SCRIPT_SOURCES = {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:"}


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parsed = {}
    for directive in header.split(";"):
        name, *values = directive.split()
        assert name not in parsed, f"{name} twice in {header}"
        parsed[name] = values
    return parsed


def nonce_of(policy: dict[str, list[str]]) -> str | None:
    nonces = {v[len("'nonce-") : -1] for v in policy["script-src"] if v.startswith("'nonce-")}
    assert len(nonces) <= 1
    return nonces.pop() if nonces else None


class InlineCode(HTMLParser):
    """The nonces of a page's inline <script> and <style> blocks, and its inline handlers."""

    def __init__(self):
        super().__init__()
        self.nonces = []  # one per inline block: its nonce attribute, or None
        self.handlers = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.handlers += [f"<{tag} {name}>" for name in attrs if name.startswith("on")]
        data_block = attrs.get("type") in ("application/json", "text/template")
        if tag == "style" or (tag == "script" and "src" not in attrs and not data_block):
            self.nonces.append(attrs.get("nonce"))
        for name in ("href", "src", "action"):
            if (attrs.get(name) or "").strip().lower().startswith("javascript:"):
                self.handlers.append(f"<{tag} {name}=javascript:>")


def assert_strict(response):
    policy = directives(response)
    assert policy["default-src"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    for directive in ("script-src", "style-src"):
        assert not UNSAFE_SCRIPT_SOURCES & set(policy[directive]), policy[directive]
        assert not [v for v in policy[directive] if v.startswith(("http:", "https:"))]
    assert "script-src-attr" not in policy and "script-src-elem" not in policy
    assert "style-src-elem" not in policy

    # Every inline block the page has carries the response's nonce; no inline handler at all.
    page = InlineCode()
    page.feed(response.content.decode())
    assert page.handlers == []
    assert page.nonces == [nonce_of(policy)] * len(page.nonces)
    return policy


def test_admin_pages_get_the_strict_policy(superuser_client):
    booking = BookingFactory()

    for path in (
        "/admin/bookings/booking/?status__exact=confirmed",
        f"/admin/bookings/booking/{booking.pk}/change/",
        f"/admin/listings/listing/{booking.listing_id}/change/",
        "/admin/accounts/user/add/",
    ):
        response = superuser_client.get(path)
        assert response.status_code == 200, path
        policy = assert_strict(response)
        # The admin needs no inline style at all.
        assert "style-src-attr" not in policy

    login = Client().get("/admin/login/")
    assert login.status_code == 200
    assert_strict(login)


def test_swagger_ui_runs_its_inline_set_up_by_nonce_and_each_page_has_a_fresh_one():
    client = Client()

    first, second = client.get("/api/docs/"), client.get("/api/docs/")

    assert first.status_code == second.status_code == 200
    nonces = {nonce_of(assert_strict(first)), nonce_of(assert_strict(second))}
    assert None not in nonces and len(nonces) == 2
    assert "SwaggerUIBundle(" in first.content.decode()
    assert "style-src-attr" not in directives(first)


def test_the_browsable_api_allows_style_attributes_and_nothing_else_inline():
    ListingFactory()

    response = Client().get("/api/v1/listings/", HTTP_ACCEPT="text/html")

    assert response.status_code == 200 and is_html(response)
    policy = assert_strict(response)
    assert policy["style-src-attr"] == ["'unsafe-inline'"]
    # No nonce: a form's answer that DRF's ajax-form.js writes into this document stays valid.
    assert nonce_of(policy) is None


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/listings/", 200),
        ("/api/v1/bookings/", 401),
        ("/api/v1/no-such-thing/", 404),
        ("/api/schema/", 200),
        ("/health/", 200),
        ("/static/admin/js/cancel.js", 200),
    ],
)
def test_everything_but_html_gets_the_minimal_policy(settings, path, status):
    # WhiteNoise serves static files from the apps as in development (not only after
    # collectstatic), so that the file above goes through the middleware.
    settings.WHITENOISE_USE_FINDERS = True

    response = Client().get(path, HTTP_ACCEPT="application/json")

    assert response.status_code == status
    assert not is_html(response)
    assert directives(response) == NON_HTML_POLICY


def no_argument_paths() -> list[str]:
    """Every named route of the URLConf that takes no argument, namespaces included."""
    paths = set()

    def walk(resolver, namespace):
        for name in resolver.reverse_dict:
            if isinstance(name, str):
                try:
                    paths.add(reverse(namespace + name))
                except NoReverseMatch:  # needs arguments
                    continue
        for child_namespace, (_, child) in resolver.namespace_dict.items():
            walk(child, f"{namespace}{child_namespace}:")

    walk(get_resolver(), "")
    return sorted(paths)


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_every_route_answers_with_the_policy_that_fits_it(superuser_client, accept):
    ListingFactory()
    paths = no_argument_paths()
    assert "/admin/" in paths and "/api/docs/" in paths and "/api/v1/listings/" in paths

    for path in paths:
        response = superuser_client.get(path, HTTP_ACCEPT=accept)
        assert response.status_code < 500, path
        if is_html(response):
            assert_strict(response)
        else:
            assert directives(response) == NON_HTML_POLICY, path


def test_the_report_address_comes_from_the_environment(monkeypatch, settings):
    monkeypatch.setenv("CSP_REPORT_URI", "https://csp.example.com/report")
    fresh = runpy.run_path(str(Path(settings.BASE_DIR) / "config" / "settings" / "base.py"))
    settings.CONTENT_SECURITY_POLICY = fresh["CONTENT_SECURITY_POLICY"]

    response = Client().get("/admin/login/")

    assert directives(response)["report-uri"] == ["https://csp.example.com/report"]
    assert_strict(response)
