"""Helpers of the account-recovery tests: the queue's jobs run in the test's process (as a
worker would run them, in the job's own database context), reset links read back from e-mails."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

from apps.accounts.tasks import send_password_reset
from apps.core.context import DbContext, db_context
from apps.notifications.tasks import send_notification
from tests.db import execute

RESET = "/api/v1/auth/password/reset/"
CONFIRM = "/api/v1/auth/password/reset/confirm/"
CHANGE = "/api/v1/auth/password/change/"
LOGIN = "/api/v1/auth/token/"
LINK = re.compile(r"https?://\S+reset-password\?\S+")


def queued_jobs(task) -> list[tuple[int, dict]]:
    """(id, args) of `task`'s jobs waiting in the queue, oldest first."""
    with db_context(DbContext.system("tests")):
        rows = execute(
            "SELECT id, args::text FROM procrastinate_jobs "
            "WHERE task_name = %s AND status = 'todo' ORDER BY id",
            [task.name],
        )
    return [(job_id, json.loads(args)) for job_id, args in rows]


def run_queued(task) -> int:
    """Run `task`'s waiting jobs here, then take them off the queue; how many ran."""
    jobs = queued_jobs(task)
    for job_id, args in jobs:
        task(**args)
        with db_context(DbContext.system("tests")):
            execute("DELETE FROM procrastinate_jobs WHERE id = %s", [job_id])
    return len(jobs)


def deliver_password_resets() -> None:
    """What the workers do after reset requests: the reset jobs notify, the send jobs e-mail."""
    run_queued(send_password_reset)
    run_queued(send_notification)


def reset_link(message) -> tuple[str, str]:
    """(uid, token) of the reset link in an e-mail's text (a Django EmailMessage's body, or an
    email.message.EmailMessage as an SMTP server received it)."""
    text = message.body if hasattr(message, "body") else message.get_body(("plain",)).get_content()
    [url] = LINK.findall(text)
    query = parse_qs(urlsplit(url).query)
    return query["uid"][0], query["token"][0]
