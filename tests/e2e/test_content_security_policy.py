"""The strict Content-Security-Policy in a real browser: the admin, Swagger UI and the browsable
API work under it, with no violation and nothing in the console (the `page` fixture fails a test
that leaves any; these tests also check at the steps that matter)."""

import datetime as dt
import json

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from apps.bookings.models import Booking, BookingStatus
from apps.core.context import DbContext, db_context
from tests.factories import BookingFactory, ListingFactory, UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def policy_of(response) -> str:
    return response.headers["content-security-policy"]


def test_the_admin_works_under_the_policy(page, browser_problems, shoot):
    with db_context(DbContext.system("tests")):
        UserFactory(email="root@example.com", staff=True, is_superuser=True)
        guest = UserFactory(email="gina.guest@example.com", name="Gina Guest")
        pending = BookingFactory(guest=guest, status=BookingStatus.PENDING)
        BookingFactory.create_batch(2, status=BookingStatus.CONFIRMED)

    # The login page and the log-in itself (form-action 'self').
    login = page.goto("/admin/login/?next=/admin/")
    assert "script-src 'self'" in policy_of(login)
    page.fill("#id_username", "root@example.com")
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")

    # A changelist: a filter narrows it, the actions' select-all counter (actions.js) counts.
    page.goto("/admin/bookings/booking/")
    assert page.locator("#result_list tbody tr").count() == 3
    page.click("#changelist-filter a[href*='status__exact=pending']")
    page.wait_for_url("**status__exact=pending**")
    assert page.locator("#result_list tbody tr").count() == 1
    page.check("#action-toggle")
    assert page.inner_text(".action-counter").startswith("1 of 1 selected")
    shoot("csp-01-changelist-filtered")

    # An action that asks for a reason; its Cancel link (cancel.js, no inline handler) goes back.
    page.select_option("select[name=action]", label="Cancel selected bookings (with a reason)")
    page.click("button[name=index]")
    page.wait_for_selector("textarea[name=reason]")
    page.click("a.cancel-link")
    page.wait_for_url("**status__exact=pending**")

    # A change form: the autocomplete (select2 over XHR) finds the guest, the date widget's
    # calendar opens and picks a day.
    page.goto(f"/admin/bookings/booking/{pending.pk}/change/")
    page.click("#id_guest + .select2 .select2-selection")
    page.fill(".select2-search__field", "gina")
    option = page.locator(".select2-results__option", has_text="gina.guest@example.com")
    option.wait_for()
    option.click()
    assert "gina.guest@example.com" in page.inner_text("#select2-id_guest-container")
    page.click("#calendarlink0")
    calendar = page.locator("#calendarbox0")
    assert calendar.is_visible()
    shoot("csp-02-change-form-calendar")
    calendar.locator("td:not(.nonday) a").last.click()
    assert not calendar.is_visible()
    assert page.input_value("#id_check_in")

    assert browser_problems == []


def test_swagger_ui_loads_the_schema_and_renders_operations(page, browser_problems, shoot):
    docs = page.goto("/api/docs/")

    # Swagger UI fetches the schema (connect-src 'self') and renders every tag's operations.
    page.locator(".opblock-tag-section").first.wait_for()
    assert page.locator(".opblock").count() > 20
    assert page.locator(".opblock-summary-path", has_text="/api/v1/bookings/").first.is_visible()
    shoot("csp-03-swagger-ui")

    # Opening an operation and trying it out calls the API from the page.
    page.locator(".opblock-get .opblock-summary", has_text="/api/v1/amenities/").first.click()
    page.click(".try-out__btn")
    page.click(".execute")
    status = page.locator(".live-responses-table tbody .response-col_status")
    status.wait_for()
    assert status.inner_text().strip() == "200"

    policy = policy_of(docs)
    assert "'nonce-" in policy and "'unsafe-inline'" not in policy
    assert browser_problems == []


def test_the_browsable_api_renders_and_its_forms_post(page, browser_problems, live_server, shoot):
    with db_context(DbContext.system("tests")):
        guest = UserFactory(email="bea.browser@example.com")
        listing = ListingFactory(title="Cabin under the policy")
    # The browser carries a session of the guest's, as after a log-in on the site.
    client = Client()
    client.force_login(guest)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )

    listings = page.goto("/api/v1/listings/", wait_until="load")
    assert listings.headers["content-type"].startswith("text/html")
    assert "style-src-attr 'unsafe-inline'" in policy_of(listings)
    assert page.locator(".response-info").is_visible()
    assert "Cabin under the policy" in page.inner_text(".response-info")

    # The raw-data form posts JSON through DRF's ajax-form.js, which writes the answer into the
    # same document: it must render under the first page's policy.
    page.goto("/api/v1/bookings/", wait_until="load")
    check_in = timezone.localdate() + dt.timedelta(days=30)
    body = {
        "listing": listing.pk,
        "check_in": check_in.isoformat(),
        "check_out": (check_in + dt.timedelta(days=2)).isoformat(),
        "guests": 2,
    }
    # Bodies are JSON only: the raw-data form is the page's one form (no HTML-form tab).
    assert page.locator("a[name=raw-tab]").count() == 0
    raw_form = page.locator("#post-generic-content-form")
    raw_form.locator("select[name=_content_type]").select_option("application/json")
    raw_form.locator("textarea[name=_content]").fill(json.dumps(body))
    raw_form.locator("button", has_text="POST").click()
    page.wait_for_selector("text=HTTP 201 Created")
    shoot("csp-04-browsable-api-posted")

    with db_context(DbContext.system("tests")):
        assert Booking.objects.filter(guest=guest, listing=listing).count() == 1
    assert browser_problems == []
