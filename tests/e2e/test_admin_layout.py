"""Every changelist of the back-office fits a 1280 × 800 screen: the admin site's registry is
walked (no hand list), each changelist opened with rows in it, and its results table must not
be wider than its box nor run past the window. Listing photos show as thumbnails under the
Content-Security-Policy."""

import datetime as dt

import pytest
from django.contrib import admin
from django.urls import reverse

from apps.bookings.services import booking_cancel, calendar_block_create
from apps.core import dates
from apps.core.context import DbContext, db_context
from apps.listings.models import ListingAmenity, ListingTag
from apps.listings.services import price_override_create
from tests.core.test_admin_readability import img_src
from tests.core.test_admin_smoke import admin_world
from tests.e2e.admin_pages import log_in, staff
from tests.e2e.conftest import VIEWPORT
from tests.factories import (
    AmenityFactory,
    BookingFactory,
    ListingFactory,
    TagFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The sizes that decide whether a table fits: its box (.results, which scrolls sideways when
# the table is wider) and the table's right edge against the window.
MEASURE = """() => {
  const table = document.querySelector("#result_list");
  const box = table.closest(".results") || table.parentElement;
  return {
    rows: table.querySelectorAll("tbody tr").length,
    scrollWidth: box.scrollWidth,
    clientWidth: box.clientWidth,
    tableRight: Math.ceil(table.getBoundingClientRect().right),
    windowWidth: document.documentElement.clientWidth,
    headers: Array.from(table.querySelectorAll("thead th")).map((th) => th.innerText.trim()),
  };
}"""


# An image decoded, or an error naming it within 10 s: a lazy image that never loads (below the
# fold, refused by the policy) must fail the test, not hang it.
DECODE = """img => Promise.race([
  img.decode(),
  new Promise((_, reject) => setTimeout(() => reject(new Error("not decoded: " + img.src)), 10000)),
])"""


def long_rows():
    """Rows with the long values real data has: a long address, title and city."""
    owner = UserFactory(
        email="marie-antoinette.de-la-rochefoucauld-montbazon@conciergerie-cote-atlantique.example.com",
        name="Marie-Antoinette de La Rochefoucauld-Montbazon",
    )
    ListingFactory(
        owner=owner,
        title="Spacious family house with a garden, a heated pool and a view over the ocean",
        city="Saint-Rémy-de-Provence-sur-Mer",
        price_cents=123_456_78,
    )


def test_every_changelist_fits_a_1280_pixel_screen(page, browser_problems):
    root = staff("root@example.com", superuser=True)
    with db_context(DbContext.system("tests")):
        admin_world()
        long_rows()
    log_in(page, root.email)
    assert page.viewport_size == VIEWPORT

    registered = sorted(admin.site._registry, key=lambda model: model._meta.label)
    assert len(registered) >= 10  # the walk found the site's models, not an empty registry
    overflowing, empty = [], []
    for model in registered:
        opts = model._meta
        page.goto(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        page.wait_for_selector("#result_list")
        size = page.evaluate(MEASURE)
        if size["rows"] == 0:
            empty.append(opts.label)
        if size["scrollWidth"] > size["clientWidth"] or size["tableRight"] > size["windowWidth"]:
            overflowing.append(f"{opts.label}: {size}")

    assert not empty, f"changelists without rows to measure: {empty}"
    assert not overflowing, "wider than 1280 px:\n" + "\n".join(overflowing)
    assert browser_problems == []


def test_listing_photos_show_as_thumbnails_under_the_policy(page, browser_problems, shoot):
    root = staff("root@example.com", superuser=True)
    with db_context(DbContext.system("tests")):
        listing = ListingFactory(
            title="Cottage with three photos",
            photos=[
                "https://photos.example.com/cottage/1.jpg",
                "https://photos.example.com/cottage/2.jpg",
                "http://insecure.example.com/cottage/3.jpg",
            ],
        )
        ListingTag.objects.create(listing=listing, tag=TagFactory(name="Countryside"))
        ListingAmenity.objects.create(listing=listing, amenity=AmenityFactory(name="Fireplace"))
    log_in(page, root.email)

    changelist = page.goto(reverse("admin:listings_listing_changelist"))
    assert img_src(changelist) == ["'self'", "data:", "https:"]
    row = page.locator("#result_list tbody tr", has_text="Cottage")
    thumbnail = row.locator(".photo-thumb img")
    assert thumbnail.count() == 1  # the first photo only, in the list
    thumbnail.evaluate(DECODE)
    assert thumbnail.evaluate("img => img.naturalWidth") > 0
    assert thumbnail.get_attribute("referrerpolicy") == "no-referrer"

    page.goto(reverse("admin:listings_listing_change", args=[listing.pk]))
    previews = page.locator("#photo_set-group .field-preview img")
    # Both https: photos; the http: one is never put in an <img> (the policy would refuse it).
    assert previews.count() == 2
    for index in range(2):
        # loading="lazy": the previews sit below the fold of the long form, as a user scrolls.
        previews.nth(index).scroll_into_view_if_needed()
        previews.nth(index).evaluate(DECODE)
    assert [src for src in (previews.nth(i).get_attribute("src") for i in range(2))] == [
        "https://photos.example.com/cottage/1.jpg",
        "https://photos.example.com/cottage/2.jpg",
    ]
    # The inline rows are named, the price is in euros.
    inlines = page.inner_text("#listing_tags-group") + page.inner_text("#listing_amenities-group")
    assert "Countryside on Cottage with three photos" in inlines
    assert "Fireplace in Cottage with three photos" in inlines
    assert page.input_value("#id_price_cents") == f"{listing.price_cents / 100:.2f}"
    shoot("listings-01-listing-page")

    # Pages that show no photo keep the site's policy: images from this site only.
    other = page.goto(reverse("admin:bookings_booking_changelist"))
    assert img_src(other) == ["'self'", "data:"]
    with db_context(DbContext.system("tests")):
        assert listing.photo_set.get(position=2).url.startswith("http://")
    assert browser_problems == []


# The widest thing on a change page, against the window: the page scrolls sideways when one of
# them (an inline's table, the frozen quote) is wider than the screen.
MEASURE_PAGE = """() => ({
  scrollWidth: document.documentElement.scrollWidth,
  windowWidth: document.documentElement.clientWidth,
  wide: Array.from(document.querySelectorAll(".inline-group table, table.frozen-quote"))
    .filter((table) => Math.ceil(table.getBoundingClientRect().right)
                      > document.documentElement.clientWidth)
    .map((table) => table.closest("[id]").id),
})"""


def test_the_listing_and_booking_pages_fit_a_1280_pixel_screen(page, browser_problems, shoot):
    """The listing's page with its calendar (a block with a long note, a booking's nights) and
    price overrides; the booking's page with its frozen quote and refund."""
    root = staff("root@example.com", superuser=True)
    today = dates.today()
    with db_context(DbContext.system("tests")):
        listing = ListingFactory(cleaning_fee_cents=4_500, weekly_discount_percent=10)
        stay = BookingFactory(listing=listing, check_in=today + dt.timedelta(days=10),
                              check_out=today + dt.timedelta(days=17))  # fmt: skip
        cancelled = BookingFactory(listing=listing, check_in=today + dt.timedelta(days=30),
                                   check_out=today + dt.timedelta(days=33))  # fmt: skip
        booking_cancel(booking=cancelled, actor=cancelled.guest, reason="Plans changed")
        price_override_create(listing=listing, start=today + dt.timedelta(days=40),
                              end=today + dt.timedelta(days=60), price_cents=21_000,
                              actor=listing.owner)  # fmt: skip
    with db_context(DbContext.system("tests").with_user(listing.owner)):
        calendar_block_create(
            listing=listing, start=today + dt.timedelta(days=20),
            end=today + dt.timedelta(days=25),
            note="Repainting the bedrooms and replacing the kitchen's worktop before the summer",
            actor=listing.owner,
        )  # fmt: skip
    log_in(page, root.email)

    page.goto(reverse("admin:listings_listing_change", args=[listing.pk]))
    calendar = page.inner_text("#calendar_entries-group")
    assert f"Booking #{stay.pk} (Confirmed)" in calendar
    assert "Repainting the bedrooms" in calendar
    assert "210.00 EUR" in page.inner_text("#price_overrides-group")
    size = page.evaluate(MEASURE_PAGE)
    assert size["wide"] == [] and size["scrollWidth"] <= size["windowWidth"], size
    shoot("listings-02-listing-calendar")

    page.goto(reverse("admin:bookings_booking_change", args=[cancelled.pk]))
    quote = page.inner_text("table.frozen-quote")
    assert "Cleaning fee" in quote and "Total" in quote
    refund = page.inner_text(".field-refund")
    assert " of " in refund and "EUR" in refund
    size = page.evaluate(MEASURE_PAGE)
    assert size["wide"] == [] and size["scrollWidth"] <= size["windowWidth"], size
    shoot("bookings-01-booking-quote-refund")
    assert browser_problems == []
