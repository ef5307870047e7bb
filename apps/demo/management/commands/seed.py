import resource
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from apps.core.context import DbContext, db_context
from apps.core.db.roles import as_owner
from apps.demo.seeding import (
    DemoStayError,
    SeedReport,
    seed_demo_data,
    seed_demo_stay,
    seed_reference_data,
)
from apps.demo.seeding_scale import SCALE_PASSWORD, ScaleSeeder


class Command(BaseCommand):
    help = (
        "Load reference data (categories, amenities, tags) and demo data. Idempotent. "
        "With --scale N, also load a synthetic marketplace of N listings through COPY. "
        "With --demo-stay EMAIL, only give that user a completed, reviewable stay."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reference-only",
            action="store_true",
            help="Load the reference catalogues only, no demo users or listings.",
        )
        parser.add_argument(
            "--scale", type=int, metavar="N", help="Add N synthetic listings (and their world)."
        )
        parser.add_argument("--random-seed", type=int, default=42)
        parser.add_argument("--no-progress", action="store_true", help="No progress bars.")
        parser.add_argument(
            "--demo-stay",
            metavar="EMAIL",
            help="Only this (development, DEBUG on): give the user a completed stay at a demo "
            "listing, ended yesterday (reviewable), and print its booking id alone on stdout. "
            "Until it is reviewed, the same stay again.",
        )

    def handle(self, *args, **options):
        if options["demo_stay"]:
            self._demo_stay(options["demo_stay"])
            return
        report = SeedReport()
        with db_context(DbContext.for_command("seed")):
            seed_reference_data(report)
            if not options["reference_only"]:
                seed_demo_data(report)

        created = ", ".join(f"{n} {what}" for what, n in sorted(report.created.items()) if n)
        self.stdout.write(self.style.SUCCESS(f"seed: created {created or 'nothing (up to date)'}"))
        if report.generated_passwords:
            self.stdout.write(
                "Generated passwords (shown once; set SEED_USER_PASSWORD, SEED_STAFF_PASSWORD "
                "and SEED_ADMIN_PASSWORD to choose them):"
            )
            for email, password in report.generated_passwords:
                self.stdout.write(f"  {email:<22} {password}")

        if options["scale"]:
            self._scale(options["scale"], options["random_seed"], not options["no_progress"])

    def _demo_stay(self, email: str) -> None:
        if not settings.DEBUG:
            # A made-up stay lets its guest publish a review of nights never spent there.
            raise CommandError("--demo-stay makes up a stay: development only (DEBUG on).")
        with db_context(DbContext.for_command("seed")):
            try:
                stay, created = seed_demo_stay(email)
            except DemoStayError as exc:
                raise CommandError(str(exc)) from exc
            summary = (
                f"seed --demo-stay: booking {stay.pk} "
                f"({'created' if created else 'not reviewed yet'}), {email} at "
                f"{stay.listing.title}, {stay.check_in} to {stay.check_out}: completed, "
                "reviewable now"
            )
        # The id alone on stdout, for `STAY=$(manage.py seed --demo-stay ...)`; the rest on
        # stderr.
        self.stdout.write(str(stay.pk))
        self.stderr.write(summary, style_func=lambda text: text)

    def _scale(self, listings: int, seed: int, progress: bool) -> None:
        if listings < 1:
            raise CommandError("--scale needs a positive number of listings.")
        # Bulk loading rebuilds indexes and bypasses row-level security for COPY: owner work,
        # in one transaction (all or nothing).
        with as_owner():
            with transaction.atomic():
                scale = ScaleSeeder(
                    listings=listings, seed=seed, progress=progress, stdout=self.stdout
                ).run()
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            analyze_seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        total = sum(scale.rows.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"seed --scale {listings}: {total:,} rows in {scale.seconds:.1f} s "
                f"(+ ANALYZE {analyze_seconds:.1f} s); listings at "
                f"{scale.listing_rows_per_second:,.0f} rows/s; peak memory {peak_mb:.0f} MB"
            )
        )
        self.stdout.write(
            "  " + ", ".join(f"{table} {count:,}" for table, count in scale.rows.items())
        )
        self.stdout.write(
            f"  synthetic accounts: ownerN@/guestN@scale.havre.test, password {SCALE_PASSWORD!r}"
        )
