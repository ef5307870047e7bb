"""Refunds on cancelling (apps/bookings/refunds.py): each policy's boundary one minute before
and one minute after, in Europe/Paris, across both daylight-saving changes; the clock is the
test's (`at=`). The rules' own function, without the database: a booking is only its fields."""

import datetime as dt

import pytest

from apps.bookings.errors import StayOver
from apps.bookings.models import Booking, BookingStatus
from apps.bookings.refunds import refund_for

UTC = dt.UTC
MINUTE = dt.timedelta(minutes=1)
NIGHT = 10_000
CLEANING = 4_000


@pytest.fixture(autouse=True)
def paris(settings):
    settings.LISTING_TIME_ZONE = "Europe/Paris"
    settings.CHECK_IN_HOUR = 15
    settings.CHECK_OUT_HOUR = 11


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def quote_of(check_in, nights, *, night_prices=None, extras=0, discount=0, cleaning=CLEANING):
    prices = night_prices or [NIGHT] * nights
    lines = [
        {"kind": "night", "date": (check_in + dt.timedelta(days=i)).isoformat(),
         "amount_cents": price, "override": False}
        for i, price in enumerate(prices)
    ]  # fmt: skip
    if extras:
        lines.append({"kind": "extra_guests", "amount_cents": extras})
    if discount:
        lines.append({"kind": "discount", "rule": "weekly", "amount_cents": discount})
    if cleaning:
        lines.append({"kind": "cleaning_fee", "amount_cents": cleaning})
    return {"lines": lines, "total_cents": sum(line["amount_cents"] for line in lines),
            "currency": "EUR"}  # fmt: skip


def booking(policy, check_in, check_out, *, created_at=None, status="confirmed", **quote_args):
    nights = (check_out - check_in).days
    quote = quote_of(check_in, nights, **quote_args)
    return Booking(
        check_in=check_in, check_out=check_out, status=status, cancellation_policy=policy,
        quote=quote, total_cents=quote["total_cents"], currency="EUR",
        created_at=created_at or utc(2026, 6, 1),
    )  # fmt: skip


# A winter stay: check-in Wednesday 20 January 2027 at 15:00 CET (14:00 UTC), 4 nights,
# check-out Sunday 24 January at 11:00 CET (10:00 UTC). Total 44,000 with 4,000 of cleaning.
JAN_IN, JAN_OUT = dt.date(2027, 1, 20), dt.date(2027, 1, 24)
C = utc(2027, 1, 20, 14)
JAN_OUT_AT = utc(2027, 1, 24, 10)

WINTER = [
    # flexible: full until 24 h before check-in; then the nights not yet spent but one.
    ("flexible", C - dt.timedelta(hours=24) - MINUTE, "flexible_full", 44_000),
    ("flexible", C - dt.timedelta(hours=24) + MINUTE, "flexible_partial", 3 * NIGHT + CLEANING),
    ("flexible", C - MINUTE, "flexible_partial", 3 * NIGHT + CLEANING),
    ("flexible", C + MINUTE, "flexible_partial", 2 * NIGHT),  # begun: no cleaning fee
    ("flexible", utc(2027, 1, 22, 14) - MINUTE, "flexible_partial", NIGHT),  # 2 left, one lost
    ("flexible", utc(2027, 1, 22, 14) + MINUTE, "flexible_partial", 0),
    # moderate: full until 5 days before check-in (15 Jan, 15:00 CET); then half the nights.
    ("moderate", C - dt.timedelta(days=5) - MINUTE, "moderate_full", 44_000),
    ("moderate", C - dt.timedelta(days=5) + MINUTE, "moderate_partial", 2 * NIGHT + CLEANING),
    ("moderate", C - MINUTE, "moderate_partial", 2 * NIGHT + CLEANING),
    ("moderate", C + MINUTE, "moderate_partial", 3 * NIGHT // 2),
    ("moderate", utc(2027, 1, 21, 14) - MINUTE, "moderate_partial", 3 * NIGHT // 2),
    ("moderate", utc(2027, 1, 21, 14) + MINUTE, "moderate_partial", NIGHT),
    ("moderate", JAN_OUT_AT - MINUTE, "moderate_partial", 0),
    # strict, booked 15 days ahead: full until 14 days before check-in (within 48 h of booking).
    ("strict", C - dt.timedelta(days=14) - MINUTE, "strict_grace", 44_000),
    ("strict", C - dt.timedelta(days=14) + MINUTE, "strict_half", 2 * NIGHT + CLEANING),
    # 50% until 7 days before check-in; then no night, the cleaning fee until check-in.
    ("strict", C - dt.timedelta(days=7) - MINUTE, "strict_half", 2 * NIGHT + CLEANING),
    ("strict", C - dt.timedelta(days=7) + MINUTE, "strict_none", CLEANING),
    ("strict", C - MINUTE, "strict_none", CLEANING),
    ("strict", C + MINUTE, "strict_none", 0),
]


@pytest.mark.parametrize(("policy", "at", "rule", "amount"), WINTER)
def test_each_policy_at_each_boundary_of_a_winter_stay(policy, at, rule, amount):
    stay = booking(policy, JAN_IN, JAN_OUT, created_at=C - dt.timedelta(days=15))

    refund = refund_for(stay, at=at, by="guest")

    assert (refund.rule, refund.amount_cents) == (rule, amount)
    assert refund.check_in_at == C and refund.check_out_at == JAN_OUT_AT
    assert str(refund.explanation)


@pytest.mark.parametrize(
    ("at", "rule"),
    [
        (C - dt.timedelta(days=18) - MINUTE, "strict_grace"),  # booked 47:59 ago
        (C - dt.timedelta(days=18) + MINUTE, "strict_half"),  # booked 48:01 ago
    ],
)
def test_strict_full_refund_ends_48_hours_after_booking(at, rule):
    stay = booking("strict", JAN_IN, JAN_OUT, created_at=C - dt.timedelta(days=20))

    assert refund_for(stay, at=at, by="guest").rule == rule


def test_strict_grace_needs_check_in_14_days_away_even_just_after_booking():
    stay = booking("strict", JAN_IN, JAN_OUT, created_at=C - dt.timedelta(days=10))

    refund = refund_for(stay, at=C - dt.timedelta(days=10) + MINUTE, by="guest")

    assert (refund.rule, refund.amount_cents) == ("strict_half", 2 * NIGHT + CLEANING)


@pytest.mark.parametrize("policy", ["flexible", "moderate", "strict"])
@pytest.mark.parametrize("at", [C - dt.timedelta(days=30), C + MINUTE, JAN_OUT_AT - MINUTE])
def test_a_host_cancelling_refunds_everything(policy, at):
    stay = booking(policy, JAN_IN, JAN_OUT)

    refund = refund_for(stay, at=at, by="host")

    assert (refund.rule, refund.amount_cents) == ("host", 44_000)
    assert refund_for(stay, at=at, by="staff").amount_cents == 44_000


def test_a_request_not_yet_confirmed_is_refunded_in_full():
    stay = booking("strict", JAN_IN, JAN_OUT, status=BookingStatus.PENDING)

    refund = refund_for(stay, at=C - MINUTE, by="guest")

    assert (refund.rule, refund.amount_cents) == ("pending", 44_000)


@pytest.mark.parametrize("by", ["guest", "host", "staff"])
def test_nothing_is_cancelled_from_check_out_on(by):
    stay = booking("flexible", JAN_IN, JAN_OUT)

    assert refund_for(stay, at=JAN_OUT_AT - MINUTE, by=by).rule
    for at in (JAN_OUT_AT, JAN_OUT_AT + MINUTE):
        with pytest.raises(StayOver):
            refund_for(stay, at=at, by=by)


def test_discount_and_extra_guests_are_shared_by_the_nights_in_proportion():
    # 7 nights (one at 160), one extra guest at 15 a night, 12% off both, cleaning 40.
    prices = [NIGHT, 16_000, NIGHT, NIGHT, NIGHT, NIGHT, NIGHT]
    gross = sum(prices) + 7 * 1_500  # 86,500
    discount = -((gross * 12 + 50) // 100)  # -10,380
    stay = booking(
        "moderate", JAN_IN, JAN_IN + dt.timedelta(days=7),
        night_prices=prices, extras=7 * 1_500, discount=discount,
    )  # fmt: skip
    assert stay.total_cents == 80_120

    before = refund_for(stay, at=C - MINUTE, by="guest")
    # Night 3 (22 January) has begun: 4 nights of 100 + their 4/7 of the extra guests, 12% off.
    during = refund_for(stay, at=utc(2027, 1, 22, 14) + MINUTE, by="guest")

    assert before.amount_cents == (gross + discount) // 2 + CLEANING  # 38,060 + 4,000
    assert during.amount_cents == (4 * NIGHT + 4 * 1_500) * 88 // 100 // 2  # 20,240
    assert during.nights_not_spent == 4


def test_the_amount_is_rounded_once_half_up_to_the_cent():
    stay = booking("moderate", JAN_IN, JAN_IN + dt.timedelta(days=3), night_prices=[10_001] * 3,
                   cleaning=0)  # fmt: skip

    # Half of 30,003 is 15,001.5: 15,002.
    assert refund_for(stay, at=C - MINUTE, by="guest").amount_cents == 15_002


# End of daylight-saving time: Sunday 31 October 2027, 03:00 CEST becomes 02:00 CET.
@pytest.mark.parametrize(
    ("at", "rule"),
    [
        # Check-in Sunday 31 October at 15:00 CET (14:00 UTC): 24 h before is Saturday 16:00
        # CEST (14:00 UTC), not 15:00 — the hours are elapsed ones.
        (utc(2027, 10, 30, 14) - MINUTE, "flexible_full"),
        (utc(2027, 10, 30, 14) + MINUTE, "flexible_partial"),
    ],
)
def test_flexible_24_hours_are_elapsed_hours_across_the_end_of_summer_time(at, rule):
    stay = booking("flexible", dt.date(2027, 10, 31), dt.date(2027, 11, 2))

    assert refund_for(stay, at=at, by="guest").rule == rule
    assert refund_for(stay, at=at, by="guest").check_in_at == utc(2027, 10, 31, 14)


@pytest.mark.parametrize(
    ("at", "rule"),
    [
        # Check-in Tuesday 2 November at 15:00 CET (14:00 UTC); 5 days before is Thursday 28
        # October at 15:00 CEST (13:00 UTC): calendar days, 121 hours here.
        (utc(2027, 10, 28, 13) - MINUTE, "moderate_full"),
        (utc(2027, 10, 28, 13) + MINUTE, "moderate_partial"),
    ],
)
def test_moderate_days_are_calendar_days_across_the_end_of_summer_time(at, rule):
    stay = booking("moderate", dt.date(2027, 11, 2), dt.date(2027, 11, 4))

    assert refund_for(stay, at=at, by="guest").rule == rule


@pytest.mark.parametrize(
    ("at", "not_spent", "amount"),
    [
        # Nights of 30 Oct (starts 13:00 UTC, CEST), 31 Oct (14:00 UTC, CET), 1 Nov.
        (utc(2027, 10, 30, 13) - MINUTE, 3, 3 * NIGHT // 2 + CLEANING),
        (utc(2027, 10, 30, 13) + MINUTE, 2, NIGHT),
        (utc(2027, 10, 31, 14) - MINUTE, 2, NIGHT),  # 25 h later: the clocks went back
        (utc(2027, 10, 31, 14) + MINUTE, 1, NIGHT // 2),
        (utc(2027, 11, 2, 10) - MINUTE, 0, 0),  # check-out Tuesday 11:00 CET
    ],
)
def test_nights_spent_during_a_stay_across_the_end_of_summer_time(at, not_spent, amount):
    stay = booking("moderate", dt.date(2027, 10, 30), dt.date(2027, 11, 2))

    refund = refund_for(stay, at=at, by="guest")

    assert (refund.nights_not_spent, refund.amount_cents) == (not_spent, amount)
    with pytest.raises(StayOver):
        refund_for(stay, at=utc(2027, 11, 2, 10) + MINUTE, by="guest")


# Start of daylight-saving time: Sunday 28 March 2027, 02:00 CET becomes 03:00 CEST.
@pytest.mark.parametrize(
    ("at", "not_spent", "amount"),
    [
        # Nights of 27 March (starts 14:00 UTC, CET), 28 March (13:00 UTC, CEST), 29 March.
        (utc(2027, 3, 27, 14) - MINUTE, 3, 3 * NIGHT // 2 + CLEANING),
        (utc(2027, 3, 27, 14) + MINUTE, 2, NIGHT),
        (utc(2027, 3, 28, 13) - MINUTE, 2, NIGHT),  # 23 h later: the clocks went forward
        (utc(2027, 3, 28, 13) + MINUTE, 1, NIGHT // 2),
        (utc(2027, 3, 30, 9) - MINUTE, 0, 0),  # check-out Tuesday 11:00 CEST
    ],
)
def test_nights_spent_during_a_stay_across_the_start_of_summer_time(at, not_spent, amount):
    stay = booking("moderate", dt.date(2027, 3, 27), dt.date(2027, 3, 30))

    refund = refund_for(stay, at=at, by="guest")

    assert (refund.nights_not_spent, refund.amount_cents) == (not_spent, amount)
    with pytest.raises(StayOver):
        refund_for(stay, at=utc(2027, 3, 30, 9), by="guest")


@pytest.mark.parametrize(
    ("at", "rule"),
    [
        # Check-in Tuesday 30 March at 15:00 CEST (13:00 UTC); 7 days before is Tuesday 23
        # March at 15:00 CET (14:00 UTC).
        (utc(2027, 3, 23, 14) - MINUTE, "strict_half"),
        (utc(2027, 3, 23, 14) + MINUTE, "strict_none"),
    ],
)
def test_strict_days_are_calendar_days_across_the_start_of_summer_time(at, rule):
    stay = booking("strict", dt.date(2027, 3, 30), dt.date(2027, 4, 1))

    assert refund_for(stay, at=at, by="guest").rule == rule
