"""`flush` (used by transactional tests) truncates tables: owner work, not the runtime role's.

TRUNCATE ... CASCADE, so that tables Django does not manage but which reference its tables
(listing_search, the public search projection) are emptied with them."""

from django.core.management.commands.flush import Command as DjangoFlushCommand

from apps.core.management.base import FormattedHelp, RunsAsOwner


class Command(FormattedHelp, RunsAsOwner, DjangoFlushCommand):
    def execute(self, *args, **options):
        options["allow_cascade"] = True
        return super().execute(*args, **options)
