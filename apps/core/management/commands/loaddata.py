"""`loaddata`, run as the schema owner: after loading, Django moves each table's sequence past
the loaded ids (setval), which the runtime role may not do. Rows still pass row-level security
as `command:loaddata` and the audit trail records them."""

from django.core.management.commands.loaddata import Command as DjangoLoadDataCommand

from apps.core.management.base import FormattedHelp, RunsAsOwner


class Command(FormattedHelp, RunsAsOwner, DjangoLoadDataCommand):
    pass
