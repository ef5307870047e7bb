"""Every write to bookings goes through here."""

import datetime as dt

import psycopg
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.services import require_verified_email
from apps.bookings import notifications, refunds
from apps.bookings.calendar_fetch import FeedError, check_feed_url, fetch_feed
from apps.bookings.calendar_import import feed_nights
from apps.bookings.errors import (
    BookingConflict,
    DatesUnavailable,
    QuoteChanged,
    StayRulesChanged,
    TooManyPendingRequests,
)
from apps.bookings.models import (
    MAX_FEEDS_PER_LISTING,
    Booking,
    BookingStatus,
    CalendarEntry,
    CalendarEntryKind,
    CalendarExport,
    CalendarFeed,
    CalendarFeedStatus,
    request_ttl,
)
from apps.bookings.notifications import BOOKING_REQUESTED, GUEST, HOST, INSTANT_BOOKING
from apps.core import dates
from apps.core.actors import require_signed_in
from apps.core.context import DbContext, db_context
from apps.core.errors import InvalidTransition, PermissionDenied
from apps.listings.models import Listing, ListingStatus
from apps.listings.pricing import STAY_RULE_FIELDS, stay_problems, stay_quote
from apps.listings.services import CHANGE as CHANGE_LISTING
from apps.listings.services import check_calendar_nights, listing_check_actor
from apps.notifications.services import notify

# The calendar's exclusion constraints (CalendarEntry): a night taken, or a stay too close to
# another for the preparation nights.
CALENDAR_CONSTRAINTS = ("calendar_entries_no_overlap", "calendar_entries_preparation")
PRICE_CONSTRAINT = "bookings_price_matches_listing"
PENDING_CAP_CONSTRAINT = "bookings_max_pending_per_guest"
STAY_RULES_CONSTRAINT = "bookings_stay_rules"
CANCELLABLE_FROM = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


def _violated(exc: IntegrityError, error: type[psycopg.Error], *constraints: str) -> bool:
    cause = exc.__cause__
    return isinstance(cause, error) and cause.diag.constraint_name in constraints


def _is_overlap(exc: IntegrityError) -> bool:
    return _violated(exc, psycopg.errors.ExclusionViolation, *CALENDAR_CONSTRAINTS)


@transaction.atomic
def booking_create(
    *, listing_id: int, check_in: dt.date, check_out: dt.date, guests: int, actor: User
) -> Booking:
    """The actor books a published listing for themself: pending, in the listing's tenant,
    priced by the listing's quote for the stay (apps/listings/pricing.py: nights, extra
    guests, discount, cleaning fee), which the booking keeps with the cancellation policy in
    force: later price changes never move it.

    PostgreSQL's exclusion constraint is the guard against overlaps, racing requests
    included (row-level security hides other guests' bookings from any pre-check); its trigger
    bookings_limit_pending_per_guest caps the guest's pending requests
    (MAX_PENDING_REQUESTS_PER_GUEST: TooManyPendingRequests). The
    guest's e-mail address must be verified (REQUIRE_VERIFIED_EMAIL).

    On a listing with instant_book the booking is confirmed at once (PostgreSQL's guard lets a
    guest insert it confirmed there, and only there): the host is told it was booked, the guest
    that it is confirmed, and nothing expires. Otherwise it is a pending request: the host is
    asked, and its expiry job is queued."""
    require_signed_in(actor)
    require_verified_email(actor)
    listing = (
        Listing.objects.filter(pk=listing_id, status=ListingStatus.PUBLISHED, is_active=True)
        .only("id", "title", "owner_id", "tenant_id", "instant_book", *STAY_RULE_FIELDS)
        .first()
    )
    if listing is not None and listing.owner_id == actor.pk:
        raise PermissionDenied(_("You cannot book your own listing."))

    errors = {}
    if listing is None:
        errors["listing"] = _("No published listing with this id.")
    # The rules the quote reports too (GET /listings/{id}/quote/): one place for both.
    for problem in stay_problems(
        listing=listing, check_in=check_in, check_out=check_out, guests=guests
    ):
        errors.setdefault(problem.field, problem.message)
    if errors:
        raise ValidationError(errors)

    # The price as quoted (apps/listings/pricing.py), frozen on the booking; PostgreSQL
    # recomputes it on insert (bookings_price_matches_listing).
    quote = stay_quote(listing_id=listing.pk, check_in=check_in, check_out=check_out, guests=guests)
    instant = listing.instant_book
    try:
        # A savepoint: after the violation the request's transaction stays usable.
        with transaction.atomic():
            booking = Booking.objects.create(
                listing=listing,
                guest=actor,
                tenant_id=listing.tenant_id,
                check_in=check_in,
                check_out=check_out,
                guests=guests,
                status=BookingStatus.CONFIRMED if instant else BookingStatus.PENDING,
                total_cents=quote["total_cents"],
                currency=quote["currency"],
                quote=quote,
                cancellation_policy=quote["cancellation_policy"],
            )
            if instant:
                _notify_instant_booking(booking, listing=listing, actor=actor)
                return booking
            # The request expires unless the host answers in time: its job is queued in this
            # transaction (no booking, no job); the sweep catches any the job misses.
            from apps.bookings.tasks import expire_booking_request

            expire_booking_request.defer_once(
                queueing_lock=f"bookings:expire:{booking.pk}",
                schedule_at=booking.expires_at,
                booking_id=booking.pk,
            )
            # The host's e-mail is queued in this transaction: no booking, no e-mail.
            notify(
                recipient_id=listing.owner_id,
                kind=BOOKING_REQUESTED.name,
                event_key=f"booking:{booking.pk}:requested",
                data={
                    "booking_id": booking.pk,
                    "listing_title": listing.title,
                    "guest_name": actor.name,
                    "check_in": check_in.isoformat(),
                    "check_out": check_out.isoformat(),
                    "guests": guests,
                },
            )
            return booking
    except IntegrityError as exc:
        if _is_overlap(exc):
            raise BookingConflict() from exc
        if _violated(exc, psycopg.errors.CheckViolation, PRICE_CONSTRAINT):
            raise QuoteChanged() from exc
        if _violated(exc, psycopg.errors.CheckViolation, PENDING_CAP_CONSTRAINT):
            raise TooManyPendingRequests() from exc
        if _violated(exc, psycopg.errors.CheckViolation, STAY_RULES_CONSTRAINT):
            # The host changed the listing's rules since they were checked above.
            raise StayRulesChanged() from exc
        raise


def _notify_instant_booking(booking: Booking, *, listing: Listing, actor: User) -> None:
    notify(
        recipient_id=listing.owner_id,
        kind=INSTANT_BOOKING.name,
        event_key=f"booking:{booking.pk}:booked",
        data={
            "booking_id": booking.pk,
            "listing_title": listing.title,
            "guest_name": actor.name,
            "check_in": booking.check_in.isoformat(),
            "check_out": booking.check_out.isoformat(),
            "guests": booking.guests,
        },
    )
    notifications.notify_parties(
        booking, kind=notifications.BOOKING_CONFIRMED, event="confirmed", to=[GUEST]
    )


def _lock(booking: Booking, actor: User) -> tuple[str, bool, bool]:
    """Locks the booking's row until the transaction ends — racing transitions wait and then
    see the winner's status — and returns (status, actor is its guest, actor is its host)."""
    status, guest_id, is_host = (
        Booking.objects.select_for_update(of=("self",))
        .filter(pk=booking.pk)
        .annotate(
            actor_is_host=Exists(
                Listing.all_objects.filter(pk=OuterRef("listing_id"), owner_id=actor.pk)
            )
        )
        .values_list("status", "guest_id", "actor_is_host")
        .get()
    )
    return status, guest_id == actor.pk, is_host


def _move(booking: Booking, *, status: str, to: str, allowed_from, **changes) -> Booking:
    if status not in allowed_from:
        raise InvalidTransition(
            _("A %(status)s booking cannot become %(to)s.") % {"status": status, "to": to}
        )
    booking.status = to
    for field, value in changes.items():
        setattr(booking, field, value)
    booking.save(update_fields=["status", *changes, "updated_at"])
    return booking


@transaction.atomic
def booking_confirm(*, booking: Booking, actor: User) -> Booking:
    """The host accepts a pending booking."""
    status, _is_guest, is_host = _lock(booking, actor)
    if not is_host:
        raise PermissionDenied(_("Only the host confirms a booking."))
    booking = _move(
        booking, status=status, to=BookingStatus.CONFIRMED, allowed_from=[BookingStatus.PENDING]
    )
    notifications.notify_parties(
        booking, kind=notifications.BOOKING_CONFIRMED, event="confirmed", to=[GUEST]
    )
    return booking


@transaction.atomic
def booking_decline(*, booking: Booking, actor: User) -> Booking:
    """The host refuses a pending booking; its nights are free again."""
    status, _is_guest, is_host = _lock(booking, actor)
    if not is_host:
        raise PermissionDenied(_("Only the host declines a booking."))
    booking = _move(
        booking, status=status, to=BookingStatus.DECLINED, allowed_from=[BookingStatus.PENDING]
    )
    notifications.notify_parties(
        booking, kind=notifications.BOOKING_DECLINED, event="declined", to=[GUEST]
    )
    return booking


def _units(cents: int | None) -> str | None:
    return None if cents is None else f"{cents // 100}.{cents % 100:02d}"


@transaction.atomic
def booking_cancel(
    *, booking: Booking, actor: User, reason: str = "", at: dt.datetime | None = None
) -> Booking:
    """The guest or the host cancels a pending or confirmed booking; so may staff holding
    `bookings.cancel_booking` (the admin's action), on behalf of either party.

    The refund (apps/bookings/refunds.py, at `at`, now by default) is stored with the
    cancellation with its rule, who cancelled and when; a host's cancellation refunds in full
    and counts against the host. From the stay's check-out on: StayOver (409)."""
    status, is_guest, is_host = _lock(booking, actor)
    if not (is_guest or is_host or actor.has_perm("bookings.cancel_booking")):
        raise PermissionDenied(_("Only the guest or the host cancels a booking."))
    at = at or refunds.now()
    cancelled_by = refunds.cancelled_by(is_guest=is_guest, is_host=is_host)
    recorded = {}
    if status in CANCELLABLE_FROM:  # else _move refuses the transition
        booking.status = status
        refund = refunds.refund_for(booking, at=at, by=cancelled_by)
        recorded = {
            "cancelled_by": cancelled_by,
            "cancelled_at": at,
            "refund_cents": refund.amount_cents,
            "refund_rule": refund.rule,
        }
    booking = _move(
        booking,
        status=status,
        to=BookingStatus.CANCELLED,
        allowed_from=CANCELLABLE_FROM,
        cancellation_reason=(reason or "").strip(),
        **recorded,
    )
    # The other party learns of it; both parties when staff cancel on their behalf.
    notifications.notify_parties(
        booking,
        kind=notifications.BOOKING_CANCELLED,
        event="cancelled",
        to={GUEST: [HOST], HOST: [GUEST]}.get(cancelled_by, [GUEST, HOST]),
        cancelled_by=cancelled_by,
        reason=booking.cancellation_reason,
        refund_cents=booking.refund_cents,
        # For the e-mail, in currency units ("240.00").
        refund=_units(booking.refund_cents),
        currency=booking.currency,
        refund_rule=booking.refund_rule,
    )
    return booking


def _expire(booking: Booking) -> None:
    booking.status = BookingStatus.EXPIRED
    booking.save(update_fields=["status", "updated_at"])
    notifications.notify_parties(
        booking,
        kind=notifications.BOOKING_EXPIRED,
        event="expired",
        to=[GUEST],
        role=GUEST,
    )
    notifications.notify_parties(
        booking,
        kind=notifications.BOOKING_EXPIRED,
        event="expired",
        to=[HOST],
        role=HOST,
    )


@transaction.atomic
def booking_expire(*, booking_id: int, now: dt.datetime | None = None) -> bool:
    """The pending request `booking_id` expires if its host has not answered by its
    expires_at (created_at + BOOKING_REQUEST_TTL_HOURS): status expired, its nights free again,
    guest and host told. True if it expired now; False if it is gone, answered, cancelled or
    not yet due — so running it twice is harmless.

    Run by the expiry job (system:job:expire_booking_request), the only actors PostgreSQL lets
    expire a booking besides the sweep. The row lock orders it with the host's confirm or
    decline (which lock the same row): whichever commits first wins, the other sees the new
    status — the host's answer is refused as an invalid transition, the expiry does nothing."""
    now = now or timezone.now()
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .filter(pk=booking_id, status=BookingStatus.PENDING, created_at__lte=now - request_ttl())
        .only("id", "listing_id", "guest_id", "check_in", "check_out", "status", "created_at")
        .first()
    )
    if booking is None:
        return False
    _expire(booking)
    return True


@transaction.atomic
def booking_expire_overdue(*, now: dt.datetime | None = None) -> int:
    """The safety sweep: every pending request past its expires_at expires (as booking_expire
    does, one notification pair each); returns how many. For requests whose job was lost or
    late (no worker running). Run as command:expire_booking_requests. Rows a host is answering
    right now are skipped (SKIP LOCKED): the next sweep sees them if they are still pending."""
    now = now or timezone.now()
    overdue = list(
        Booking.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(status=BookingStatus.PENDING, created_at__lte=now - request_ttl())
        .only("id", "listing_id", "guest_id", "check_in", "check_out", "status", "created_at")
        .order_by("created_at", "id")
    )
    for booking in overdue:
        _expire(booking)
    return len(overdue)


@transaction.atomic
def booking_complete_past(*, today: dt.date | None = None) -> int:
    """Confirmed stays whose check-out day has come become completed; returns how many.
    Run it in a privileged context (a command's) to reach every booking. The guest of each is
    invited to review the stay, its host told it is over."""
    today = today or dates.today()
    completed = list(
        Booking.objects.select_for_update(of=("self",))
        .filter(status=BookingStatus.CONFIRMED, check_out__lte=today)
        .only("id", "listing_id", "guest_id", "check_in", "check_out")
    )
    Booking.objects.filter(pk__in=[booking.pk for booking in completed]).update(
        status=BookingStatus.COMPLETED, updated_at=timezone.now()
    )
    for booking in completed:
        # Both sides review within REVIEW_WINDOW_DAYS of check-out (the reviews app).
        closes_on = booking.check_out + dt.timedelta(days=settings.REVIEW_WINDOW_DAYS)
        notifications.notify_parties(
            booking, kind=notifications.REVIEW_INVITATION, event="review_invitation", to=[GUEST],
            review_window_closes_on=closes_on.isoformat(),
        )  # fmt: skip
        notifications.notify_parties(
            booking, kind=notifications.STAY_COMPLETED, event="completed", to=[HOST],
            review_window_closes_on=closes_on.isoformat(),
        )  # fmt: skip
    return len(completed)


@transaction.atomic
def calendar_block_create(
    *, listing: Listing, start: dt.date, end: dt.date, note: str = "", actor: User
) -> CalendarEntry:
    """The host closes the nights [start, end) of their listing (staff holding
    listings.change_listing may too). PostgreSQL's calendar_entries_no_overlap refuses a block
    touching a pending or confirmed booking's nights or another block (DatesUnavailable):
    a host declines or cancels a booking first. A block may cover a stay's preparation
    nights (closed anyway)."""
    listing_check_actor(listing=listing, actor=actor, permission=CHANGE_LISTING)
    check_calendar_nights(start, end)
    block = CalendarEntry(
        listing=listing,
        tenant_id=listing.tenant_id,
        kind=CalendarEntryKind.BLOCK,
        start_date=start,
        end_date=end,
        turnover_end=end,
        note=(note or "").strip(),
        created_by=actor,
    )
    block.full_clean(exclude=["listing", "tenant", "created_by"], validate_constraints=False)
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction stays usable
            block.save()
    except IntegrityError as exc:
        if _is_overlap(exc):
            raise DatesUnavailable() from exc
        raise
    return block


@transaction.atomic
def calendar_block_delete(*, block: CalendarEntry, actor: User) -> None:
    """The host lifts a block: its nights are open to guests again."""
    listing_check_actor(listing=block.listing, actor=actor, permission=CHANGE_LISTING)
    if block.kind != CalendarEntryKind.BLOCK:
        raise PermissionDenied(_("A booking's nights are freed by declining or cancelling it."))
    block.delete()


@transaction.atomic
def calendar_export_rotate(*, listing: Listing, actor: User) -> CalendarExport:
    """A new secret calendar URL for `listing`: every URL handed out before answers 404 from
    now on (other platforms must be given the new one)."""
    listing_check_actor(listing=listing, actor=actor, permission=CHANGE_LISTING)
    # One statement: racing rotations each bump the counter once, none is lost.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO calendar_exports AS e (listing_id, version) VALUES (%s, 1) "
            "ON CONFLICT (listing_id) DO UPDATE SET version = e.version + 1, rotated_at = now() "
            "RETURNING version, rotated_at",
            [listing.pk],
        )
        version, rotated_at = cursor.fetchone()
    return CalendarExport(listing=listing, version=version, rotated_at=rotated_at)


@transaction.atomic
def calendar_feed_create(
    *, listing: Listing, url: str, name: str = "", actor: User
) -> CalendarFeed:
    """The host imports another platform's calendar of their listing: its events become
    blocks at the first sync (queued now) and at every sync after (sync_calendar_feeds)."""
    from apps.bookings.tasks import sync_calendar_feed  # noqa: PLC0415 (tasks import services)

    listing_check_actor(listing=listing, actor=actor, permission=CHANGE_LISTING)
    try:
        check_feed_url(url)
    except FeedError as exc:
        raise ValidationError(
            {"url": [_("Only http and https addresses can be imported.")]}
        ) from exc
    if CalendarFeed.objects.filter(listing=listing).count() >= MAX_FEEDS_PER_LISTING:
        raise ValidationError(
            {
                "url": [
                    _("A listing imports at most %(max)s calendars.")
                    % {"max": MAX_FEEDS_PER_LISTING}
                ]
            }
        )
    feed = CalendarFeed(
        listing=listing,
        tenant_id=listing.tenant_id,
        url=url,
        name=(name or "").strip(),
        created_by=actor,
    )
    feed.full_clean(exclude=["listing", "tenant", "created_by"])
    try:
        with transaction.atomic():
            feed.save()
    except IntegrityError as exc:
        if _violated(exc, psycopg.errors.UniqueViolation, "calendar_feeds_once_per_listing"):
            raise ValidationError({"url": [_("This calendar is imported already.")]}) from exc
        raise
    sync_calendar_feed.defer_once(queueing_lock=f"bookings:feed:{feed.pk}", feed_id=feed.pk)
    return feed


@transaction.atomic
def calendar_feed_delete(*, feed: CalendarFeed, actor: User) -> None:
    """The host stops importing a calendar: its blocks are lifted with it."""
    listing_check_actor(listing=feed.listing, actor=actor, permission=CHANGE_LISTING)
    feed.delete()


def _overlapping_kind(entry: CalendarEntry) -> str:
    """What an imported event collided with: a booking wins over a block in the report."""
    kinds = set(
        CalendarEntry.objects.filter(
            listing_id=entry.listing_id,
            start_date__lt=entry.end_date,
            end_date__gt=entry.start_date,
        )
        .exclude(pk=entry.pk)
        .values_list("kind", flat=True)
    )
    return (
        CalendarEntryKind.BOOKING if CalendarEntryKind.BOOKING in kinds else CalendarEntryKind.BLOCK
    )


def _save_imported(entry: CalendarEntry) -> bool:
    try:
        with transaction.atomic():  # a savepoint: one refused event spoils nothing else
            entry.save()
    except IntegrityError as exc:
        if _is_overlap(exc):
            return False
        raise
    return True


def calendar_feed_sync(
    *, feed_id: int, context: DbContext, today: dt.date | None = None
) -> CalendarFeed | None:
    """Fetch a feed and make its listing's imported blocks match its events: new events are
    laid as blocks (named for the listing's host), moved ones moved, vanished ones lifted.
    An event overlapping a booking or another block is kept out and recorded in the feed's
    `conflicts` (status `conflict`), and the host is told when they change; a feed that cannot
    be fetched or read keeps its blocks and records the error (status `error`).

    Reads the feed, then writes the result, in two short transactions acting as `context` (the
    job sync_calendar_feed's system actor); the fetch in between, up to
    CALENDAR_FEEDS_TIMEOUT_SECONDS, runs outside any transaction."""
    with db_context(context):
        feed = CalendarFeed.objects.filter(pk=feed_id).only("url", "etag", "last_modified").first()
    if feed is None:
        return None
    today = today or dates.today()
    try:
        fetched = fetch_feed(feed.url, etag=feed.etag, last_modified=feed.last_modified)
        nights = None if fetched.body is None else feed_nights(fetched.body, today=today)
    except FeedError as exc:
        fetched, nights, error = None, None, str(exc)[:500]
    else:
        error = ""
    with db_context(context):
        # The feed as it is now, locked: the host may have removed it or changed its address
        # during the fetch (then this answer is not the feed's: the next sync fetches anew).
        current = (
            CalendarFeed.objects.select_for_update(of=("self",))
            .select_related("listing")
            .filter(pk=feed_id, url=feed.url)
            .first()
        )
        if current is None:
            return None
        return _calendar_feed_apply(current, fetched=fetched, nights=nights, error=error)


def _calendar_feed_apply(feed: CalendarFeed, *, fetched, nights, error: str) -> CalendarFeed:
    now = timezone.now()
    if error:
        feed.status, feed.last_error, feed.last_synced_at = CalendarFeedStatus.ERROR, error, now
        feed.save(update_fields=["status", "last_error", "last_synced_at"])
        return feed
    if nights is None:  # 304: nothing changed since the last sync
        feed.last_synced_at = now
        feed.save(update_fields=["last_synced_at"])
        return feed
    wanted = {n.key: n for n in nights}
    conflicts = []
    for entry in CalendarEntry.objects.filter(feed=feed):
        night = wanted.pop(entry.feed_uid, None)
        if night is None:
            entry.delete()
        elif (entry.start_date, entry.end_date) != (night.start, night.end):
            entry.start_date, entry.end_date, entry.turnover_end = night.start, night.end, night.end
            if not _save_imported(entry):
                conflicts.append((night, _overlapping_kind(entry)))
                CalendarEntry.objects.filter(pk=entry.pk).delete()
    listing = feed.listing
    for night in wanted.values():
        entry = CalendarEntry(
            listing=listing,
            tenant_id=listing.tenant_id,
            kind=CalendarEntryKind.BLOCK,
            start_date=night.start,
            end_date=night.end,
            turnover_end=night.end,
            created_by_id=listing.owner_id,
            feed=feed,
            feed_uid=night.key,
        )
        if not _save_imported(entry):
            conflicts.append((night, _overlapping_kind(entry)))
    previous = feed.conflicts
    feed.conflicts = [
        {"uid": n.uid, "start": n.start.isoformat(), "end": n.end.isoformat(), "with": kind}
        for n, kind in sorted(conflicts, key=lambda c: (c[0].start, c[0].key))
    ]
    feed.status = CalendarFeedStatus.CONFLICT if conflicts else CalendarFeedStatus.OK
    feed.last_error, feed.last_synced_at = "", now
    # With conflicts the next sync fetches in full: a booking cancelled meanwhile lets the
    # refused events in even though the feed did not change.
    feed.etag = "" if conflicts else fetched.etag
    feed.last_modified = "" if conflicts else fetched.last_modified
    feed.save(
        update_fields=[
            "conflicts",
            "status",
            "last_error",
            "last_synced_at",
            "etag",
            "last_modified",
        ]
    )
    if feed.conflicts and feed.conflicts != previous:
        notifications.notify_feed_conflicts(feed)
    return feed
