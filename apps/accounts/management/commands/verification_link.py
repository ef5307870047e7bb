"""Print a fresh e-mail verification link of an account (development: DEBUG on).

    python manage.py verification_link EMAIL          {"uid": "...", "token": "..."}
    python manage.py verification_link EMAIL --url    the front end's URL (EMAIL_VERIFY_URL)

The JSON is the body of POST /api/v1/auth/email/verify/, so that a development session
verifies an address it cannot read mail for (the README's curl session does). The link is the
one the verification e-mail carries (`make run`'s worker prints those e-mails too). Refused
with DEBUG off unless --force: a link proves nothing about who reads the mailbox.
"""

import json

from django.conf import settings
from django.core.management.base import CommandError

from apps.accounts.email_verification import verification_link
from apps.accounts.models import User
from apps.core.management.base import BaseCommand


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("email", help="The account's e-mail address (any case).")
        parser.add_argument(
            "--url", action="store_true", help="Print the front end's URL instead of the JSON."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Allow it with DEBUG off (i.e. against a non-development database).",
        )

    def handle(self, *args, email, url, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing verification_link with DEBUG off: it verifies an address without "
                "its mailbox. Pass --force if you really mean to (support, say)."
            )
        # As command:verification_link, like every command (apps/core/commands.py).
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No user {email!r}.")
        if user.email_verified_at is not None:
            raise CommandError(f"{user.email} is verified already.")
        link = verification_link(user)
        if url:
            self.stdout.write(link["url"])
        else:
            self.stdout.write(json.dumps({"uid": link["uid"], "token": link["token"]}))
