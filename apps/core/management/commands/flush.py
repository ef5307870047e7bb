"""`flush` (used by transactional tests) truncates tables: owner work, not the runtime role's.

TRUNCATE ... CASCADE, so that tables Django does not manage but which reference its tables
(listing_search, the public search projection) are emptied with them."""

from django.core.management.commands.flush import Command as DjangoFlushCommand
from django.db import DEFAULT_DB_ALIAS

from apps.core.db.roles import as_owner


class Command(DjangoFlushCommand):
    def execute(self, *args, **options):
        options["allow_cascade"] = True
        with as_owner(options.get("database") or DEFAULT_DB_ALIAS):
            return super().execute(*args, **options)
