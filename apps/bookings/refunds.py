"""What a cancelled booking refunds: one pure function, used by the preview and the cancel.

`refund_for(booking, at=, by=)` reads only the booking's frozen facts (check-in and check-out
dates, status, created_at, cancellation_policy, quote, total_cents) and the moment `at`; it
never queries. The rules (docs/design.md, "Cancellations and refunds"):

- the stay's instants are in the listing's time zone (setting LISTING_TIME_ZONE,
  Europe/Paris): check-in at CHECK_IN_HOUR (15:00) on the check-in date, check-out at
  CHECK_OUT_HOUR (11:00) on the check-out date; the night of date d starts at CHECK_IN_HOUR
  on d. A night is *spent* once its start has come (start <= at); the others are *not yet
  spent*. The stay *has begun* once check-in has come;
- "N days before check-in" is N calendar days in the listing's zone (same wall-clock hour,
  so 5 days across a daylight-saving change are 119 or 121 hours); "24 h" and "48 h" are
  elapsed hours;
- a host cancelling refunds everything (`host`), so do staff cancelling on behalf of a
  party (`staff`) and a pending request that was never confirmed (`pending`);
- flexible: everything until 24 h before check-in (`flexible_full`); after that, the nights
  not yet spent but the first of them (`flexible_partial`);
- moderate: everything until 5 days before check-in (`moderate_full`); after that, 50% of
  the nights not yet spent (`moderate_partial`);
- strict: everything within 48 h of booking when check-in is at least 14 days away
  (`strict_grace`); 50% of the nights until 7 days before check-in (`strict_half`);
  no night after that (`strict_none`);
- besides the nights, the cleaning fee is refunded whenever the stay has not begun;
- "until", "within": the earlier rule holds strictly before the boundary instant, the later
  one from the boundary on.

The price of nights: each night is worth its own night line of the frozen quote, plus an
equal share of the extra-guest line, the whole scaled by the quote's discount (the same
percentage off every night, as the quote applies it to nights and extra guests together).
The amount is computed exactly (fractions) and rounded once, half up to the cent; refunding
every night gives back exactly the quote's nightly part. 0 <= refund <= total_cents always.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from fractions import Fraction

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.bookings.errors import StayOver
from apps.bookings.models import BookingStatus, CancelledBy, RefundRule
from apps.listings.models import CancellationPolicy

FLEXIBLE_FULL_UNTIL = dt.timedelta(hours=24)
MODERATE_FULL_DAYS = 5
STRICT_GRACE = dt.timedelta(hours=48)
STRICT_GRACE_MIN_DAYS = 14
STRICT_HALF_DAYS = 7
HALF = Fraction(1, 2)

EXPLANATIONS = {
    RefundRule.HOST: gettext_lazy("The host cancelled: the guest is refunded in full."),
    RefundRule.STAFF: gettext_lazy("Cancelled by staff: the guest is refunded in full."),
    RefundRule.PENDING: gettext_lazy(
        "The request was not confirmed yet: the guest is refunded in full."
    ),
    RefundRule.FLEXIBLE_FULL: gettext_lazy(
        "Flexible policy, cancelled more than 24 hours before check-in: full refund."
    ),
    RefundRule.FLEXIBLE_PARTIAL: gettext_lazy(
        "Flexible policy, cancelled less than 24 hours before check-in or during the stay: "
        "the nights not yet spent but the next one are refunded, and the cleaning fee if the "
        "stay has not begun."
    ),
    RefundRule.MODERATE_FULL: gettext_lazy(
        "Moderate policy, cancelled at least 5 days before check-in: full refund."
    ),
    RefundRule.MODERATE_PARTIAL: gettext_lazy(
        "Moderate policy, cancelled less than 5 days before check-in or during the stay: half "
        "of the nights not yet spent is refunded, and the cleaning fee if the stay has not "
        "begun."
    ),
    RefundRule.STRICT_GRACE: gettext_lazy(
        "Strict policy, cancelled within 48 hours of booking and at least 14 days before "
        "check-in: full refund."
    ),
    RefundRule.STRICT_HALF: gettext_lazy(
        "Strict policy, cancelled at least 7 days before check-in: half of the nights and the "
        "cleaning fee are refunded."
    ),
    RefundRule.STRICT_NONE: gettext_lazy(
        "Strict policy, cancelled less than 7 days before check-in: no night is refunded; the "
        "cleaning fee is if the stay has not begun."
    ),
}


@dataclass(frozen=True)
class Refund:
    amount_cents: int
    rule: str
    explanation: str
    check_in_at: dt.datetime
    check_out_at: dt.datetime
    nights_not_spent: int

    def as_dict(self) -> dict:
        return {
            "refund_cents": self.amount_cents,
            "refund_rule": self.rule,
            "explanation": self.explanation,
            "check_in_at": self.check_in_at,
            "check_out_at": self.check_out_at,
            "nights_not_spent": self.nights_not_spent,
        }


def now() -> dt.datetime:
    """The clock of cancellations: timezone.now(), in one place that tests replace."""
    return timezone.now()


def listing_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.LISTING_TIME_ZONE)


def local_instant(day: dt.date, hour: int) -> dt.datetime:
    """`hour`:00 on `day` in the listing's zone, aware. A wall-clock time that does not exist
    (skipped by a daylight-saving change) or exists twice is read with fold=0: before the
    change (zoneinfo's rule)."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=listing_zone())


def days_before(instant: dt.datetime, days: int) -> dt.datetime:
    """The same wall-clock time `days` calendar days earlier, in the listing's zone."""
    local = instant.astimezone(listing_zone())
    return local_instant(local.date() - dt.timedelta(days=days), local.hour)


def _round_half_up(value: Fraction) -> int:
    return int((value + HALF).__floor__())


def _nights_value(quote: dict, nights: int, indexes: list[int]) -> Fraction:
    """The worth of these nights (0-based indexes into the stay) in the frozen quote."""
    lines = quote.get("lines") or []
    night_amounts = {}
    position = 0
    for line in lines:
        if line.get("kind") == "night":
            night_amounts[position] = int(line.get("amount_cents") or 0)
            position += 1
    extras = sum(
        int(li.get("amount_cents") or 0) for li in lines if li.get("kind") == "extra_guests"
    )
    discount = sum(int(li.get("amount_cents") or 0) for li in lines if li.get("kind") == "discount")
    gross = sum(night_amounts.values()) + extras
    if gross <= 0 or nights <= 0:
        return Fraction(0)
    chosen = sum(night_amounts.get(i, 0) for i in indexes) + Fraction(extras * len(indexes), nights)
    return chosen * Fraction(gross + discount, gross)


def _cleaning_fee(quote: dict) -> int:
    return sum(
        int(line.get("amount_cents") or 0)
        for line in quote.get("lines") or []
        if line.get("kind") == "cleaning_fee"
    )


def stay_instants(booking) -> tuple[dt.datetime, dt.datetime]:
    return (
        local_instant(booking.check_in, settings.CHECK_IN_HOUR),
        local_instant(booking.check_out, settings.CHECK_OUT_HOUR),
    )


def refund_for(booking, *, at: dt.datetime, by: str) -> Refund:
    """What cancelling `booking` at `at` by `by` (CancelledBy: guest, host, staff) refunds.
    Raises StayOver from check-out on. Pure: reads the booking's fields, never the database."""
    check_in_at, check_out_at = stay_instants(booking)
    if at >= check_out_at:
        raise StayOver()
    nights = booking.nights
    starts = [local_instant(booking.check_in + dt.timedelta(days=i), settings.CHECK_IN_HOUR)
              for i in range(nights)]  # fmt: skip
    not_spent = [i for i, start in enumerate(starts) if start > at]
    quote = booking.quote or {}
    total = booking.total_cents
    begun = at >= check_in_at
    cleaning = 0 if begun else _cleaning_fee(quote)

    def nights_refund(indexes: list[int], share: Fraction = Fraction(1)) -> int:
        return _round_half_up(_nights_value(quote, nights, indexes) * share)

    policy = booking.cancellation_policy
    if by == CancelledBy.HOST:
        rule, amount = RefundRule.HOST, total
    elif by == CancelledBy.STAFF:
        rule, amount = RefundRule.STAFF, total
    elif booking.status == BookingStatus.PENDING:
        rule, amount = RefundRule.PENDING, total
    elif policy == CancellationPolicy.FLEXIBLE:
        # In UTC: an aware datetime's arithmetic in its own zone is wall-clock arithmetic.
        if at < check_in_at.astimezone(dt.UTC) - FLEXIBLE_FULL_UNTIL:
            rule, amount = RefundRule.FLEXIBLE_FULL, total
        else:
            rule, amount = RefundRule.FLEXIBLE_PARTIAL, nights_refund(not_spent[1:]) + cleaning
    elif policy == CancellationPolicy.STRICT:
        if at < booking.created_at.astimezone(dt.UTC) + STRICT_GRACE and at < days_before(
            check_in_at, STRICT_GRACE_MIN_DAYS
        ):
            rule, amount = RefundRule.STRICT_GRACE, total
        elif at < days_before(check_in_at, STRICT_HALF_DAYS):
            rule, amount = RefundRule.STRICT_HALF, nights_refund(not_spent, HALF) + cleaning
        else:
            rule, amount = RefundRule.STRICT_NONE, cleaning
    else:  # moderate, the default
        if at < days_before(check_in_at, MODERATE_FULL_DAYS):
            rule, amount = RefundRule.MODERATE_FULL, total
        else:
            rule, amount = RefundRule.MODERATE_PARTIAL, nights_refund(not_spent, HALF) + cleaning
    return Refund(
        amount_cents=max(0, min(amount, total)),
        rule=rule,
        explanation=str(EXPLANATIONS[rule]),
        check_in_at=check_in_at,
        check_out_at=check_out_at,
        nights_not_spent=len(not_spent),
    )


def cancelled_by(*, is_guest: bool, is_host: bool) -> str:
    """Who a cancel is recorded against: the guest, else the host, else staff."""
    return CancelledBy.GUEST if is_guest else CancelledBy.HOST if is_host else CancelledBy.STAFF
