"""notify() and send_test_email queue one notification and its send job; the e-mail it renders,
in the recipient's language."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from apps.core.context import DbContext, db_context
from apps.notifications.emails import build_email, message_id
from apps.notifications.models import Notification
from apps.notifications.services import notify
from apps.notifications.tasks import send_notification
from tests.db import execute
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def queued_jobs_for(notification_id: int) -> list:
    with db_context(DbContext.system("tests")):
        return execute(
            "SELECT status::text FROM procrastinate_jobs "
            "WHERE task_name = 'apps.notifications.tasks.send_notification' "
            "AND args = jsonb_build_object('notification_id', %s::bigint)",
            [notification_id],
        )


def test_send_test_email_queues_a_notification_and_its_job(settings):
    settings.DEFAULT_FROM_EMAIL = "Havre <hello@havre.example>"
    user = UserFactory(name="Ana")
    out = StringIO()

    call_command("send_test_email", user.email.upper(), stdout=out)

    notification = Notification.objects.get(recipient=user)
    assert notification.kind == "test_email" and notification.sent_at is None
    assert queued_jobs_for(notification.pk) == [("todo",)]
    assert f"notification {notification.pk} queued" in out.getvalue()
    email = build_email(notification)
    assert email.extra_headers["Message-ID"] == f"<notification.{notification.pk}@havre.example>"
    assert message_id(notification) == email.extra_headers["Message-ID"]
    assert email.subject == "Havre test e-mail"
    assert email.body.startswith("Hello Ana,")
    [(html, mimetype)] = email.alternatives
    assert mimetype == "text/html" and "<p>Hello Ana,</p>" in html


def test_send_test_email_names_an_unknown_address():
    with pytest.raises(CommandError, match="nobody@example.com"):
        call_command("send_test_email", "nobody@example.com")


BOOKING_DATA = {
    "booking_id": 42,
    "listing_title": "Loft & jardin",
    "guest_name": "Ana",
    "check_in": "2031-07-01",
    "check_out": "2031-07-04",
    "guests": 3,
}
# (subject, text body's lines, HTML fragments) of a booking request, per language.
BOOKING_REQUESTED = {
    "fr": (
        "Nouvelle demande de réservation pour Loft & jardin",
        [
            "Bonjour Bea,",
            "Ana souhaite séjourner dans « Loft & jardin » du 2031-07-01 au 2031-07-04 "
            "(3 voyageurs).",
            "Acceptez ou refusez la réservation n° 42 depuis votre tableau de bord d'hôte.",
            "Havre · vous recevez cet e-mail en raison de votre compte Havre.",
        ],
        [
            '<html lang="fr">',
            "<p>Bonjour Bea,</p>",
            "<strong>Loft &amp; jardin</strong>",
            "(3 voyageurs)",
            "<title>Nouvelle demande de réservation</title>",
        ],
    ),
    "en": (
        "New booking request for Loft & jardin",
        [
            "Hello Bea,",
            'Ana asks to stay at "Loft & jardin" from 2031-07-01 to 2031-07-04 (3 guests).',
            "Confirm or decline booking #42 in your host dashboard.",
            "Havre · you receive this e-mail because of your account at Havre.",
        ],
        [
            '<html lang="en">',
            "<p>Hello Bea,</p>",
            "<strong>Loft &amp; jardin</strong>",
            "(3 guests)",
            "<title>New booking request</title>",
        ],
    ),
}


def booking_requested_for(user) -> Notification:
    notification_id = notify(recipient_id=user.pk, kind="booking_requested",
                             event_key="booking:42:requested", data=BOOKING_DATA)  # fmt: skip
    return Notification.objects.select_related("recipient").get(pk=notification_id)


def assert_booking_requested_in(email, language: str) -> None:
    subject, lines, fragments = BOOKING_REQUESTED[language]
    assert email.subject == subject
    assert [line for line in email.body.splitlines() if line and line != "--"] == lines
    [(html, _mimetype)] = email.alternatives
    assert [fragment for fragment in fragments if fragment not in html] == []
    assert email.extra_headers["Content-Language"] == language


@pytest.mark.parametrize("language", ["fr", "en"])
def test_an_email_is_written_in_the_recipients_language_whatever_is_active(language):
    notification = booking_requested_for(
        UserFactory(name="Bea", preferences={"language": language})
    )
    other = "en" if language == "fr" else "fr"

    with translation.override(other):
        email = build_email(notification)

    assert_booking_requested_in(email, language)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_without_a_preference_an_email_is_written_in_language_code(settings, language):
    settings.LANGUAGE_CODE = language
    notification = booking_requested_for(UserFactory(name="Bea", preferences={}))

    assert_booking_requested_in(build_email(notification), language)


def test_the_send_job_sends_the_email_in_the_recipients_language():
    user = UserFactory(name="Bea", preferences={"language": "fr"})
    notification = booking_requested_for(user)

    with translation.override("en"):
        send_notification(notification_id=notification.pk)

    [email] = mail.outbox
    assert email.to == [user.email]
    assert_booking_requested_in(email, "fr")
    notification.refresh_from_db()
    assert notification.sent_at is not None


def test_the_test_email_speaks_french_to_a_french_speaking_user():
    user = UserFactory(name="Ana", preferences={"language": "fr"})
    call_command("send_test_email", user.email, stdout=StringIO())

    email = build_email(Notification.objects.get(recipient=user))

    assert email.subject == "E-mail de test Havre"
    assert email.body.startswith("Bonjour Ana,\n\nCeci est un e-mail de test envoyé par ")
    [(html, _mimetype)] = email.alternatives
    assert "<code>manage.py send_test_email</code> : les e-mails de Havre vous parviennent." in html


def test_notify_refuses_a_kind_nobody_registered():
    user = UserFactory()

    with pytest.raises(LookupError, match="booking_requestd"):
        notify(recipient_id=user.pk, kind="booking_requestd", event_key="typo:1", data={})

    assert not Notification.objects.filter(recipient=user).exists()
