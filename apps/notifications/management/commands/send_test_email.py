"""Queue a test e-mail to a user, the way every notification leaves: a notifications row and a
send job in one transaction; a running worker (`manage.py worker`) sends it.

    python manage.py send_test_email alice@example.com
"""

import uuid

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from apps.core.context import DbContext, db_context
from apps.core.management.base import BaseCommand
from apps.notifications.services import notify


class Command(BaseCommand):
    help = "Queue a test e-mail to the user with this e-mail address."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The recipient's account e-mail")

    def handle(self, *args, email, **options):
        with db_context(DbContext.for_command("send_test_email")):
            user = get_user_model().objects.filter(email__iexact=email).only("id").first()
            if user is None:
                raise CommandError(f"No user has the e-mail address {email}.")
            notification_id = notify(
                recipient_id=user.pk,
                kind="test_email",
                event_key=f"test_email:{uuid.uuid4().hex}",
                data={},
            )
        self.stdout.write(
            f"send_test_email: notification {notification_id} queued for {email} "
            "(a worker sends it: manage.py worker)"
        )
