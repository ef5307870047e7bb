"""A notification as an e-mail: subject, text and HTML parts from templates/emails/<kind>.*, and
a Message-ID derived from the notification's id, the same at every attempt."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from apps.notifications.models import Notification


def message_id(notification: Notification) -> str:
    domain = settings.EMAIL_MESSAGE_ID_DOMAIN or _domain_of(settings.DEFAULT_FROM_EMAIL)
    return f"<notification.{notification.pk}@{domain}>"


def _domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip(" >") or "localhost"


def build_email(notification: Notification) -> EmailMultiAlternatives:
    recipient = notification.recipient
    context = {"recipient": recipient, "data": notification.data, "notification": notification}
    name = f"emails/{notification.kind}"
    subject = " ".join(render_to_string(f"{name}.subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{name}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={"Message-ID": message_id(notification)},
    )
    message.attach_alternative(render_to_string(f"{name}.html", context), "text/html")
    return message
