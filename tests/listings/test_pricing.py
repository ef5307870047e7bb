"""The price of a stay (apps/listings/pricing.py, listing_quote() in PostgreSQL) and the quote
endpoint: fees, extra guests, weekly and monthly discounts, overrides (the latest wins),
whether the stay may be booked, bad input, query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core import dates
from apps.listings.models import CancellationPolicy, ListingPriceOverride
from apps.listings.pricing import stay_quote
from tests.db import acting_as
from tests.factories import BookingFactory, ListingFactory, UserFactory
from tests.helpers import client_for, error

pytestmark = pytest.mark.django_db
TODAY = dates.today()


def day(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def priced_listing(**fields):
    """100.00 a night for 2 guests, 20.00 per extra guest and night, 50.00 of cleaning,
    10% off a week, 20% off a month."""
    return ListingFactory(
        **{
            "price_cents": 10_000,
            "cleaning_fee_cents": 5_000,
            "extra_guest_fee_cents": 2_000,
            "guests_included": 2,
            "max_guests": 6,
            "weekly_discount_percent": 10,
            "monthly_discount_percent": 20,
            **fields,
        }
    )


def quote(listing, start=10, nights=3, guests=2) -> dict:
    return stay_quote(
        listing_id=listing.pk, check_in=day(start), check_out=day(start + nights), guests=guests
    )


def kinds(q: dict) -> dict:
    """{kind: amount_cents} of the lines that are not nights."""
    return {line["kind"]: line["amount_cents"] for line in q["lines"] if line["kind"] != "night"}


def override(listing, start, end, price_cents, **fields):
    return ListingPriceOverride.objects.create(
        listing=listing, start_date=day(start), end_date=day(end), price_cents=price_cents,
        **fields,
    )  # fmt: skip


# --- the pricing function ------------------------------------------------------------------


def test_a_short_stay_costs_its_nights_and_the_cleaning_fee():
    q = quote(priced_listing(), nights=3, guests=2)

    nights = [line for line in q["lines"] if line["kind"] == "night"]
    assert [(n["date"], n["amount_cents"], n["override"]) for n in nights] == [
        (day(10 + i).isoformat(), 10_000, False) for i in range(3)
    ]
    assert kinds(q) == {"cleaning_fee": 5_000}
    assert q["total_cents"] == 35_000
    assert (q["nights"], q["guests"], q["currency"]) == (3, 2, "EUR")
    assert q["cancellation_policy"] == "moderate"


def test_guests_above_those_included_pay_the_extra_guest_fee_each_night():
    q = quote(priced_listing(), nights=3, guests=5)

    [extra] = [line for line in q["lines"] if line["kind"] == "extra_guests"]
    assert extra == {
        "kind": "extra_guests", "guests": 3, "nights": 3, "unit_cents": 2_000,
        "amount_cents": 18_000,
    }  # fmt: skip
    assert q["total_cents"] == 30_000 + 18_000 + 5_000


def test_a_week_takes_the_weekly_discount_off_the_nights_and_extra_guests_not_the_cleaning():
    q = quote(priced_listing(), nights=7, guests=3)

    base = 7 * 10_000 + 7 * 2_000
    assert kinds(q) == {"extra_guests": 14_000, "discount": -8_400, "cleaning_fee": 5_000}
    assert [line for line in q["lines"] if line["kind"] == "discount"][0]["rule"] == "weekly"
    assert q["total_cents"] == base - 8_400 + 5_000


def test_six_nights_get_no_discount():
    assert "discount" not in kinds(quote(priced_listing(), nights=6))


def test_a_month_takes_the_monthly_discount_instead_of_the_weekly_one():
    q = quote(priced_listing(), nights=28)

    [discount] = [line for line in q["lines"] if line["kind"] == "discount"]
    assert (discount["rule"], discount["percent"], discount["amount_cents"]) == (
        "monthly",
        20,
        -56_000,
    )
    assert q["total_cents"] == 280_000 - 56_000 + 5_000


def test_a_month_without_a_monthly_discount_keeps_the_weekly_one():
    q = quote(priced_listing(monthly_discount_percent=0), nights=30)

    [discount] = [line for line in q["lines"] if line["kind"] == "discount"]
    assert (discount["rule"], discount["amount_cents"]) == ("weekly", -30_000)


def test_the_discount_is_rounded_half_up_to_the_cent():
    # 7 × 10.10 = 70.70; 15% of it is 10.605: 10.61 (half up; half-even would say 10.60).
    q = quote(
        priced_listing(price_cents=1_010, weekly_discount_percent=15, cleaning_fee_cents=0),
        nights=7,
    )
    assert kinds(q) == {"discount": -1_061}
    assert q["total_cents"] == 7_070 - 1_061


def test_overrides_price_their_nights_and_the_latest_created_wins():
    listing = priced_listing(cleaning_fee_cents=0)
    earlier = timezone.now() - dt.timedelta(days=2)
    # A season over nights 11-13, then a later special price over nights 12-14. The later one
    # has the lower id: the creation time decides, not the id.
    override(listing, 12, 15, 30_000, created_at=earlier + dt.timedelta(days=1))
    override(listing, 11, 14, 20_000, created_at=earlier)

    q = quote(listing, start=10, nights=6)

    assert [(n["amount_cents"], n["override"]) for n in q["lines"]] == [
        (10_000, False), (20_000, True), (30_000, True), (30_000, True), (30_000, True),
        (10_000, False),
    ]  # fmt: skip
    assert q["total_cents"] == 130_000


def test_overrides_created_together_are_ordered_by_id():
    listing = priced_listing(cleaning_fee_cents=0)
    override(listing, 10, 12, 20_000)
    override(listing, 10, 12, 25_000)  # same transaction, same created_at: the higher id wins

    assert quote(listing, nights=2)["total_cents"] == 50_000


def test_the_lines_add_up_to_the_total():
    listing = priced_listing()
    override(listing, 15, 40, 12_345)

    q = quote(listing, start=10, nights=35, guests=4)

    assert sum(line["amount_cents"] for line in q["lines"]) == q["total_cents"]


def test_a_listing_the_caller_cannot_see_has_no_price():
    draft = ListingFactory(draft=True)

    with acting_as(UserFactory()):
        assert quote(draft) is None


# --- the quote endpoint ----------------------------------------------------------------------


def url(listing, start=10, nights=3, guests=2) -> str:
    return (
        f"/api/v1/listings/{listing.pk}/quote/?check_in={day(start)}"
        f"&check_out={day(start + nights)}&guests={guests}"
    )


def test_anyone_gets_a_quote_of_a_published_listing_with_the_policy_that_would_apply():
    listing = priced_listing(cancellation_policy=CancellationPolicy.STRICT)

    body = client_for().get(url(listing, nights=7, guests=3)).json()

    assert body["bookable"] is True and body["problems"] == []
    assert body["cancellation_policy"] == "strict"
    assert body["total_cents"] == 84_000 - 8_400 + 5_000
    assert body["currency"] == "EUR"


@pytest.mark.parametrize(
    ("start", "nights", "guests", "field", "code"),
    [
        (10, 3, 7, "guests", "too_many_guests"),
        (-2, 3, 2, "check_in", "check_in_past"),
        (800, 3, 2, "check_in", "check_in_too_far"),
        (10, 91, 2, "check_out", "stay_too_long"),
    ],
)
def test_a_stay_booking_would_refuse_is_priced_but_not_bookable(start, nights, guests, field, code):
    listing = priced_listing()

    body = client_for(UserFactory()).get(url(listing, start, nights, guests)).json()

    assert body["bookable"] is False
    assert [(p["field"], p["code"]) for p in body["problems"]] == [(field, code)]
    assert body["problems"][0]["message"]
    assert body["total_cents"] > 0


def test_dates_overlapping_a_booking_are_not_bookable():
    listing = priced_listing()
    BookingFactory(listing=listing, check_in=day(11), check_out=day(12), status="pending")

    body = client_for(UserFactory()).get(url(listing, start=10, nights=3)).json()

    assert [p["code"] for p in body["problems"]] == ["dates_unavailable"]
    # Back to back is fine.
    assert client_for(UserFactory()).get(url(listing, start=12, nights=3)).json()["bookable"]


def test_the_owner_sees_the_price_of_their_own_listing_but_cannot_book_it():
    listing = priced_listing()

    body = client_for(listing.owner).get(url(listing)).json()

    assert [p["code"] for p in body["problems"]] == ["own_listing"]


def test_a_draft_is_a_404_to_others_and_not_bookable_to_its_owner():
    draft = priced_listing(draft=True)

    error(client_for(UserFactory()).get(url(draft)), 404, "not_found")
    body = client_for(draft.owner).get(url(draft)).json()
    assert [p["code"] for p in body["problems"]] == ["listing_not_bookable"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("check_out=2030-01-01", "check_in"),
        ("check_in=2030-01-05&check_out=2030-01-05", "check_out"),
        ("check_in=2030-01-05&check_out=2030-01-01", "check_out"),
        ("check_in=yesterday&check_out=2030-01-01", "check_in"),
        ("check_in=9999-12-30&check_out=9999-12-31", "check_in"),
        ("check_in=2030-01-01&check_out=2031-06-01", "check_out"),
        ("check_in=2030-01-01&check_out=2030-01-03&guests=0", "guests"),
        ("check_in=2030-01-01&check_out=2030-01-03&guests=x", "guests"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(query, field):
    listing = priced_listing()

    fields = error(
        client_for().get(f"/api/v1/listings/{listing.pk}/quote/?{query}"), 400, "invalid"
    )

    assert field in fields


def test_a_quote_costs_the_same_queries_whatever_the_stay_and_its_overrides():
    listing = priced_listing()
    client = client_for(UserFactory())
    client.get(url(listing, nights=2))  # the session and the context, once

    with CaptureQueriesContext(connection) as short:
        client.get(url(listing, nights=2))
    for i in range(40):
        override(listing, 10 + i, 12 + i, 11_000 + i)
    with CaptureQueriesContext(connection) as long:
        body = client.get(url(listing, nights=60)).json()

    assert len(body["lines"]) > 60
    assert len(short) == len(long)
    assert sum("listing_quote" in q["sql"] for q in long.captured_queries) == 1
