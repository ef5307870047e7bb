from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from apps.core.db.roles import as_owner
from apps.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Drop and recreate the public schema, then migrate and seed. Destroys every row."

    def add_arguments(self, parser):
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Allow running with DEBUG off (i.e. against a non-development database).",
        )
        parser.add_argument("--no-seed", action="store_true", help="Migrate only, do not seed.")

    def handle(self, *args, interactive, force, no_seed, **options):
        dbname = connection.settings_dict["NAME"]
        if not settings.DEBUG and not force:
            raise CommandError(
                f"Refusing to reset {dbname!r} with DEBUG off: this looks like a production "
                "database. Pass --force if you really mean it."
            )
        if interactive:
            answer = input(
                f"This drops every table of database {dbname!r}. Type its name to confirm: "
            )
            if answer.strip() != dbname:
                raise CommandError("Reset cancelled.")

        with as_owner(), connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
        self.stdout.write(f"reset_db: schema public of {dbname!r} dropped and recreated")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("reset_db: migrations applied")
        if not no_seed:
            call_command("seed", stdout=self.stdout)
