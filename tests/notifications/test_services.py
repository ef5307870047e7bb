"""notify() and send_test_email queue one notification and its send job; the e-mail it renders."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.core.context import DbContext, db_context
from apps.notifications.emails import build_email, message_id
from apps.notifications.models import Notification
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
