"""The back-office reads well: English plurals, amounts in currency units, times with their
zone (and UTC everywhere else), rows named rather than numbered, audit entries linked to what
they describe, listing photos as thumbnails under the Content-Security-Policy."""

import datetime as dt
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from apps.core import dates
from apps.core.admin_tools import breakable_email
from apps.core.backups.connector import PostgresBackupConnector
from apps.core.logging import UtcFormatter
from apps.core.models import AuditLog
from apps.listings.models import Listing, ListingAmenity, ListingTag, Tag
from tests.core.test_admin_smoke import admin_world
from tests.factories import AmenityFactory, ListingFactory, TagFactory, UserFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


def english_plural(noun: str) -> str:
    """The plural of an English noun phrase (its last word), by the spelling rules that the
    admin's models need: entry → entries, search → searches, status → statuses, key → keys."""
    head, _, last = noun.rpartition(" ")
    if re.search(r"[^aeiou]y$", last):
        last = last[:-1] + "ies"
    elif re.search(r"(s|x|z|ch|sh)$", last):
        last += "es"
    else:
        last += "s"
    return f"{head} {last}".strip()


def admin_models():
    """Every model the back-office names: the registered ones and their inlines'."""
    request = RequestFactory().get("/")
    request.user = UserFactory(staff=True, is_superuser=True)
    models = set(REGISTERED)
    for model in REGISTERED:
        for inline in admin.site.get_model_admin(model).get_inline_instances(request):
            models.add(inline.model)
    return sorted(models, key=lambda model: model._meta.label)


def superuser_client():
    client = Client()
    client.force_login(UserFactory(staff=True, is_superuser=True))
    return client


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


# --- Plurals -----------------------------------------------------------------------------


def test_every_model_of_the_back_office_has_an_english_plural():
    wrong = [
        f"{model._meta.label}: {model._meta.verbose_name_plural!r} "
        f"(expected {english_plural(str(model._meta.verbose_name))!r})"
        for model in admin_models()
        if str(model._meta.verbose_name_plural) != english_plural(str(model._meta.verbose_name))
    ]
    assert not wrong, "\n".join(wrong)


def test_the_plural_rules_are_not_the_naive_ones():
    assert english_plural("audit log entry") == "audit log entries"
    assert english_plural("listing search") == "listing searches"
    assert english_plural("API token") == "API tokens"
    assert english_plural("listing version") == "listing versions"


def test_no_changelist_reads_a_count_followed_by_a_singular():
    admin_world()
    client = superuser_client()

    problems = []
    for model in REGISTERED:
        page = client.get(admin_url(model, "changelist")).content.decode()
        singular, plural = str(model._meta.verbose_name), str(model._meta.verbose_name_plural)
        for count, noun in re.findall(
            rf"(\d+) ({re.escape(singular)}|{re.escape(plural)})\b", page
        ):
            if (count == "1") != (noun == singular):
                problems.append(f"{model._meta.label}: {count} {noun}")
    assert not problems, problems

    audit = client.get(admin_url(AuditLog, "changelist")).content.decode()
    assert re.search(r"\d+ audit log entries", audit)
    assert not re.search(r"\d+ audit log(?! entr)", audit)


# --- Amounts -----------------------------------------------------------------------------


def listing_form_data(client, listing):
    """The change form's fields as the browser would send them back unchanged."""
    page = client.get(admin_url(Listing, "change", listing.pk))
    form = page.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        data[name] = ",".join(value) if isinstance(value, list) else value
    # Every inline of the page, other apps' too (the calendar), sent back with no row.
    for inline in page.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return page, data


def test_a_price_is_shown_and_typed_in_currency_units_and_stored_in_cents():
    listing = ListingFactory(price_cents=12_000, currency="EUR")
    client = superuser_client()

    page, data = listing_form_data(client, listing)
    html = page.content.decode()
    assert re.search(
        r'name="price_cents" value="120.00"[^>]*> <span class="money-currency">EUR', html
    )

    data["price_cents"] = "120.50"
    response = client.post(admin_url(Listing, "change", listing.pk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    listing.refresh_from_db()
    assert listing.price_cents == 12_050


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("120.505", "at most two decimals"),
        ("0.50", "at least 1.00 EUR"),
        ("2000000", "at most 1,000,000.00 EUR"),
        ("twelve", "Enter an amount"),
        ("NaN", "Enter an amount"),
        ("1e999999", "Enter an amount"),
        ("-120", "at least 1.00 EUR"),
    ],
)
def test_a_price_that_is_not_an_amount_is_refused_with_a_message_in_units(typed, message):
    listing = ListingFactory(price_cents=12_000)
    client = superuser_client()
    _, data = listing_form_data(client, listing)

    response = client.post(admin_url(Listing, "change", listing.pk), {**data, "price_cents": typed})

    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.errors["price_cents"])
    assert message in errors
    listing.refresh_from_db()
    assert listing.price_cents == 12_000


def test_booking_and_version_amounts_read_in_currency_units():
    world = admin_world()  # a booking of a 150.00 EUR listing
    client = superuser_client()
    booking = world.bookings.get()

    booking_page = client.get(reverse("admin:bookings_booking_change", args=[booking.pk]))
    listing_page = client.get(admin_url(Listing, "change", world.pk)).content.decode()

    total = f"{booking.total_cents / 100:,.2f} {booking.currency}"
    assert total in booking_page.content.decode()
    assert 'name="total_cents"' not in booking_page.content.decode()
    assert re.search(r'<td class="field-price">\s*<p>150.00 EUR</p>', listing_page)


# --- Times -------------------------------------------------------------------------------


@pytest.fixture
def paris(settings):
    """The site's zone as deployed by default (the suite runs in UTC: config/settings/test.py)."""
    settings.TIME_ZONE = "Europe/Paris"
    return settings


def base_time_zone(**environment) -> str:
    """TIME_ZONE as config/settings/base.py reads it from this environment."""
    env = {k: v for k, v in os.environ.items() if k != "TIME_ZONE"} | environment
    code = "import config.settings.base as base; print(base.TIME_ZONE)"
    result = subprocess.run(  # noqa: S603 - our interpreter, our code
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_site_zone_comes_from_the_environment_and_defaults_to_paris():
    assert base_time_zone() == "Europe/Paris"
    assert base_time_zone(TIME_ZONE="America/Montreal") == "America/Montreal"
    assert "# TIME_ZONE=Europe/Paris" in (ROOT / ".env.example").read_text()


def test_admin_times_show_in_the_site_zone_with_its_name(paris):
    listing = ListingFactory()
    entry = AuditLog.objects.filter(table_name="listings", record_id=listing.pk).first()
    client = superuser_client()

    local = timezone.localtime(entry.timestamp, timezone.get_default_timezone())
    shown = f"{local.day} {local:%b %Y, %H:%M} {local.tzname()}"  # 6 Dec 2026, 09:15 CET
    assert local.tzname() not in ("UTC", "")
    changelist = client.get(admin_url(AuditLog, "changelist")).content.decode()
    detail = client.get(admin_url(AuditLog, "change", entry.pk)).content.decode()

    assert shown in changelist
    assert shown in detail
    assert f"at {local:%Y-%m-%d %H:%M} {local.tzname()}" in detail  # the entry's title


def test_the_api_database_backups_and_today_stay_utc(paris):
    listing = ListingFactory()
    client = client_for(UserFactory())

    body = client.get(reverse("listing-detail", args=[listing.pk])).json()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('TimeZone'), CURRENT_DATE")
        database_zone, database_today = cursor.fetchone()

    assert body["created_at"].endswith("Z")
    assert dt.datetime.fromisoformat(body["created_at"]) == listing.created_at
    assert database_zone == "UTC"
    assert dates.today() == database_today == timezone.now().astimezone(dt.UTC).date()
    name = PostgresBackupConnector(database_name="default").generate_filename()
    stamp = re.search(r"-(\d{8}T\d{6}Z)\.", name).group(1)
    taken = dt.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    assert abs(timezone.now() - taken) < dt.timedelta(minutes=1)


# --- Names, links, photos ----------------------------------------------------------------


def test_inline_rows_are_labelled_by_names_not_ids():
    listing = ListingFactory(title="Barn by the river")
    ListingTag.objects.create(listing=listing, tag=TagFactory(name="Quiet"), added_by=listing.owner)
    ListingAmenity.objects.create(listing=listing, amenity=AmenityFactory(name="Sauna"))
    Listing.objects.filter(pk=listing.pk).update(title="Barn by the big river")
    client = superuser_client()

    page = client.get(admin_url(Listing, "change", listing.pk)).content.decode()

    assert "Quiet on Barn by the river" in page or "Quiet on Barn by the big river" in page
    assert "Sauna in Barn by the" in page
    assert "v1: Barn by the river" in page
    # No row labelled "<id>: ..."; a version's "v1:" or a time's "14:05" is no id.
    text = re.sub(r"<[^>]+>", "", page)
    assert not re.search(rf"(?<![\w:]){listing.pk}:(?!\d)", text)


def test_audit_entries_link_to_the_row_they_describe_while_it_exists():
    listing = ListingFactory()
    tag = TagFactory(name="Gone soon")
    tag_id = tag.pk
    Tag.objects.filter(pk=tag_id).delete()
    client = superuser_client()

    changelist = client.get(admin_url(AuditLog, "changelist")).content.decode()
    listing_url = admin_url(Listing, "change", listing.pk)
    assert f'<a href="{listing_url}">listings #{listing.pk}</a>' in changelist
    assert f"tags #{tag_id}</td>" in changelist  # deleted: named, not linked
    assert admin_url(Tag, "change", tag_id) not in changelist

    entry = AuditLog.objects.filter(table_name="listings", record_id=listing.pk).first()
    detail = client.get(admin_url(AuditLog, "change", entry.pk)).content.decode()
    assert f'<a href="{listing_url}">Listing #{listing.pk}</a>' in detail
    gone = AuditLog.objects.filter(table_name="tags", record_id=tag_id).first()
    assert "— (deleted)" in client.get(admin_url(AuditLog, "change", gone.pk)).content.decode()


def img_src(response) -> list[str]:
    """The sources the response's Content-Security-Policy allows images from."""
    for directive in response.headers["content-security-policy"].split(";"):
        words = directive.split()
        if words and words[0] == "img-src":
            return words[1:]
    return []


def test_listing_pages_show_photo_thumbnails_and_allow_https_images_only_there():
    listing = ListingFactory(
        photos=["https://cdn.example.com/a.jpg", "http://cdn.example.com/b.jpg"]
    )
    client = superuser_client()

    changelist = client.get(admin_url(Listing, "changelist"))
    change = client.get(admin_url(Listing, "change", listing.pk))
    bookings = client.get(reverse("admin:bookings_booking_changelist"))

    for response in (changelist, change):
        assert img_src(response) == ["'self'", "data:", "https:"]
        html = response.content.decode()
        assert '<img src="https://cdn.example.com/a.jpg"' in html
        assert 'referrerpolicy="no-referrer"' in html
        assert '<img src="http://' not in html
    assert img_src(bookings) == ["'self'", "data:"]


def test_log_lines_keep_utc_times_in_the_site_zone(paris):
    plain = settings.LOGGING["formatters"]["plain"]
    formatter_class = plain["()"]
    formatter = formatter_class(plain["format"])
    record = logging.makeLogRecord({"msg": "hello", "created": 1_796_000_000.0})  # a winter day

    assert issubclass(formatter_class, UtcFormatter)
    assert formatter.formatTime(record).startswith("2026-11-30 00:53:20")
    utc = dt.datetime.fromtimestamp(record.created, dt.UTC)
    assert formatter.formatTime(record, "%H:%M") == f"{utc:%H:%M}"
    assert time.strftime("%H:%M", time.localtime(record.created)) != f"{utc:%H:%M}"  # Paris


def test_email_addresses_may_wrap_before_the_at_and_the_dots_and_stay_escaped():
    assert str(breakable_email("ann.o'neil@mail.example.com")) == (
        "ann.o&#x27;neil<wbr>@mail<wbr>.example<wbr>.com"
    )
    assert str(breakable_email("<script>@x.y")) == "&lt;script&gt;<wbr>@x<wbr>.y"
