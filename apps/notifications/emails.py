"""A notification as an e-mail: subject, text and HTML parts from templates/emails/<kind>.*, in
the recipient's language (preferences.language, else LANGUAGE_CODE), and a Message-ID derived
from the notification's id, the same at every attempt."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from apps.core.i18n import preferred_language
from apps.notifications import kinds
from apps.notifications.models import Notification


def message_id(notification: Notification) -> str:
    domain = settings.EMAIL_MESSAGE_ID_DOMAIN or _domain_of(settings.DEFAULT_FROM_EMAIL)
    return f"<notification.{notification.pk}@{domain}>"


def _domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip(" >") or "localhost"


def email_language(recipient) -> str:
    """The language a user's e-mails are written in: their own choice, else LANGUAGE_CODE (the
    send job runs outside any request, so no Accept-Language can decide)."""
    return preferred_language(recipient) or settings.LANGUAGE_CODE


def build_email(notification: Notification) -> EmailMultiAlternatives:
    recipient = notification.recipient
    context = {"recipient": recipient, "data": notification.data, "notification": notification}
    kind = kinds.get(notification.kind)
    email_context = kind.email_context
    return _render(
        f"emails/{notification.kind}",
        recipient,
        context,
        message_id(notification),
        extra_context=(lambda: email_context(notification)) if email_context else None,
        to=kind.email_to(notification) if kind.email_to else None,
    )


def build_batch_email(notifications: list[Notification]) -> EmailMultiAlternatives:
    """One e-mail listing a batch's notifications (templates/emails/<kind>_batch.*, with
    `notifications`, oldest first); its Message-ID names the first and last, the same at every
    attempt."""
    first, last = notifications[0], notifications[-1]
    domain = settings.EMAIL_MESSAGE_ID_DOMAIN or _domain_of(settings.DEFAULT_FROM_EMAIL)
    context = {"recipient": first.recipient, "notifications": notifications}
    return _render(
        f"emails/{first.kind}_batch",
        first.recipient,
        context,
        f"<notification.{first.pk}-{last.pk}.batch@{domain}>",
    )


def _render(name, recipient, context, message_id_header, extra_context=None, to=None):
    """`to`: another address than the recipient's current one (NotificationKind.email_to)."""
    language = email_language(recipient)
    with translation.override(language):
        if extra_context is not None:
            context.update(extra_context())
        subject = " ".join(render_to_string(f"{name}.subject.txt", context).split())
        body = render_to_string(f"{name}.txt", context)
        html = render_to_string(f"{name}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to or recipient.email],
        headers={"Message-ID": message_id_header, "Content-Language": language},
    )
    message.attach_alternative(html, "text/html")
    return message
