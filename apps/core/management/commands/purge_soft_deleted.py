from argparse import ArgumentTypeError

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Exists, OuterRef
from django.utils import timezone

from apps.bookings.models import Booking
from apps.core.context import DbContext, db_context
from apps.core.durations import parse_duration
from apps.listings.models import Listing
from apps.messaging.models import Message


def _duration(text):
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise ArgumentTypeError(str(exc)) from exc


class Command(BaseCommand):
    help = (
        "Hard-delete listings and messages soft-deleted before the cut-off, in small batches. "
        "Listings that still have bookings are kept and reported."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=_duration, default="30d", metavar="30d")
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")

    def handle(self, *args, older_than, batch_size, dry_run, interactive, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        cutoff = timezone.now() - older_than
        context = DbContext.for_command("purge_soft_deleted")
        with db_context(context):
            listings = Listing.all_objects.filter(deleted_at__lt=cutoff)
            kept = listings.filter(Exists(Booking.objects.filter(listing=OuterRef("pk"))))
            purgeable_listings = listings.exclude(pk__in=kept.values("pk"))
            messages = Message.all_objects.filter(deleted_at__lt=cutoff)
            counts = {
                "listings": purgeable_listings.count(),
                "messages": messages.count(),
            }
            kept_ids = list(kept.values_list("pk", flat=True)[:20])
            kept_count = kept.count()

        verb = "would delete" if dry_run else "deleting"
        self.stdout.write(
            f"purge_soft_deleted: cut-off {cutoff:%Y-%m-%d %H:%M} UTC; {verb} "
            f"{counts['listings']} listings, {counts['messages']} messages; "
            f"{kept_count} listings kept (still booked){': ' + str(kept_ids) if kept_ids else ''}"
        )
        if dry_run or not any(counts.values()):
            return
        if interactive and input("Type 'yes' to delete them for good: ").strip() != "yes":
            raise CommandError("Purge cancelled.")

        deleted = {
            "listings": self._purge(purgeable_listings, batch_size, context),
            "messages": self._purge(messages, batch_size, context),
        }
        self.stdout.write(
            self.style.SUCCESS(
                f"purge_soft_deleted: deleted {deleted['listings']} listings, "
                f"{deleted['messages']} messages"
            )
        )

    @staticmethod
    def _purge(queryset, batch_size: int, context: DbContext) -> int:
        """Each batch is its own short transaction, so no lock is held for long."""
        total = 0
        while True:
            with db_context(context):
                ids = list(queryset.values_list("pk", flat=True)[:batch_size])
                if not ids:
                    return total
                # The ORM delete applies Django's on_delete rules (e.g. messages keep their
                # text when the listing they mention goes); triggers audit each row.
                queryset.model.all_objects.filter(pk__in=ids).delete()
            total += len(ids)
