"""Personal data leaving the database (docs/security.md, "Erasure and retention").

* Forgetting a person in JSON columns that copy their name or e-mail address (notifications'
  data, idempotency keys' stored responses): an account's erasure rewrites, at any depth, every
  JSON string equal (case aside) to one of theirs, with jsonb_replace_strings (core.0013). A
  LIKE pre-filter on the text keeps the rewrite to the rows that hold one.
* The audit log's retention (scrub_audit_pii): old rows lose their values, IP address and user
  agent through audit_logs_scrub_expired (core.0013), batch by batch."""

import datetime as dt
import json

from django.db import connection
from django.db.models import Q

from apps.core.context import DbContext, db_context
from apps.core.models import AuditLog


def json_string_patterns(strings: list[str]) -> list[str]:
    """LIKE patterns (lower case) finding `strings` as JSON string values in jsonb::text."""
    patterns = []
    for value in strings:
        text = json.dumps(value.lower(), ensure_ascii=False)  # as jsonb::text writes it
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        patterns.append(f"%{escaped}%")
    return patterns


def jsonb_forget(*, table: str, column: str, strings: list[str], placeholder: str) -> int:
    """Replace `strings` by `placeholder` in `table`.`column` (jsonb) wherever they are a
    whole string value; how many rows changed. `table` and `column` are ours, never input.
    Row-level security applies: call it in a context that reaches the rows."""
    strings = [value for value in strings if value]
    if not strings:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table}
            SET {column} = jsonb_replace_strings({column}, %(strings)s::text[], %(placeholder)s)
            WHERE lower({column}::text) LIKE ANY (%(patterns)s::text[])
              AND {column} IS DISTINCT FROM
                  jsonb_replace_strings({column}, %(strings)s::text[], %(placeholder)s)
            """,  # noqa: S608 (identifiers from our code, values bound)
            {
                "strings": strings,
                "placeholder": placeholder,
                "patterns": json_string_patterns(strings),
            },
        )
        return cursor.rowcount


def idempotency_responses_forget(*, strings: list[str], placeholder: str) -> int:
    """An account's erasure: its name and e-mail address leave every stored Idempotency-Key
    response (apps.core.idempotency), another user's included (a host's confirmed booking
    shows its guest). Keys live 24 hours: the table is small. In a privileged context, to
    reach every user's keys."""
    return jsonb_forget(
        table="idempotency_keys", column="response_body", strings=strings, placeholder=placeholder
    )


# --- the audit log's retention (scrub_audit_pii) -------------------------------------------

NOT_SCRUBBED = (
    Q(old_data__isnull=False)
    | Q(new_data__isnull=False)
    | Q(ip_address__isnull=False)
    | Q(user_agent__isnull=False)
)


def audit_rows_to_scrub(*, cutoff: dt.datetime):
    """Audit rows older than `cutoff` that still hold values, an IP address or a user agent
    (a privileged context reads audit_logs)."""
    return AuditLog.objects.filter(NOT_SCRUBBED, timestamp__lt=cutoff)


def audit_scrub_expired(*, cutoff: dt.datetime, batch_size: int, context: DbContext) -> int:
    """Scrub every audit row older than `cutoff`, `batch_size` rows read per transaction;
    returns how many changed."""
    total, after = 0, (dt.datetime.min.replace(tzinfo=dt.UTC), 0)
    while True:
        with db_context(context), connection.cursor() as cursor:
            cursor.execute(
                "SELECT * FROM audit_logs_scrub_expired(%s, %s, %s, %s)",
                [cutoff, batch_size, *after],
            )
            scrubbed, seen, last_timestamp, last_id = cursor.fetchone()
        total += scrubbed
        if seen < batch_size:
            return total
        after = (last_timestamp, last_id)
