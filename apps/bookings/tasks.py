"""Bookings' jobs (apps.jobs.queue): a pending request's expiry; importing calendar feeds."""

from apps.bookings.models import Booking, BookingStatus, CalendarFeed
from apps.bookings.services import booking_expire, calendar_feed_sync
from apps.jobs.queue import job_context, task


@task()
def expire_booking_request(*, booking_id: int) -> None:
    """Deferred by booking_create, due at the request's expires_at: the request expires if the
    host has not answered (booking_expire; nothing happens otherwise). Run early — a clock
    moved, BOOKING_REQUEST_TTL_HOURS raised since — it waits for the new expires_at instead."""
    if booking_expire(booking_id=booking_id):
        return
    booking = (
        Booking.objects.filter(pk=booking_id, status=BookingStatus.PENDING)
        .only("id", "status", "created_at")
        .first()
    )
    if booking is not None:
        expire_booking_request.defer_once(
            queueing_lock=f"bookings:expire:{booking_id}",
            schedule_at=booking.expires_at,
            booking_id=booking_id,
        )


@task(atomic=False)
def sync_calendar_feed(*, feed_id: int) -> None:
    """Deferred when a host adds a feed, and for every feed by sync_calendar_feeds: the feed's
    events become the listing's blocks (calendar_feed_sync; a failed fetch is recorded on the
    feed, not retried here: the next round fetches again). Not one transaction: the fetch
    waits on another platform outside any (calendar_feed_sync opens its own)."""
    calendar_feed_sync(feed_id=feed_id, context=job_context("sync_calendar_feed"))


def queue_calendar_feed_syncs() -> int:
    """Every feed's sync, queued once (a feed whose sync still waits is not queued twice): run
    every 15 minutes by cron (manage.py sync_calendar_feeds). How many were queued."""
    queued = 0
    for feed_id in CalendarFeed.objects.values_list("id", flat=True).order_by("id"):
        job = sync_calendar_feed.defer_once(
            queueing_lock=f"bookings:feed:{feed_id}", feed_id=feed_id
        )
        queued += job is not None
    return queued
