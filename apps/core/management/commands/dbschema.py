"""The current definition of our database code, one file per app (apps/<app>/sql/current.sql).

    dbschema            print every app's file to stdout
    dbschema --write    write the files
    dbschema --check    exit 1 naming every object that differs, is missing or is extra

Reads the catalog as the owner; see apps/core/db/catalog.py for what is listed and how each
object is assigned to an app."""

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection, transaction

from apps.core.db import catalog
from apps.core.db.roles import as_owner
from apps.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print, write (--write) or check (--check) apps/<app>/sql/current.sql."

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--write", action="store_true", help="write the files")
        mode.add_argument("--check", action="store_true", help="fail if a file is out of date")

    def handle(self, *args, write=False, check=False, **options):
        with as_owner(), transaction.atomic(), connection.cursor() as cursor:
            try:
                blocks = catalog.Catalog(cursor).blocks()
            except catalog.OwnershipError as error:
                raise CommandError(str(error)) from error
        if check:
            problems = catalog.differences(blocks, base=settings.BASE_DIR)
            if problems:
                for problem in problems:
                    self.stderr.write(problem)
                raise CommandError(
                    f"{len(problems)} object(s) out of date: run manage.py dbschema --write"
                )
            self.stdout.write(f"dbschema: {len(blocks)} objects, the files are current")
            return
        files = catalog.render(blocks)
        if not write:
            for text in files.values():
                self.stdout.write(text, ending="\n")
            return
        for app, text in files.items():
            path = catalog.sql_path(app)
            path.parent.mkdir(exist_ok=True)
            if not path.exists() or path.read_text() != text:
                path.write_text(text)
                self.stdout.write(f"wrote {path.relative_to(settings.BASE_DIR)}")
        self.stdout.write(f"dbschema: {len(blocks)} objects in {len(files)} files")
