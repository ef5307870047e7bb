"""The back-office's side of the calendar and of a booking: staff lay and lift a listing's
blocks on its page (through the bookings services, as its owner would), see the nights its
bookings hold without being able to touch them, and read a booking's frozen quote and refund."""

import datetime as dt
import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone

from apps.accounts.groups import MODERATORS
from apps.bookings.models import BookingStatus, CalendarEntry, CalendarEntryKind
from apps.bookings.services import booking_cancel, calendar_block_create
from apps.core import dates
from apps.core.context import DbContext, db_context
from tests.bookings.test_overlap_race import book, guest_connection
from tests.factories import BookingFactory, ListingFactory, UserFactory
from tests.helpers import add_inline_row, admin_form_data

pytestmark = pytest.mark.django_db

CALENDAR = "calendar_entries"  # the inline's prefix
OVERLAP = "These dates overlap a booking or a blocked period."


def day(days: int) -> dt.date:
    return dates.today() + dt.timedelta(days=days)


def change_url(listing) -> str:
    return reverse("admin:listings_listing_change", args=[listing.pk])


def staff_client(*permissions, group=None):
    user = UserFactory(staff=True, permissions=list(permissions))
    if group:
        user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client, user


def editor():
    """Staff holding what the calendar's services ask of staff: listings.change_listing."""
    return staff_client("listings.view_listing", "listings.change_listing")


def blocks_of(listing) -> list[tuple]:
    return list(
        CalendarEntry.objects.filter(listing=listing, kind=CalendarEntryKind.BLOCK)
        .order_by("start_date")
        .values_list("start_date", "end_date", "note", "created_by_id", "tenant_id")
    )


def post_block(client, listing, start, end, note=""):
    data = admin_form_data(client.get(change_url(listing)))
    add_inline_row(data, CALENDAR, start_date=start, end_date=end, note=note)
    return client.post(change_url(listing), data)


@pytest.fixture
def stay():
    """A confirmed stay of a listing, from 10 days on (3 nights)."""
    listing = ListingFactory()
    return BookingFactory(listing=listing, check_in=day(10), check_out=day(13))


def test_staff_see_the_calendar_with_the_bookings_nights_read_only(stay):
    listing = stay.listing
    with db_context(DbContext.system("tests").with_user(listing.owner)):
        block = calendar_block_create(
            listing=listing, start=day(20), end=day(25), note="Painting", actor=listing.owner
        )
    client, _ = editor()

    page = client.get(change_url(listing))

    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="calendar_entries-group"' in html
    assert "Calendar from today (blocks and bookings)" in html
    # The booking's nights: linked to the booking, no delete box that works.
    booking_url = reverse("admin:bookings_booking_change", args=[stay.pk])
    assert f'<a href="{booking_url}">Booking #{stay.pk} (Confirmed)</a>' in html
    rows = calendar_rows(page)
    assert rows[stay.calendar_entry.pk].fields["DELETE"].disabled
    assert not rows[block.pk].fields["DELETE"].disabled
    assert "Painting" in html and "Blocked by the host" in html
    # Rows are shown, not edited: no date box for a saved entry.
    assert f'name="{CALENDAR}-0-start_date"' not in html
    # The "Add another Blocked period" button inlines.js draws while below the maximum.
    assert "Add another Blocked period" in html
    assert f'name="{CALENDAR}-MAX_NUM_FORMS" value="1000"' in html


def test_a_block_added_on_the_listing_page_is_laid_by_the_staff_user(stay):
    client, user = editor()

    response = post_block(client, stay.listing, day(20), day(24), note="Owner's family")

    assert response.status_code == 302, response.context and response.context["errors"]
    listing = stay.listing
    assert blocks_of(listing) == [(day(20), day(24), "Owner's family", user.pk, listing.tenant_id)]
    page = client.get(change_url(listing)).content.decode()
    assert "Owner&#x27;s family" in page


def test_a_block_over_a_booking_shows_an_error_and_saves_nothing(stay):
    client, _ = editor()

    response = post_block(client, stay.listing, day(12), day(15))

    assert response.status_code == 200
    assert OVERLAP in response.content.decode()
    assert "Please correct the error below." in response.content.decode()
    assert blocks_of(stay.listing) == []


def test_two_new_blocks_overlapping_each_other_are_refused(stay):
    client, _ = editor()
    data = admin_form_data(client.get(change_url(stay.listing)))
    add_inline_row(data, CALENDAR, start_date=day(30), end_date=day(35))
    add_inline_row(data, CALENDAR, start_date=day(34), end_date=day(36))

    response = client.post(change_url(stay.listing), data)

    assert response.status_code == 200
    assert "This block overlaps another new block of this form." in response.content.decode()
    assert blocks_of(stay.listing) == []


def test_a_block_in_the_past_gets_the_services_message(stay):
    client, _ = editor()

    response = post_block(client, stay.listing, day(-2), day(3))

    assert response.status_code == 200
    assert "Give nights from today on." in response.content.decode()
    assert blocks_of(stay.listing) == []


def calendar_rows(page) -> dict:
    """The calendar inline's saved rows on `page`, by entry."""
    formset = next(
        inline.formset for inline in page.context["inline_admin_formsets"]
        if inline.formset.prefix == CALENDAR
    )  # fmt: skip
    return {row.instance.pk: row for row in formset.initial_forms}


def test_staff_lift_a_block(stay):
    listing = stay.listing
    client, _ = editor()
    post_block(client, listing, day(20), day(22))
    page = client.get(change_url(listing))
    data = admin_form_data(page)
    (block,) = CalendarEntry.objects.filter(listing=listing, kind=CalendarEntryKind.BLOCK)
    data[calendar_rows(page)[block.pk].add_prefix("DELETE")] = "on"

    response = client.post(change_url(listing), data)

    assert response.status_code == 302, response.context["errors"]
    assert blocks_of(listing) == []
    assert CalendarEntry.objects.filter(booking=stay).exists()


def test_a_forged_delete_of_a_bookings_nights_deletes_nothing(stay):
    listing = stay.listing
    client, _ = editor()
    page = client.get(change_url(listing))
    data = admin_form_data(page)
    data[calendar_rows(page)[stay.calendar_entry.pk].add_prefix("DELETE")] = "on"

    response = client.post(change_url(listing), data)

    assert response.status_code == 200  # the page again: its box is disabled, the row kept
    stay.refresh_from_db()
    assert stay.status == BookingStatus.CONFIRMED
    assert CalendarEntry.objects.filter(booking=stay).exists()


def test_a_moderator_reads_the_calendar_and_changes_nothing(stay):
    client, _ = staff_client(group=MODERATORS)

    page = client.get(change_url(stay.listing))

    html = page.content.decode()
    assert f"Booking #{stay.pk} (Confirmed)" in html
    assert f'name="{CALENDAR}-MAX_NUM_FORMS" value="0"' in html  # no "Add another" button
    assert f'name="{CALENDAR}-0-DELETE"' not in html
    assert post_block(client, stay.listing, day(20), day(22)).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_a_booking_that_takes_the_nights_while_the_block_saves_is_said_not_a_500():
    """The form's check passes (the booking is not committed yet), the block's insert then
    waits for the booking's transaction and fails when it commits: the page comes back with
    the refusal, nothing saved."""
    with db_context(DbContext.system("tests")):
        listing, guest = ListingFactory(), UserFactory()
        client, _ = editor()
        data = admin_form_data(client.get(change_url(listing)))
    add_inline_row(data, CALENDAR, start_date=day(40), end_date=day(45))
    outcome = {}

    def save_block():
        try:
            outcome["response"] = client.post(change_url(listing), data)
        finally:
            connections.close_all()

    with guest_connection() as booking:
        # Its foreign keys checked now, not as it commits: Django declares them deferred, and
        # the check of the listing's row would wait for the admin's update of it, which waits
        # for this booking (a deadlock PostgreSQL would break by failing one of the two).
        booking.execute("SET CONSTRAINTS ALL IMMEDIATE")
        book(booking, guest, listing, day(42), day(44))
        saving = threading.Thread(target=save_block, daemon=True)
        saving.start()
        wait_until_someone_waits_for(booking)
        booking.commit()
        saving.join(timeout=15)

    response = outcome["response"]
    assert response.status_code == 302, response.context["errors"]
    assert response.url == change_url(listing)
    page = client.get(response.url).content.decode()
    assert "Nothing was saved: These dates overlap a booking or another block" in page
    with db_context(DbContext.system("tests")):
        assert blocks_of(listing) == []


def wait_until_someone_waits_for(blocking, timeout: float = 10) -> None:
    """Return once a transaction of another connection (the admin's request) waits for
    `blocking`'s, as PostgreSQL reports it."""
    import time

    from django.db import connection

    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_stat_activity"
                " WHERE %s = ANY (pg_blocking_pids(pid)))",
                [blocking.info.backend_pid],
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.005)
    raise AssertionError("the admin's insert never waited for the booking")


# --- The booking's page ----------------------------------------------------------------------


def test_the_booking_page_shows_the_frozen_quote_and_the_refund():
    listing = ListingFactory(
        price_cents=10_000, cleaning_fee_cents=3_000, currency="EUR",
        cancellation_policy="moderate",
    )  # fmt: skip
    booking = BookingFactory(listing=listing, guests=1, check_in=day(30), check_out=day(32))
    booking_cancel(booking=booking, actor=booking.guest, reason="Plans changed")
    client, _ = staff_client(group="Support")

    page = client.get(reverse("admin:bookings_booking_change", args=[booking.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Price as quoted at booking" in html
    assert '<th scope="col">Line</th><th scope="col">Amount (EUR)</th>' in html
    assert f"<tr><td>Night of {day(30)}</td><td>100.00 EUR</td></tr>" in html
    assert f"<tr><td>Night of {day(31)}</td><td>100.00 EUR</td></tr>" in html
    assert "<tr><td>Cleaning fee</td><td>30.00 EUR</td></tr>" in html
    assert "<tr><td>Total</td><td>230.00 EUR</td></tr>" in html
    # The refund, its rule in words, who cancelled and when; none of it a form field.
    assert "Cancellation and refund" in html
    assert "230.00 EUR of 230.00 EUR" in html
    assert "Moderate: full refund" in html
    assert '<div class="readonly">Guest</div>' in html  # cancelled by
    booking.refresh_from_db()
    when = formats.localize(timezone.template_localtime(booking.cancelled_at))
    assert f'<div class="readonly">{when}</div>' in html  # cancelled at
    for name in ("refund_cents", "refund_rule", "cancelled_by", "cancelled_at", "quote"):
        assert f'name="{name}"' not in html
