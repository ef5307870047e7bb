"""A booking keeps the quote shown before booking — line items, total, cancellation policy —
and later price changes never move it; PostgreSQL holds a guest's booking to the listing's
quote and nobody but staff rewrites it."""

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Permission

from apps.bookings.models import Booking
from apps.core import dates
from apps.listings.models import CancellationPolicy, ListingPriceOverride
from apps.listings.pricing import stay_quote
from tests.db import acting_as, execute, refused, refused_column
from tests.factories import BookingFactory, ListingFactory, UserFactory
from tests.helpers import client_for, error

pytestmark = pytest.mark.django_db
TODAY = dates.today()


def day(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def priced_listing(**fields):
    return ListingFactory(
        price_cents=10_000, cleaning_fee_cents=4_000, extra_guest_fee_cents=1_500,
        guests_included=2, max_guests=6, weekly_discount_percent=12,
        cancellation_policy=CancellationPolicy.FLEXIBLE, **fields,
    )  # fmt: skip


def quote_url(listing, check_in, check_out, guests) -> str:
    return (
        f"/api/v1/listings/{listing.pk}/quote/?check_in={check_in}&check_out={check_out}"
        f"&guests={guests}"
    )


def test_the_booking_stores_the_quote_shown_before_and_keeps_it_when_prices_change():
    listing = priced_listing()
    ListingPriceOverride.objects.create(
        listing=listing, start_date=day(12), end_date=day(14), price_cents=16_000
    )
    guest = client_for(UserFactory())
    check_in, check_out = day(10), day(18)

    shown = guest.get(quote_url(listing, check_in, check_out, 3)).json()
    booked = guest.post(
        "/api/v1/bookings/",
        {"listing": listing.pk, "check_in": check_in.isoformat(),
         "check_out": check_out.isoformat(), "guests": 3},
        format="json",
    )  # fmt: skip

    assert booked.status_code == 201, booked.json()
    frozen = {k: v for k, v in shown.items() if k not in ("bookable", "problems")}
    assert shown["bookable"] is True
    assert booked.json()["quote"] == frozen
    assert booked.json()["total_cents"] == shown["total_cents"]
    assert booked.json()["cancellation_policy"] == "flexible"
    # 8 nights: 6 × 100 + 2 × 160, one extra guest × 8 × 15, 12% off those, 40 of cleaning.
    base = 6 * 10_000 + 2 * 16_000 + 8 * 1_500
    assert shown["total_cents"] == base - (base * 12 + 50) // 100 + 4_000

    # The host raises every price and changes the policy: the booking does not move.
    listing.price_cents, listing.cleaning_fee_cents = 30_000, 9_000
    listing.cancellation_policy = CancellationPolicy.STRICT
    listing.save()
    ListingPriceOverride.objects.create(
        listing=listing, start_date=day(10), end_date=day(18), price_cents=50_000
    )
    again = guest.get(f"/api/v1/bookings/{booked.json()['id']}/").json()
    assert again["quote"] == frozen and again["total_cents"] == shown["total_cents"]
    assert again["cancellation_policy"] == "flexible"
    requote = guest.get(quote_url(listing, check_in, check_out, 3)).json()
    assert requote["total_cents"] != shown["total_cents"]
    assert requote["cancellation_policy"] == "strict"


def test_the_host_sees_the_frozen_quote_in_the_bookings_list():
    booking = BookingFactory(listing=priced_listing(), guests=4)

    [row] = client_for(booking.listing.owner).get("/api/v1/bookings/?role=host").json()["results"]

    assert row["quote"]["lines"][-1] == {"kind": "cleaning_fee", "amount_cents": 4_000}
    assert sum(line["amount_cents"] for line in row["quote"]["lines"]) == row["total_cents"]


# --- PostgreSQL's word, in raw SQL as app_user ------------------------------------------------

INSERT = (
    "INSERT INTO bookings (listing_id, guest_id, tenant_id, check_in, check_out, guests,"
    " status, total_cents, currency, cancellation_reason, quote, cancellation_policy)"
    " VALUES (%s, %s, %s, %s, %s, %s, 'pending', %s, %s, '', %s, %s)"
)


def insert(guest, listing, quote, *, guests=2, total=None, policy=None):
    execute(
        INSERT,
        [listing.pk, guest.pk, listing.tenant_id, quote["check_in"], quote["check_out"], guests,
         quote["total_cents"] if total is None else total, quote["currency"], json.dumps(quote),
         policy or quote["cancellation_policy"]],
    )  # fmt: skip


def test_a_guest_cannot_insert_a_booking_with_a_forged_quote_or_policy():
    listing, guest = priced_listing(), UserFactory()
    quote = stay_quote(listing_id=listing.pk, check_in=day(20), check_out=day(23), guests=2)
    cheaper = {**quote, "lines": quote["lines"][:-1], "total_cents": quote["total_cents"] - 4_000}

    with acting_as(guest):
        with refused("bookings_price_matches_listing"):
            insert(guest, listing, cheaper)
        with refused("bookings_price_matches_listing"):
            insert(guest, listing, quote, guests=5)  # quoted for 2, booked for 5
        with refused("bookings_price_matches_listing"):
            insert(guest, listing, {**quote, "cancellation_policy": "strict"}, policy="strict")
        insert(guest, listing, quote)  # the listing's quote: accepted

    assert Booking.objects.get(guest=guest).total_cents == quote["total_cents"]


@pytest.mark.parametrize(
    ("column", "value"),
    [("quote", '{"total_cents": 1, "currency": "EUR"}'), ("cancellation_policy", "flexible")],
)
def test_no_party_rewrites_the_frozen_quote_or_policy(column, value):
    booking = BookingFactory(listing=ListingFactory(cancellation_policy="strict"))

    for party in (booking.guest, booking.listing.owner):
        with acting_as(party), refused_column(column):
            execute(f"UPDATE bookings SET {column} = %s WHERE id = %s", [value, booking.pk])  # noqa: S608


def test_staff_holding_change_booking_may_correct_a_quote_but_not_away_from_the_total():
    booking = BookingFactory()
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="change_booking"))
    corrected = {**booking.quote, "lines": [], "total_cents": booking.total_cents}

    with acting_as(staff):
        with refused("bookings_total_quoted"):
            execute(
                "UPDATE bookings SET quote = %s WHERE id = %s",
                [json.dumps({**corrected, "total_cents": 1}), booking.pk],
            )
        with refused("bookings_total_quoted"):
            execute(
                "UPDATE bookings SET quote = %s WHERE id = %s",
                [json.dumps({**corrected, "currency": "CHF"}), booking.pk],
            )
        execute("UPDATE bookings SET quote = %s WHERE id = %s", [json.dumps(corrected), booking.pk])


def test_a_price_change_between_quote_and_insert_is_a_409_quote_changed(monkeypatch):
    listing = priced_listing()
    guest = UserFactory()
    from apps.bookings import services

    real = services.stay_quote

    def stale(**kwargs):  # the quote read just before the host's change committed
        quote = real(**kwargs)
        return {**quote, "total_cents": quote["total_cents"] - 100}

    monkeypatch.setattr(services, "stay_quote", stale)

    response = client_for(guest).post(
        "/api/v1/bookings/",
        {"listing": listing.pk, "check_in": day(5).isoformat(),
         "check_out": day(7).isoformat(), "guests": 2},
        format="json",
    )  # fmt: skip

    error(response, 409, "quote_changed")
    assert not Booking.objects.exists()
