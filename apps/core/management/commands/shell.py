"""Django's `shell`, saying whom PostgreSQL sees and able to act as a user.

The shell runs as `command:shell` (apps/core/commands.py): row-level security shows it every
row, as to any management command. To debug a policy, look through a user's eyes:

    >>> act_as("jane@example.com")      # from now on, the session acts as Jane
    >>> Listing.objects.count()          # what Jane may see
    >>> act_as(None)                     # back to command:shell

    >>> with act_as("jane@example.com"): # or for a block only
    ...     Booking.objects.count()
"""

from django.contrib.auth import get_user_model
from django.core.management.commands.shell import Command as DjangoShellCommand

from apps.core import commands
from apps.core.context import DbContext, db_context
from apps.core.management.base import FormattedHelp


class ActingAs:
    """What act_as() returns: the switch is already made; used as a context manager, the
    previous context comes back at the end of the block."""

    def __init__(self, previous: dict[str, str], now: str):
        self.previous = previous
        self.now = now

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        commands.replace_session_settings(self.previous)

    def __repr__(self):
        return f"<acting as {self.now}>"


def act_as(email: str | None) -> ActingAs:
    """Act as the user with this e-mail (their id, tenant and staff flag, as a request of
    theirs would), or — None — as the shell command again."""
    previous = commands.session_settings()
    if email is None:
        context = DbContext(actor="command:shell", request_id=previous.get("app.request_id"))
    else:
        # Looked up as the command, whatever the session acts as now.
        with db_context(DbContext.for_command("shell")):
            user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            raise LookupError(f"No user with e-mail {email!r}.")
        context = DbContext(request_id=previous.get("app.request_id")).with_user(user)
    commands.replace_session_context(context)
    return ActingAs(previous, commands.current_actor() or "nobody")


BANNER = (
    "Havre shell: the database session acts as {actor} (row-level security lets a management "
    "command see every row).\n"
    'act_as("jane@example.com") acts as that user, act_as(None) comes back; '
    'also `with act_as("…"):` for a block.'
)


class Command(FormattedHelp, DjangoShellCommand):
    help = __doc__

    def get_namespace(self, **options):
        namespace = super().get_namespace(**options)
        if options.get("verbosity", 1) >= 1:
            self.stdout.write(BANNER.format(actor=commands.current_actor() or "nobody"))
        return {**namespace, "act_as": act_as}
