"""The notification kind reviews sends (apps.notifications.kinds), registered in ready(), and who
gets it (called by services.py, in the review's transaction):

| event | kind | recipient |
|---|---|---|
| a side reviews the stay (review_create) | review_written | the other side |

The invitations at check-out (review_invitation to the guest, stay_completed to the host, each
naming the window's last day) are bookings' (apps/bookings/notifications.py): the event is the
booking's completion.
"""

from django.utils.translation import gettext_lazy as _

from apps.notifications.kinds import NotificationKind, register
from apps.notifications.services import notify

REVIEW_WRITTEN = register(
    NotificationKind("review_written", label=_("Reviews written about you or your stay"))
)


def notify_review_written(review) -> None:
    """Tell the reviewed party that the other side has written (never what they wrote: it may
    still be blind to them)."""
    if review.subject_id is None:  # the reviewed party's account is gone
        return
    notify(
        recipient_id=review.subject_id,
        kind=REVIEW_WRITTEN.name,
        event_key=f"review:{review.pk}:written",
        data={
            "review_id": review.pk,
            "booking_id": review.booking_id,
            "listing_id": review.listing_id,
            "author_role": review.author_role,
            "published": review.published_at is not None,
            "window_closes_on": review.window_closes_on.isoformat(),
        },
    )
