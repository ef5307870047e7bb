"""Bounds of the dates the API accepts, in one place.

A date far outside any sensible range is a mistake or a probe (9999-12-31): it is refused
with a 400 naming the field, before it reaches date arithmetic (which overflows past year
9999) or PostgreSQL. PostgreSQL holds the bounds that protect stored rows (migrations
accounts.0009 and bookings.0006); these give the error message.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

# The earliest date anyone may give us: births, stays and searches alike.
EARLIEST_DATE = dt.date(1900, 1, 1)
# The furthest ahead any date may be: searches and calendars, and in PostgreSQL a stay's
# check_in (trigger bookings_check_in_within_advance), the ceiling of BOOKING_MAX_ADVANCE_DAYS.
# Far enough for any planning screen, near enough that a date range stays a small range.
HORIZON_DAYS = 3660


def today() -> dt.date:
    """The day it is in UTC: PostgreSQL's CURRENT_DATE (Django's sessions run in UTC), which
    the database's own date rules use. Not timezone.localdate(): TIME_ZONE is the zone the
    back-office shows, and a Python rule must not disagree with its PostgreSQL twin near
    midnight."""
    return timezone.now().date()


def max_advance_days() -> int:
    """How far ahead a stay may start (setting BOOKING_MAX_ADVANCE_DAYS)."""
    return settings.BOOKING_MAX_ADVANCE_DAYS


def latest_check_in() -> dt.date:
    return today() + dt.timedelta(days=max_advance_days())


def validate_date_of_birth(value: dt.date) -> None:
    """A birth date is in the past, and not before 1900."""
    if value >= today():
        raise ValidationError(_("A date of birth is in the past."), code="date_in_future")
    if value < EARLIEST_DATE:
        raise ValidationError(
            _("A date of birth is on or after %(date)s.") % {"date": EARLIEST_DATE.isoformat()},
            code="date_too_early",
        )


def validate_query_date(value: dt.date) -> None:
    """A date a search or calendar asks about: from 1900 to HORIZON_DAYS ahead."""
    latest = today() + dt.timedelta(days=HORIZON_DAYS)
    if not EARLIEST_DATE <= value <= latest:
        raise ValidationError(
            _("Give a date between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST_DATE.isoformat(), "latest": latest.isoformat()},
            code="date_out_of_range",
        )
