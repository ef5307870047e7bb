from django.core.management.base import BaseCommand

from apps.core.context import DbContext, db_context
from apps.core.seeding import SeedReport, seed_demo_data, seed_reference_data


class Command(BaseCommand):
    help = "Load reference data (categories, amenities, tags) and demo data. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reference-only",
            action="store_true",
            help="Load the reference catalogues only, no demo users or listings.",
        )

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
