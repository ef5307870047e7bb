"""Another platform's calendar (iCalendar text) read as the nights it closes.

Each VEVENT (not CANCELLED) covers the nights [first night, check-out day): an all-day event's
dates as they are; a timed one (a TZID or UTC DTSTART) the dates in its own time zone — a
stay from the 10th 15:00 to the 13th 11:00 closes the nights of the 10th, 11th and 12th. An
event without DTEND lasts its DURATION, else one night. Recurring events (RRULE, minus EXDATE)
are expanded within the window. Past nights are dropped; events start at most HORIZON_DAYS
ahead and last at most MAX_BLOCK, as a host's blocks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import icalendar
from dateutil.rrule import rrulestr

from apps.bookings.calendar_fetch import FeedError
from apps.bookings.models import MAX_BLOCK
from apps.core.dates import HORIZON_DAYS

MAX_EVENTS = 2_000  # occurrences of one feed, recurring ones included
MAX_KEY = 300
# A rule ticking every minute since 2000 is cut off, not walked for hours.
MAX_RULE_STEPS = 20_000


@dataclass(frozen=True)
class ImportedNights:
    key: str  # the event's UID and its occurrence's first night: stable across syncs
    uid: str
    start: dt.date
    end: dt.date


def _day(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _event_span(event) -> tuple[object, dt.timedelta]:
    start = event.decoded("DTSTART")
    if "DTEND" in event:
        end = event.decoded("DTEND")
        length = end - start if type(end) is type(start) else _day(end) - _day(start)
    elif "DURATION" in event:
        length = event.decoded("DURATION")
    else:
        length = dt.timedelta(days=1)
    return start, length


def _nights(start, length: dt.timedelta) -> tuple[dt.date, dt.date]:
    first = _day(start)
    last = _day(start + length)
    return first, max(last, first + dt.timedelta(days=1))


def _key(uid: str, first: dt.date) -> str:
    key = f"{uid}|{first.isoformat()}"
    if len(key) > MAX_KEY:
        key = hashlib.sha256(key.encode()).hexdigest() + f"|{first.isoformat()}"
    return key


def feed_nights(body: bytes, *, today: dt.date) -> list[ImportedNights]:
    try:
        calendar = icalendar.Calendar.from_ical(body)
    # Hostile text makes the parser raise many kinds of errors (ValueError, IndexError,
    # KeyError, UnicodeError...): whichever, the feed is unreadable, and the host is told.
    except Exception as exc:  # noqa: BLE001
        raise FeedError("the feed is not an iCalendar file") from exc
    if isinstance(calendar, list):  # several VCALENDARs: read the first
        calendar = calendar[0] if calendar else None
    if calendar is None or calendar.name != "VCALENDAR":
        raise FeedError("the feed is not an iCalendar file")
    horizon = today + dt.timedelta(days=HORIZON_DAYS)
    found: dict[str, ImportedNights] = {}
    for event in calendar.walk("VEVENT"):
        if str(event.get("STATUS", "")).upper() == "CANCELLED" or "DTSTART" not in event:
            continue
        try:
            start, length = _event_span(event)
            starts = _occurrences(event, start, length, today=today, horizon=horizon)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
            continue  # an event we cannot read closes nothing; the others still count
        uid = str(event.get("UID", "")) or f"no-uid-{_day(start).isoformat()}"
        for occurrence in starts:
            first, end = _nights(occurrence, length)
            if end <= today or first > horizon:
                continue
            clipped = max(first, today)
            end = min(end, clipped + MAX_BLOCK)
            key = _key(uid, first)
            found[key] = ImportedNights(key, uid[:200], clipped, end)
            if len(found) > MAX_EVENTS:
                raise FeedError(f"the feed holds more than {MAX_EVENTS} events")
    return sorted(found.values(), key=lambda n: (n.start, n.key))


def _occurrences(event, start, length, *, today: dt.date, horizon: dt.date) -> list:
    """The event's starts whose nights end after today and start within the horizon: its
    DTSTART, or its recurrence's (RRULE minus EXDATE), walking at most MAX_RULE_STEPS."""
    if "RRULE" not in event:
        return [start]
    rule = event["RRULE"].to_ical().decode()
    aware = isinstance(start, dt.datetime)
    dtstart = start if aware else dt.datetime.combine(start, dt.time())
    exdates = event.get("EXDATE", [])
    excluded = {
        _day(value.dt)
        for group in (exdates if isinstance(exdates, list) else [exdates])
        for value in group.dts
    }
    occurrences = []
    for step, when in enumerate(rrulestr(rule, dtstart=dtstart)):
        if step >= MAX_RULE_STEPS or _day(when) > horizon:
            break
        occurrence = when if aware else when.date()
        if _day(when) in excluded or _nights(occurrence, length)[1] <= today:
            continue
        occurrences.append(occurrence)
        if len(occurrences) > MAX_EVENTS:
            break
    return occurrences
