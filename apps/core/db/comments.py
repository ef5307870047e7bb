"""COMMENT ON operations for migrations: each object says what it is for (\\df+, \\dp in psql)."""

from django.db import migrations

AUDIT_EVENTS = {
    "insert": "an INSERT adds to",
    "update": "an UPDATE changes in",
    "delete": "a DELETE removes from",
}


def audit_trigger_comments(*tables: str) -> dict[str, str]:
    """The comments of the three audit triggers audit_enable() attaches to each table."""
    return {
        f"TRIGGER {table}_audit_{event} ON {table}": (
            f"Audit trail: records in audit_logs every row {what} {table}, with who and from where."
        )
        for table in tables
        for event, what in AUDIT_EVENTS.items()
    }


def comment_on(comments: dict[str, str]) -> migrations.RunSQL:
    """One RunSQL setting each object's comment; reversed, the comments are removed."""

    def statements(text_of):
        return [f"COMMENT ON {target} IS {text_of(text)}" for target, text in comments.items()]

    literal = "'{}'".format
    return migrations.RunSQL(
        statements(lambda text: literal(text.replace("'", "''"))),
        statements(lambda text: "NULL"),
    )
