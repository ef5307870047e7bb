"""A listing's calendar as iCalendar (RFC 5545), behind a secret URL other platforms poll.

The token is HMAC-SHA256(SECRET_KEY, "<listing id>:<version>") (Django's salted_hmac, salted
for this purpose only), the version being the listing's rotation counter (calendar_exports).
Why not a random token stored in the database: nothing secret is stored, so a database dump,
a backup or a staff reader never holds a working URL, and the owner can read their URL again
at any time; rotating bumps the version and retires every URL handed out before. The token is
compared in constant time, against SECRET_KEY_FALLBACKS too, so that rotating SECRET_KEY the
Django way keeps the URLs working until the fallbacks are dropped.

The calendar names no guest: a booking is "Reserved" over its nights and preparation nights
([start_date, turnover_end)), a block "Not available".
"""

import datetime as dt
import hashlib
import re

import icalendar
from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from apps.bookings.models import CalendarEntry, CalendarEntryKind

SALT = "havre.bookings.calendar_export"
TOKEN_PATTERN = re.compile(r"[0-9a-f]{64}")
PRODID = "-//Havre//Calendar export//EN"
UID_DOMAIN = "calendar.havre"
# Entries whose nights (preparation included) ended longer ago are left out: other platforms
# need what is coming, and the calendar stays small.
PAST_DAYS = 90


def calendar_token(listing_id: int, version: int, *, secret: str | None = None) -> str:
    return salted_hmac(
        SALT, f"{listing_id}:{version}", secret=secret, algorithm="sha256"
    ).hexdigest()


def calendar_token_looks_valid(token) -> bool:
    """64 lowercase hex digits: anything else (empty, huge, NUL) is refused before the
    database is asked anything."""
    return isinstance(token, str) and TOKEN_PATTERN.fullmatch(token) is not None


def calendar_token_matches(token: str, *, listing_id: int, version: int) -> bool:
    if not calendar_token_looks_valid(token):
        return False
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    # Every secret is tried: the time taken does not tell which one matched.
    matched = False
    for secret in secrets:
        expected = calendar_token(listing_id, version, secret=secret)
        matched |= constant_time_compare(token, expected)
    return matched


def entry_uid(entry: CalendarEntry) -> str:
    """Stable across exports: a booking's event is named by the booking (its entry may be
    written again when its dates move), a block by its entry."""
    if entry.kind == CalendarEntryKind.BOOKING:
        return f"booking-{entry.booking_id}@{UID_DOMAIN}"
    return f"block-{entry.pk}@{UID_DOMAIN}"


def calendar_ics(*, listing_id: int, entries: list[CalendarEntry]) -> bytes:
    """The calendar's text: all-day events (VALUE=DATE), CRLF lines folded at 75 octets by
    the icalendar library. DTSTAMP is the entry's creation time, so that the same calendar
    gives the same bytes (and ETag) at every export."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("Havre listing %(id)s") % {"id": listing_id})
    for entry in entries:
        booked = entry.kind == CalendarEntryKind.BOOKING
        event = icalendar.Event()
        event.add("uid", entry_uid(entry))
        event.add("dtstamp", entry.created_at.astimezone(dt.UTC))
        event.add("dtstart", entry.start_date)
        event.add("dtend", entry.turnover_end if booked else entry.end_date)
        event.add("summary", _("Reserved") if booked else _("Not available"))
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    return calendar.to_ical()


def calendar_etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
