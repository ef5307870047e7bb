"""What every Havre management command shares.

* `BaseCommand` (and the `FormattedHelp` mixin, for commands that extend one of Django's or a
  library's): `--help` prints the command's help as written — its line breaks, indented usage
  lines and bullets — instead of re-flowing it into one paragraph.
* `RunsAsOwner`: the command connects as the schema owner (apps/core/db/roles.py) — schema
  changes, the migration history, truncation, sequences.

Who the command acts as towards row-level security (`command:<name>`) needs nothing here: every
command gets it, Django's own included (apps/core/commands.py).
"""

import argparse

from django.core.management import base
from django.db import DEFAULT_DB_ALIAS

from apps.core.db.roles import as_owner


class HelpFormatter(base.DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Django's formatter (its common options last), the description left as written."""


class FormattedHelp:
    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)


class BaseCommand(FormattedHelp, base.BaseCommand):
    """The base of our commands."""


class RunsAsOwner:
    """Mixin: the whole command runs as the schema owner on its database (`--database`)."""

    def execute(self, *args, **options):
        with as_owner(options.get("database") or DEFAULT_DB_ALIAS):
            return super().execute(*args, **options)
