import resource
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from apps.core.context import DbContext, db_context
from apps.core.db.roles import as_owner
from apps.demo.seeding import SeedReport, seed_demo_data, seed_reference_data
from apps.demo.seeding_scale import SCALE_PASSWORD, ScaleSeeder


class Command(BaseCommand):
    help = (
        "Load reference data (categories, amenities, tags) and demo data. Idempotent. "
        "With --scale N, also load a synthetic marketplace of N listings through COPY."
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

    def handle(self, *args, **options):
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
