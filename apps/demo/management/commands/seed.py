"""Load reference data (categories, amenities, tags) and demo data. Idempotent: what exists is
left as it is.

    python manage.py seed [--reference-only]
    python manage.py seed --reset-passwords          (development only)
    python manage.py seed --scale N [--force]
    python manage.py seed --demo-stay EMAIL          (development only)

- Demo accounts get SEED_USER_PASSWORD, SEED_STAFF_PASSWORD and SEED_ADMIN_PASSWORD, or
  generated passwords printed once.
- --reset-passwords sets the demo accounts' passwords again (a lost demo password), from the
  same variables or newly generated, and prints them. Refused with DEBUG off (production).
- --scale N adds a synthetic marketplace of N listings through COPY. Its accounts
  (ownerN@ / guestN@scale.havre.test) share one password: SEED_SCALE_PASSWORD, or generated and
  printed once. Refused with DEBUG off unless --force.
- --demo-stay EMAIL only gives that user a completed, reviewable stay at a demo listing and
  prints its booking id alone on stdout. Refused with DEBUG off.
"""

import os
import resource
import time

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection, transaction

from apps.accounts.models import User
from apps.core.context import DbContext, db_context
from apps.core.db.roles import as_owner
from apps.core.management.base import BaseCommand
from apps.demo.seeding import (
    DemoStayError,
    SeedReport,
    _load,
    _password_for,
    seed_demo_data,
    seed_demo_stay,
    seed_reference_data,
)
from apps.demo.seeding_scale import EMAIL_DOMAIN, ScaleSeeder

# Which variable chooses the password of each group of demo accounts (fixtures/demo.json).
DEMO_ACCOUNTS = (
    ("users", "SEED_USER_PASSWORD"),
    ("staff", "SEED_STAFF_PASSWORD"),
    ("superuser", "SEED_ADMIN_PASSWORD"),
)


class Command(BaseCommand):
    help = __doc__

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
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Set the demo accounts' passwords again and print them (development only).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Allow --scale with DEBUG off (i.e. against a non-development database).",
        )

    def handle(self, *args, **options):
        if options["demo_stay"]:
            self._demo_stay(options["demo_stay"])
            return
        if options["reset_passwords"]:
            self._reset_passwords()
            return
        if options["scale"] and not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Refusing seed --scale with DEBUG off: this looks like a production database. "
                "Pass --force if you really mean to add synthetic accounts and listings to it."
            )
        report = SeedReport()
        # Acts as command:seed, like every command (apps/core/commands.py).
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
            self._print_passwords(report.generated_passwords)

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

    def _print_passwords(self, passwords) -> None:
        for email, password in passwords:
            self.stdout.write(f"  {email:<22} {password}")

    def _reset_passwords(self) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "Refusing seed --reset-passwords with DEBUG off: demo passwords are for "
                "development databases only. Reset a real account's with "
                "`manage.py changepassword EMAIL`."
            )
        demo = _load("demo.json")
        report = SeedReport()
        chosen, missing = [], []
        with transaction.atomic():
            for group, env_var in DEMO_ACCOUNTS:
                items = demo[group] if isinstance(demo[group], list) else [demo[group]]
                for item in items:
                    user = User.objects.filter(email__iexact=item["email"]).first()
                    if user is None:
                        missing.append(item["email"])
                        continue
                    user.set_password(_password_for(env_var, user.email, report))
                    user.save(update_fields=["password", "updated_at"])
                    if os.environ.get(env_var):
                        chosen.append((user.email, f"(from {env_var})"))
        if missing and not (report.generated_passwords or chosen):
            raise CommandError("seed --reset-passwords: no demo account yet; run `seed` first.")
        self.stdout.write(
            self.style.SUCCESS(
                f"seed --reset-passwords: {len(report.generated_passwords) + len(chosen)} "
                "demo accounts have a new password:"
            )
        )
        self._print_passwords([*report.generated_passwords, *chosen])
        if missing:
            self.stdout.write(f"  not found (run `seed` to create them): {', '.join(missing)}")

    def _scale(self, listings: int, seed: int, progress: bool) -> None:
        if listings < 1:
            raise CommandError("--scale needs a positive number of listings.")
        chosen_password = os.environ.get("SEED_SCALE_PASSWORD") or None
        # Bulk loading rebuilds indexes and bypasses row-level security for COPY: owner work,
        # in one transaction (all or nothing).
        with as_owner():
            with transaction.atomic():
                seeder = ScaleSeeder(
                    listings=listings,
                    seed=seed,
                    password=chosen_password,
                    progress=progress,
                    stdout=self.stdout,
                )
                scale = seeder.run()
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
        password = (
            "from SEED_SCALE_PASSWORD" if chosen_password else f"{seeder.password} (shown once)"
        )
        self.stdout.write(
            f"  synthetic accounts: ownerN@/guestN@{EMAIL_DOMAIN}, password {password}"
        )
