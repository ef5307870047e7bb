"""Reviews' notifications (issue #17): both sides are invited at check-out with the window's
last day; the other side is told when one has written."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from apps.core import dates
from apps.notifications.models import Notification
from tests.factories import BookingFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


def test_the_other_side_is_told_when_one_has_written():
    check_out = dates.today() - dt.timedelta(days=1)
    booking = BookingFactory(
        status="completed", check_in=check_out - dt.timedelta(days=3), check_out=check_out
    )
    host, guest = booking.listing.owner, booking.guest

    client_for(host).post("/api/v1/reviews/", {"booking": booking.pk, "rating": 4}, format="json")
    client_for(guest).post("/api/v1/reviews/", {"booking": booking.pk, "rating": 5}, format="json")

    told = Notification.objects.filter(kind="review_written").order_by("id")
    assert [(n.recipient_id, n.data["author_role"], n.data["published"]) for n in told] == [
        (guest.pk, "host", False),  # write yours to read it
        (host.pk, "guest", True),  # both written: read each other's
    ]
    assert told[0].data["window_closes_on"] == (check_out + dt.timedelta(days=14)).isoformat()
    assert "rating" not in told[0].data  # never what they wrote


def test_both_sides_are_invited_at_check_out_with_the_windows_last_day():
    today = dates.today()
    stay = BookingFactory(
        status="confirmed", check_in=today - dt.timedelta(days=3), check_out=today
    )

    call_command("complete_bookings", stdout=io.StringIO())

    closes_on = (today + dt.timedelta(days=14)).isoformat()
    told = {
        (n.recipient_id, n.kind): n.data["review_window_closes_on"]
        for n in Notification.objects.filter(event_key__startswith=f"booking:{stay.pk}:")
    }
    assert told == {
        (stay.guest_id, "review_invitation"): closes_on,
        (stay.listing.owner_id, "stay_completed"): closes_on,
    }
