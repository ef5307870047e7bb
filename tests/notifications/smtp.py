"""A real SMTP server (aiosmtpd) on a free loopback port, in a thread of the test process; it
keeps every message it accepts."""

from __future__ import annotations

import email
import email.policy
import threading
from contextlib import contextmanager

from aiosmtpd.controller import Controller


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]


@contextmanager
def smtp_server(port: int = 0, mailbox: Mailbox | None = None):
    """Yields (mailbox, port); port 0: a free one."""
    mailbox = mailbox or Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port or _free_port())
    controller.start()
    try:
        yield mailbox, controller.port
    finally:
        controller.stop()


def _free_port() -> int:
    from tests.helpers import unused_port

    return unused_port()
