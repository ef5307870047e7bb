"""Accounts' jobs (apps.jobs.queue): arguments are ids, never an address or a token."""

from apps.accounts import services
from apps.jobs.queue import task


@task(queue="emails")
def send_password_reset(*, user_id: int | None, request_id: str, by_staff: bool = False) -> None:
    """Queued by every reset request, for an unknown address too (user_id None: nothing to do),
    so that the request does the same work either way. Notifies the user; the notification's
    own send job builds the e-mail and its link."""
    services.password_reset_notify(user_id=user_id, request_id=request_id, by_staff=by_staff)
