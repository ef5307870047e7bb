"""E-mail that really leaves: a booking request, committed, reaches its host through a real
worker process and a real SMTP server — once, with text and HTML parts and a stable Message-ID;
a rolled-back one sends nothing; a job waits for a worker and survives an SMTP outage."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from apps.bookings.services import booking_confirm, booking_create
from apps.core.context import DbContext, db_context
from apps.messaging.services import message_send
from apps.notifications.emails import message_id
from apps.notifications.models import Notification
from apps.notifications.services import notify
from tests.factories import ListingFactory, UserFactory
from tests.helpers import unused_port
from tests.jobs.workers import clear_queue, owner_sql, wait_for, workers
from tests.notifications.smtp import smtp_server

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _empty_queue():
    clear_queue()
    yield
    clear_queue()


def make_listing():
    with db_context(DbContext.system("tests")):
        return ListingFactory()


def request_booking(listing, guest, days_ahead: int = 10):
    check_in = timezone.localdate() + dt.timedelta(days=days_ahead)
    with db_context(DbContext().with_user(guest)):
        return booking_create(
            listing_id=listing.pk,
            check_in=check_in,
            check_out=check_in + dt.timedelta(days=2),
            guests=2,
            actor=guest,
        )


def notification_of(booking):
    with db_context(DbContext.system("tests")):
        return Notification.objects.select_related("recipient").get(
            event_key=f"booking:{booking.pk}:requested"
        )


def job_states(task_suffix: str = "send_notification"):
    return owner_sql(
        "SELECT status::text, attempts FROM procrastinate_jobs WHERE task_name LIKE %s ORDER BY id",
        [f"%{task_suffix}"],
    )


def test_a_committed_booking_request_reaches_the_host_once_a_rolled_back_one_never(tmp_path):
    listing = make_listing()
    with db_context(DbContext.system("tests")):
        guest = UserFactory()
    host_email = listing.owner.email

    # A request whose transaction rolls back (the guest's request failed later on, say).
    with pytest.raises(RuntimeError), transaction.atomic():
        request_booking(listing, guest, days_ahead=30)
        raise RuntimeError("the request fails after the booking was written")
    booking = request_booking(listing, guest)

    # No worker yet: the committed one waits in the queue, the rolled-back one left nothing.
    assert job_states() == [("todo", 0)]
    with smtp_server() as (mailbox, port):
        assert mailbox.messages == []
        with workers(1, log_dir=tmp_path, EMAIL_URL=f"smtp://127.0.0.1:{port}"):
            [received] = wait_for(lambda: mailbox.to(host_email), what="the host's e-mail")
            wait_for(lambda: job_states() == [("succeeded", 1)], what="the job to succeed")

    notification = notification_of(booking)
    assert notification.sent_at is not None
    assert len(mailbox.messages) == 1
    assert received["Message-ID"] == message_id(notification)
    assert received["Subject"] == f"New booking request for {listing.title}"
    assert received.get_content_type() == "multipart/alternative"
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    assert f"booking #{booking.pk}" in text and "<strong>" not in text
    assert f"<strong>{listing.title}</strong>" in html


def test_the_job_retries_with_backoff_while_smtp_is_down_and_sends_once_it_is_back(tmp_path):
    listing = make_listing()
    with db_context(DbContext.system("tests")):
        guest = UserFactory()
    booking = request_booking(listing, guest)
    port = unused_port()  # nobody listens yet: connection refused

    with workers(1, log_dir=tmp_path, EMAIL_URL=f"smtp://127.0.0.1:{port}"):
        # Two failed attempts, the second one scheduled later than the first (backoff).
        wait_for(
            lambda: job_states() and job_states()[0][1] >= 2,
            seconds=20,
            what="two failed attempts",
        )
        [(status, attempts)] = job_states()
        assert status in ("todo", "doing")
        [(error,)] = owner_sql("SELECT error FROM job_failures")
        assert "Connection refused" in error or "ConnectionRefused" in error
        assert notification_of(booking).sent_at is None

        with smtp_server(port=port) as (mailbox, _):
            [received] = wait_for(
                lambda: mailbox.to(listing.owner.email), seconds=20, what="the e-mail"
            )
            wait_for(lambda: job_states()[0][0] == "succeeded", what="the job to succeed")

    assert len(mailbox.messages) == 1
    assert received["Message-ID"] == message_id(notification_of(booking))
    [(_, attempts)] = job_states()
    assert attempts >= 3


def test_two_workers_send_each_notification_exactly_once(tmp_path):
    count = 30
    with db_context(DbContext.system("tests")):
        users = [UserFactory() for _ in range(count)]
        for number, user in enumerate(users):
            notify(recipient_id=user.pk, kind="test_email", event_key=f"test:{number}", data={})
        # Reported twice: the same (event, recipient) is one notification, one job.
        assert (
            notify(recipient_id=users[0].pk, kind="test_email", event_key="test:0", data={}) is None
        )

    with smtp_server() as (mailbox, port):
        with workers(2, log_dir=tmp_path, concurrency=3, EMAIL_URL=f"smtp://127.0.0.1:{port}"):
            wait_for(lambda: len(mailbox.messages) >= count, seconds=30, what="every e-mail")
            wait_for(
                lambda: all(state == "succeeded" for state, _ in job_states()),
                what="every job to succeed",
            )

    assert sorted(m["To"] for m in mailbox.messages) == sorted(u.email for u in users)
    assert len({m["Message-ID"] for m in mailbox.messages}) == count
    assert [attempts for _, attempts in job_states()] == [1] * count


def test_a_confirmation_and_a_conversation_reach_the_guest_in_their_language(tmp_path):
    """The new kinds, end to end: the host confirms (the guest's e-mail, in French), then writes
    three messages — the first e-mailed at once, the other two in one digest once the window
    has passed (the test moves the window and the digest's schedule back 15 minutes)."""
    listing = make_listing()
    with db_context(DbContext.system("tests")):
        guest = UserFactory(preferences={"language": "fr"})
    booking = request_booking(listing, guest)
    host = listing.owner

    with db_context(DbContext().with_user(host)):
        booking_confirm(booking=booking, actor=host)
    for subject in ("Bienvenue", "Code de la porte", "Parking"):
        with db_context(DbContext().with_user(host)):
            message_send(recipient_id=guest.pk, subject=subject, content="…", actor=host)

    with smtp_server() as (mailbox, port):
        with workers(1, log_dir=tmp_path, EMAIL_URL=f"smtp://127.0.0.1:{port}"):
            wait_for(lambda: len(mailbox.to(guest.email)) >= 2, what="the guest's two e-mails")
            assert job_states("send_email_batch") == [("todo", 0)]  # the digest waits
            owner_sql(
                "UPDATE notification_email_windows SET opened_at = opened_at - '15 min'::interval"
            )
            owner_sql(
                "UPDATE procrastinate_jobs SET scheduled_at = now() "
                "WHERE task_name LIKE '%%send_email_batch'"
            )
            wait_for(lambda: len(mailbox.to(guest.email)) >= 3, what="the digest")
            wait_for(
                lambda: job_states("send_email_batch") == [("succeeded", 1)],
                what="the digest job to succeed",
            )

    confirmed, first, digest = mailbox.to(guest.email)
    # (An encoded, folded Subject header reads back with the fold's leading space.)
    assert confirmed["Subject"].strip() == f"Votre séjour à {listing.title} est confirmé"
    assert confirmed["Content-Language"] == "fr"
    assert first["Subject"].strip() == f"Nouveau message de {host.name}"
    assert digest["Subject"].strip() == f"2 nouveaux messages de {host.name}"
    text = digest.get_body(("plain",)).get_content()
    assert "- Code de la porte" in text and "- Parking" in text and "Bienvenue" not in text
    assert "<li>Parking</li>" in digest.get_body(("html",)).get_content()
    assert len(mailbox.messages) == 4  # and the host's booking request
