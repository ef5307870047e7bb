"""The booking and messaging events notify their parties, in the event's transaction: who gets
which kind, with what data, and the e-mail each renders in French and English."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from apps.bookings import services as bookings
from apps.listings.models import Listing, ListingStatus
from apps.messaging.services import message_send
from apps.notifications.emails import build_email
from apps.notifications.models import Notification
from tests.db import acting_as
from tests.factories import BookingFactory, UserFactory

pytestmark = pytest.mark.django_db


def told(booking=None, **filters):
    """{(recipient id, kind)} of the notifications (of this booking's events)."""
    queryset = Notification.objects.filter(**filters)
    if booking is not None:
        queryset = queryset.filter(event_key__startswith=f"booking:{booking.pk}:")
    return {(n.recipient_id, n.kind) for n in queryset}


def test_the_host_confirming_tells_the_guest():
    booking = BookingFactory(status="pending")

    bookings.booking_confirm(booking=booking, actor=booking.listing.owner)

    assert told(booking) == {(booking.guest_id, "booking_confirmed")}
    notification = Notification.objects.get(kind="booking_confirmed")
    assert notification.data == {
        "booking_id": booking.pk,
        "listing_id": booking.listing_id,
        "listing_title": booking.listing.title,
        "check_in": booking.check_in.isoformat(),
        "check_out": booking.check_out.isoformat(),
    }


def test_the_host_declining_tells_the_guest():
    booking = BookingFactory(status="pending")

    bookings.booking_decline(booking=booking, actor=booking.listing.owner)

    assert told(booking) == {(booking.guest_id, "booking_declined")}


@pytest.mark.parametrize(
    ("canceller", "told_roles"),
    [("guest", {"host"}), ("host", {"guest"}), ("staff", {"guest", "host"})],
)
def test_a_cancellation_tells_the_other_party_and_both_when_staff_cancel(canceller, told_roles):
    booking = BookingFactory(status="confirmed")
    parties = {"guest": booking.guest, "host": booking.listing.owner}
    actor = parties.get(canceller) or UserFactory(
        staff=True, permissions=["bookings.cancel_booking"]
    )

    bookings.booking_cancel(booking=booking, actor=actor, reason=" Flight cancelled ")

    assert told(booking) == {(parties[role].pk, "booking_cancelled") for role in told_roles}
    for notification in Notification.objects.filter(kind="booking_cancelled"):
        assert notification.data["cancelled_by"] == canceller
        assert notification.data["reason"] == "Flight cancelled"


def test_the_host_is_told_even_when_the_guest_no_longer_sees_the_listing():
    booking = BookingFactory(status="confirmed")
    Listing.objects.filter(pk=booking.listing_id).update(status=ListingStatus.DRAFT)

    with acting_as(booking.guest):  # the request's context: the draft is hidden from the guest
        bookings.booking_cancel(booking=booking, actor=booking.guest)

    assert told(booking) == {(booking.listing.owner_id, "booking_cancelled")}
    assert Notification.objects.get().data["listing_title"] == booking.listing.title


def test_a_refused_transition_notifies_nobody():
    booking = BookingFactory(status="declined")

    with pytest.raises(Exception, match="cannot become"):
        bookings.booking_confirm(booking=booking, actor=booking.listing.owner)

    assert told(booking) == set()


def test_a_rolled_back_event_leaves_no_notification():
    booking = BookingFactory(status="pending")

    with pytest.raises(RuntimeError), transaction.atomic():
        bookings.booking_confirm(booking=booking, actor=booking.listing.owner)
        raise RuntimeError("the request fails afterwards")

    assert told(booking) == set()


def test_a_completed_stay_invites_the_guest_to_review_and_tells_the_host():
    today = timezone.localdate()
    past = BookingFactory(
        status="confirmed", check_in=today - dt.timedelta(days=4), check_out=today
    )
    ahead = BookingFactory(status="confirmed")

    call_command("complete_bookings", stdout=io.StringIO())  # the hourly cron job

    assert told(past) == {
        (past.guest_id, "review_invitation"),
        (past.listing.owner_id, "stay_completed"),
    }
    assert told(ahead) == set()
    # Run again (the next hour's cron): nothing more to complete, nobody told twice.
    call_command("complete_bookings", stdout=io.StringIO())
    assert Notification.objects.filter(event_key__startswith=f"booking:{past.pk}:").count() == 2


def test_a_message_notifies_its_recipient():
    sender, recipient = UserFactory(name="Ana"), UserFactory()

    message = message_send(
        recipient_id=recipient.pk, subject="Parking?", content="Is there one?", actor=sender
    )

    notification = Notification.objects.get(kind="message_received")
    assert notification.recipient_id == recipient.pk
    assert notification.data == {
        "message_id": message.pk,
        "sender_id": sender.pk,
        "sender_name": "Ana",
        "subject": "Parking?",
    }
    assert "Is there one?" not in str(notification.data)  # the content stays in messaging


DATA = {
    "booking_id": 7,
    "listing_id": 3,
    "listing_title": "Loft & jardin",
    "check_in": "2031-07-01",
    "check_out": "2031-07-04",
}
# kind → (data, English subject, French subject, a French line of the text part)
RENDERED = {
    "booking_confirmed": (
        DATA,
        "Your stay at Loft & jardin is confirmed",
        "Votre séjour à Loft & jardin est confirmé",
        "Votre hôte a confirmé votre séjour à « Loft & jardin » du 2031-07-01 au 2031-07-04.",
    ),
    "booking_declined": (
        DATA,
        "Your booking request for Loft & jardin was declined",
        "Votre demande de réservation pour Loft & jardin a été refusée",
        "L'hôte de « Loft & jardin » a refusé votre demande de séjour du 2031-07-01 au 2031-07-04.",
    ),
    "booking_cancelled": (
        {**DATA, "cancelled_by": "guest", "reason": "Flight cancelled"},
        "Booking cancelled: Loft & jardin",
        "Réservation annulée : Loft & jardin",
        "Motif indiqué : Flight cancelled",
    ),
    "booking_expired": (
        {**DATA, "role": "guest"},
        "Booking request expired: Loft & jardin",
        "Demande de réservation expirée : Loft & jardin",
        "Votre demande de séjour à « Loft & jardin » du 2031-07-01 au 2031-07-04 a expiré : "
        "l'hôte n'a pas répondu à temps.",
    ),
    "instant_booking": (
        {**DATA, "guest_name": "Ana", "guests": 2},
        "New booking of Loft & jardin",
        "Nouvelle réservation de Loft & jardin",
        "Ana a réservé « Loft & jardin » du 2031-07-01 au 2031-07-04 (2 voyageurs).",
    ),
    "review_invitation": (
        DATA,
        "How was your stay at Loft & jardin?",
        "Comment s'est passé votre séjour à Loft & jardin ?",
        "Votre séjour à « Loft & jardin » du 2031-07-01 au 2031-07-04 est terminé. Nous "
        "espérons qu'il vous a plu !",
    ),
    "stay_completed": (
        DATA,
        "A stay at Loft & jardin is completed",
        "Un séjour à Loft & jardin est terminé",
        "Votre voyageur a été invité à le noter (réservation n° 7).",
    ),
    "calendar_feed_conflict": (
        {
            "listing_id": 3,
            "listing_title": "Loft & jardin",
            "feed_id": 4,
            "feed_name": "Elsewhere",
            "conflicts": 2,
            "first_start": "2031-07-01",
            "first_end": "2031-07-04",
            "with_booking": True,
        },
        "Calendar sync conflict: Loft & jardin",
        "Conflit de synchronisation de calendrier : Loft & jardin",
        "2 événements du calendrier « Elsewhere », le premier du 2031-07-01 au 2031-07-04, "
        "chevauchent des nuits déjà prises à « Loft & jardin » : ils n'ont pas été importés.",
    ),  # fmt: skip
    "message_received": (
        {"message_id": 5, "sender_id": 2, "sender_name": "Ana", "subject": "Parking?"},
        "New message from Ana",
        "Nouveau message de Ana",
        "Ana vous a envoyé un message : « Parking? ».",
    ),
}


def test_an_expired_request_tells_the_host_in_their_own_words():
    recipient = UserFactory(name="Bea", preferences={"language": "fr"})
    notification = Notification.objects.create(
        recipient=recipient, kind="booking_expired", event_key="test:expired:host",
        data={**DATA, "role": "host"},
    )  # fmt: skip

    email = build_email(Notification.objects.select_related("recipient").get(pk=notification.pk))

    assert (
        "La demande de séjour à « Loft & jardin » du 2031-07-01 au 2031-07-04 a expiré : elle "
        "n'a pas reçu de réponse à temps." in email.body
    ), email.body
    assert "Ces dates sont de nouveau libres pour d'autres voyageurs." in email.body


@pytest.mark.parametrize("kind", sorted(RENDERED))
def test_each_new_kind_renders_its_e_mail_in_english_and_french(kind):
    data, english, french, french_line = RENDERED[kind]
    for language, subject in (("en", english), ("fr", french)):
        recipient = UserFactory(name="Bea", preferences={"language": language})
        notification = Notification.objects.create(
            recipient=recipient, kind=kind, event_key=f"test:{kind}:{language}", data=data
        )
        email = build_email(
            Notification.objects.select_related("recipient").get(pk=notification.pk)
        )

        assert email.subject == subject
        [(html, mimetype)] = email.alternatives
        assert mimetype == "text/html" and f'<html lang="{language}">' in html
        if language == "fr":
            assert email.body.startswith("Bonjour Bea,")
            assert french_line in email.body, email.body
        assert "&amp;" not in email.body and "&amp;" not in email.subject
