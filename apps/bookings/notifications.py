"""The notification kinds bookings sends (apps.notifications.kinds), registered in ready(), and
who gets which (called by services.py, in the event's transaction):

| event | kind | recipients |
|---|---|---|
| a guest requests a stay (booking_create) | booking_requested | the host |
| a guest books a listing with instant book (booking_create) | instant_booking | the host |
| the same | booking_confirmed | the guest |
| the host confirms it (booking_confirm) | booking_confirmed | the guest |
| the host declines it (booking_decline) | booking_declined | the guest |
| the guest or the host cancels (booking_cancel) | booking_cancelled | the other party |
| staff cancel on behalf of the parties | booking_cancelled | the guest and the host |
| a pending request expires (booking_expire) | booking_expired | the guest and the host |
| the stay is completed (booking_complete_past) | review_invitation | the guest (who reviews) |
| the same | stay_completed | the host (told the guest was invited; invited to review them) |
| an imported calendar's events overlap (calendar_feed_sync) | calendar_feed_conflict | the host |

The review invitation lives here, not in reviews: the event is a booking's completion, and
reviews sits above bookings.
"""

import hashlib
import json

from django.utils.translation import gettext_lazy as _

from apps.core.context import as_system
from apps.listings.models import Listing
from apps.notifications.kinds import NotificationKind, register
from apps.notifications.services import notify

BOOKING_REQUESTED = register(NotificationKind("booking_requested", label=_("Booking requests")))
INSTANT_BOOKING = register(
    NotificationKind("instant_booking", label=_("Instant bookings of your listings"))
)
BOOKING_CONFIRMED = register(
    NotificationKind("booking_confirmed", label=_("Bookings confirmed by the host"))
)
BOOKING_DECLINED = register(
    NotificationKind("booking_declined", label=_("Bookings declined by the host"))
)
BOOKING_EXPIRED = register(
    NotificationKind("booking_expired", label=_("Booking requests expired unanswered"))
)
BOOKING_CANCELLED = register(NotificationKind("booking_cancelled", label=_("Cancelled bookings")))
REVIEW_INVITATION = register(
    NotificationKind("review_invitation", label=_("Invitations to review a stay"))
)
STAY_COMPLETED = register(NotificationKind("stay_completed", label=_("Completed stays (hosts)")))

GUEST, HOST = "guest", "host"


def notify_parties(booking, *, kind: NotificationKind, event: str, to, **extra) -> None:
    """Tell the booking's parties named by `to` (GUEST, HOST) of `event`, one notification
    each (event key booking:<id>:<event>), with the booking's plain facts; `extra` adds to
    them (who cancelled and why)."""
    # Read as the system: the actor may no longer see the listing (a guest cancelling the stay
    # of a listing since unpublished), and its host must be told all the same.
    with as_system("notify"):
        listings = Listing.all_objects.filter(pk=booking.listing_id)
        listing = listings.values("title", "owner_id").get()
    data = {
        "booking_id": booking.pk,
        "listing_id": booking.listing_id,
        "listing_title": listing["title"],
        "check_in": booking.check_in.isoformat(),
        "check_out": booking.check_out.isoformat(),
        **extra,
    }
    recipients = {GUEST: booking.guest_id, HOST: listing["owner_id"]}
    for role in to:
        notify(
            recipient_id=recipients[role],
            kind=kind.name,
            event_key=f"booking:{booking.pk}:{event}",
            data=data,
        )


CALENDAR_FEED_CONFLICT = register(
    NotificationKind("calendar_feed_conflict", label=_("Imported calendar events that conflict"))
)


def notify_feed_conflicts(feed) -> None:
    """Tell the host that events of an imported calendar could not become blocks (they overlap
    a booking or another block here): once per set of conflicts, not at every sync."""
    conflicts = feed.conflicts
    digest = hashlib.sha256(json.dumps(conflicts, sort_keys=True).encode()).hexdigest()[:16]
    first = conflicts[0]
    notify(
        recipient_id=feed.listing.owner_id,
        kind=CALENDAR_FEED_CONFLICT.name,
        event_key=f"calendar_feed:{feed.pk}:conflicts:{digest}",
        data={
            "listing_id": feed.listing_id,
            "listing_title": feed.listing.title,
            "feed_id": feed.pk,
            "feed_name": feed.name or feed.url,
            "conflicts": len(conflicts),
            "first_start": first["start"],
            "first_end": first["end"],
            "with_booking": any(c["with"] == "booking" for c in conflicts),
        },
    )
