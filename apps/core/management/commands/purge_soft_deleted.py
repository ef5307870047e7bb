"""Hard-delete what was soft-deleted before a cut-off: every model an app registered
(apps/core/soft_delete.py), minus the rows another app still needs."""

from argparse import ArgumentTypeError

from django.core.management.base import CommandError
from django.utils import timezone

from apps.core.context import DbContext, db_context
from apps.core.durations import parse_duration
from apps.core.management.base import BaseCommand
from apps.core.soft_delete import purge_in_batches, purge_plans

SHOWN_KEPT_IDS = 20


def _duration(text):
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise ArgumentTypeError(str(exc)) from exc


class Command(BaseCommand):
    help = (
        "Hard-delete soft-deleted rows (listings, messages...) older than the cut-off, in small "
        "batches. Rows another app still needs (booked listings) are kept and reported."
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
            plans = purge_plans(cutoff)
            counts = {plan.name: plan.deletable.count() for plan in plans}
            kept = [
                _kept(plan.name, keep.reason, rows) for plan in plans for keep, rows in plan.kept
            ]

        verb = "would delete" if dry_run else "deleting"
        self.stdout.write(
            f"purge_soft_deleted: cut-off {cutoff:%Y-%m-%d %H:%M} UTC; {verb} "
            + "; ".join([_counted(counts), *kept])
        )
        if dry_run or not any(counts.values()):
            return
        if interactive and input("Type 'yes' to delete them for good: ").strip() != "yes":
            raise CommandError("Purge cancelled.")

        deleted = {
            plan.name: purge_in_batches(plan.deletable, batch_size=batch_size, context=context)
            for plan in plans
        }
        self.stdout.write(self.style.SUCCESS(f"purge_soft_deleted: deleted {_counted(deleted)}"))


def _kept(name: str, reason: str, rows) -> str:
    ids = list(rows.values_list("pk", flat=True)[:SHOWN_KEPT_IDS])
    return f"{rows.count()} {name} kept ({reason})" + (f": {ids}" if ids else "")


def _counted(counts: dict[str, int]) -> str:
    return ", ".join(f"{count} {name}" for name, count in counts.items())
