"""The current definition of our database code, read from the PostgreSQL catalog.

Migrations hold the history of every function, trigger, policy, view, grant and extension; this
module reads what PostgreSQL runs today and renders it as one file per app
(`apps/<app>/sql/current.sql`), so that a reviewer reads an object's whole current text in one
place. `manage.py dbschema` writes and checks those files; tests/core/test_dbschema.py keeps them
equal to a freshly migrated database.

What is listed (schema public, members of extensions left out):
    extension, function (pg_get_functiondef), view / materialized view, partitioning,
    row-level security (ENABLE / FORCE per table), policy (rebuilt as CREATE POLICY), trigger
    (pg_get_triggerdef, internal ones skipped), grant (the runtime role's privileges on the
    schema, tables, columns, sequences and functions) and default privileges.

Which app an object belongs to: the app of its table for triggers, policies, row-level security,
grants and partitioning (tables of Django's own apps belong to core); for functions and views,
the app of the table their name starts with (`listings_…` or `listing_…` → listings), core for
the `app_…` context readers and the `audit_…` machinery. A function named after a lower app's
table that works on a higher app's data is claimed by that app's AppConfig
(`database_functions = (...)`), as it is defined in that app's migrations: core names no domain
app.

Text is stable across environments: no OIDs, no database or owner name, the runtime role written
as APP_ROLE whatever settings.DATABASE_APP_ROLE is, monthly partitions (data created ahead by
`audit_partitions`, named after the date) summarised rather than listed, and blocks ordered by
kind, then name."""

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps as django_apps
from django.conf import settings

# How the runtime role is written in the files (it stands for settings.DATABASE_APP_ROLE).
APP_ROLE = "app_user"
KINDS = (
    "extension",
    "function",
    "view",
    "materialized view",
    "partitioning",
    "row level security",
    "policy",
    "trigger",
    "grant",
    "default privileges",
)
# Name prefixes of the shared machinery: the request-context readers and the audit trail.
CORE_FUNCTION_PREFIXES = ("app_", "audit_")
# Extensions created only where the server offers them (core.0005): absent is not a difference.
OPTIONAL_EXTENSIONS = frozenset({"pg_stat_statements"})
HEADER = (
    "-- The current definition of the {app} app's database code, generated from the\n"
    "-- PostgreSQL catalog by `manage.py dbschema --write`: do not edit. Change an object in a\n"
    "-- migration that restates it whole, then regenerate. {role} stands for\n"
    "-- settings.DATABASE_APP_ROLE.\n"
)
BLOCK_HEADER = re.compile(r"^-- \[(?P<kind>[a-z ]+)\] (?P<name>.+?)(?: — .*)?$")

_NOT_EXTENSION_MEMBER = """NOT EXISTS (
    SELECT 1 FROM pg_depend d
    WHERE d.classid = '{catalog}'::regclass AND d.objid = {oid} AND d.deptype = 'e')"""

# Partitions other than DEFAULT are created at run time, named after their range.
_RUNTIME_PARTITION = """(c.relispartition AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT')"""

QUERIES = {
    "extension": """
        SELECT quote_ident(e.extname), obj_description(e.oid, 'pg_extension')
        FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE n.nspname = 'public'""",
    "function": f"""
        SELECT quote_ident(p.proname), pg_get_function_identity_arguments(p.oid),
               pg_get_functiondef(p.oid),
               obj_description(p.oid, 'pg_proc'),
               EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                       WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE'),
               ARRAY(SELECT a.privilege_type || CASE WHEN a.is_grantable THEN '*' ELSE '' END
                     FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                     WHERE a.grantee = %(role)s::regrole ORDER BY 1)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.prokind IN ('f', 'p')
          AND {_NOT_EXTENSION_MEMBER.format(catalog="pg_proc", oid="p.oid")}""",  # noqa: S608 (constants)
    "relation": f"""
        SELECT quote_ident(c.relname), c.relkind, c.relrowsecurity, c.relforcerowsecurity,
               CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END,
               c.reloptions, obj_description(c.oid, 'pg_class'),
               CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
               CASE WHEN c.relispartition THEN (SELECT i.inhparent::regclass::text
                    FROM pg_inherits i WHERE i.inhrelid = c.oid) END,
               CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END,
               ARRAY(SELECT a.privilege_type || CASE WHEN a.is_grantable THEN '*' ELSE '' END
                     FROM aclexplode(coalesce(c.relacl, acldefault(
                         CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner))) a
                     WHERE a.grantee = %(role)s::regrole ORDER BY 1),
               ARRAY(SELECT quote_ident(at.attname) || ':' || a.privilege_type
                     FROM pg_attribute at, aclexplode(at.attacl) a
                     WHERE at.attrelid = c.oid AND at.attacl IS NOT NULL
                       AND a.grantee = %(role)s::regrole ORDER BY at.attnum, 1),
               (SELECT quote_ident(t.relname) FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
                WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                  AND c.relkind = 'S' LIMIT 1)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          AND NOT {_RUNTIME_PARTITION}
          AND {_NOT_EXTENSION_MEMBER.format(catalog="pg_class", oid="c.oid")}""",  # noqa: S608 (constants)
    "runtime partitions": f"""
        SELECT p.inhparent::regclass::text, bool_and(c.relrowsecurity AND c.relforcerowsecurity)
        FROM pg_class c JOIN pg_inherits p ON p.inhrelid = c.oid
        WHERE {_RUNTIME_PARTITION} AND c.relnamespace = 'public'::regnamespace
        GROUP BY 1""",  # noqa: S608 (constants)
    "policy": """
        SELECT quote_ident(c.relname), quote_ident(p.polname), p.polpermissive,
               ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE r::regrole::text END
                     FROM unnest(p.polroles) AS r ORDER BY 1),
               p.polcmd, pg_get_expr(p.polqual, p.polrelid, true),
               pg_get_expr(p.polwithcheck, p.polrelid, true),
               obj_description(p.oid, 'pg_policy')
        FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
        WHERE c.relnamespace = 'public'::regnamespace""",
    "trigger": f"""
        SELECT quote_ident(c.relname), quote_ident(t.tgname), pg_get_triggerdef(t.oid), t.tgenabled,
               obj_description(t.oid, 'pg_trigger')
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal
          AND t.tgparentid = 0 AND NOT {_RUNTIME_PARTITION}""",  # noqa: S608 (constants)
    "schema": """
        SELECT ARRAY(SELECT a.privilege_type FROM aclexplode(nspacl) a
                     WHERE a.grantee = %(role)s::regrole ORDER BY 1)
        FROM pg_namespace WHERE nspname = 'public'""",
    "default privileges": """
        SELECT d.defaclobjtype, a.privilege_type
        FROM pg_default_acl d, aclexplode(d.defaclacl) a
        WHERE d.defaclrole = current_user::regrole
          AND d.defaclnamespace IN (0, 'public'::regnamespace)
          AND a.grantee = %(role)s::regrole
        ORDER BY 1, 2""",
}

# Privileges in the order GRANT documents them, so that lines never reorder.
PRIVILEGE_ORDER = (
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "TRUNCATE",
    "REFERENCES",
    "TRIGGER",
    "USAGE",
    "EXECUTE",
    "CREATE",
)
DEFAULT_OBJECT_TYPES = {"r": "TABLES", "S": "SEQUENCES", "f": "FUNCTIONS", "T": "TYPES"}
GRANT_WHAT = f"{APP_ROLE}'s privileges"
COMMANDS = {"r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE", "*": "ALL"}


@dataclass(frozen=True)
class Block:
    app: str
    kind: str
    name: str
    text: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.name)

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name}"


class OwnershipError(Exception):
    """An object no rule assigns to an app."""


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _block(app: str, kind: str, name: str, what: str | None, *lines: str) -> Block:
    """A block: its header line (kind, name, what it is for), then its SQL."""
    header = f"-- [{kind}] {name} — {' '.join(what.split()) if what else '(no comment)'}"
    return Block(app, kind, name, "\n".join([header, *lines]))


def _comment(target: str, text: str | None) -> str:
    return f"\nCOMMENT ON {target} IS {quote_literal(text)};" if text else ""


def _wrap_conditions(expression: str) -> str:
    """A policy expression with one top-level AND condition a line (none inside parentheses
    or quotes), so that a diff shows which condition changed."""
    parts, depth, quoted, start = [], 0, False, 0
    for position, char in enumerate(expression):
        if char == "'":
            quoted = not quoted
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
        elif not quoted and depth == 0 and expression.startswith(" AND ", position):
            parts.append(expression[start:position])
            start = position + 1
    parts.append(expression[start:])
    return "\n        ".join(part.strip() for part in parts)


TRIGGER_CLAUSES = (" REFERENCING ", " FOR EACH ", " WHEN (", " EXECUTE FUNCTION ")


def _wrap_trigger(definition: str) -> str:
    """pg_get_triggerdef's one line, broken before its clauses so that a diff shows which one
    changed. Only the first occurrence of each, in order: a clause word inside a WHEN condition
    or an argument stays where it is."""
    head, parts = definition, []
    for clause in TRIGGER_CLAUSES:
        before, found, after = head.partition(clause)
        if found:
            parts.append(before)
            head = clause.strip() + " " + after
    return "\n    ".join([*parts, head])


def _privileges(entries) -> str:
    names = {entry.rstrip("*") for entry in entries}
    return ", ".join(p for p in PRIVILEGE_ORDER if p in names)


def _grant_lines(target: str, entries) -> list[str]:
    """GRANT lines for the role's privileges on `target`, those WITH GRANT OPTION apart."""
    lines = []
    plain = [e for e in entries if not e.endswith("*")]
    grantable = [e for e in entries if e.endswith("*")]
    if plain:
        lines.append(f"GRANT {_privileges(plain)} ON {target} TO {APP_ROLE};")
    if grantable:
        lines.append(f"GRANT {_privileges(grantable)} ON {target} TO {APP_ROLE} WITH GRANT OPTION;")
    return lines


class Catalog:
    """Reads the catalog through a DB-API cursor connected as the owner, inside a transaction
    (blocks() sets a transaction-local search_path, so that names print unqualified)."""

    def __init__(self, cursor, app_role: str | None = None):
        self.cursor = cursor
        self.params = {"role": app_role or settings.DATABASE_APP_ROLE}
        self.table_apps = table_apps()
        self.unplaced: list[str] = []

    def place(self, find_app, name: str) -> str:
        """find_app(name), or core with the problem noted (blocks() raises after reading all)."""
        try:
            return find_app(name)
        except OwnershipError as error:
            self.unplaced.append(str(error))
            return "core"

    def rows(self, query: str):
        self.cursor.execute(QUERIES[query], self.params)
        return self.cursor.fetchall()

    def app_of_table(self, table: str) -> str:
        try:
            return self.table_apps[table]
        except KeyError:
            raise OwnershipError(
                f"table {table} belongs to no model: give it one, or list it in its "
                "AppConfig.database_tables"
            ) from None

    def blocks(self) -> list[Block]:
        self.cursor.execute("SET LOCAL search_path TO public")
        found = [
            *self.extensions(),
            *self.functions(),
            *self.relations(),
            *self.policies(),
            *self.triggers(),
            *self.schema_grants(),
            *self.default_privileges(),
        ]
        if self.unplaced:
            raise OwnershipError("\n".join(self.unplaced))
        return sorted(found, key=lambda b: (b.app, KINDS.index(b.kind), b.name))

    def extensions(self):
        for name, comment in self.rows("extension"):
            yield _block(
                "core", "extension", name, comment, f"CREATE EXTENSION IF NOT EXISTS {name};"
            )

    def functions(self):
        for name, args, definition, comment, public_execute, granted in self.rows("function"):
            app = self.place(self.app_by_name, name)
            signature = f"{name}({args})"
            text = definition.rstrip() + ";" + _comment(f"FUNCTION {signature}", comment)
            yield _block(app, "function", signature, comment, text)
            lines = _grant_lines(f"FUNCTION {signature}", granted)
            if not public_execute:
                lines.append(f"REVOKE EXECUTE ON FUNCTION {signature} FROM PUBLIC;")
            if lines:
                yield _block(app, "grant", f"ON FUNCTION {signature}", GRANT_WHAT, *lines)

    def relations(self):
        partitions = dict(self.rows("runtime partitions"))
        for row in self.rows("relation"):
            (name, kind, rls, force, view, options, comment, partkey, parent, bound) = row[:10]
            granted, column_grants, sequence_table = row[10:]
            table = sequence_table or parent or name
            if kind in ("v", "m") and table not in self.table_apps:
                app = self.place(self.app_by_name, table)  # a view is named like a function
            else:
                app = self.place(self.app_of_table, table)
            if kind in ("v", "m"):
                yield self.view(app, name, kind, view, options, comment)
            if partkey or parent:
                yield self.partitioning(app, name, partkey, parent, bound, partitions.get(name))
            if rls or force:
                lines = [f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY;"] if rls else []
                if force:
                    lines.append(f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY;")
                what = "row-level security " + ("enabled" if rls else "disabled")
                what += ", forced on the owner too" if force else ", not forced"
                yield _block(app, "row level security", name, what, *lines)
            target = ("SEQUENCE " if kind == "S" else "TABLE ") + name
            lines = _grant_lines(target, granted)
            by_privilege = defaultdict(list)
            for entry in column_grants:
                column, privilege = entry.rsplit(":", 1)
                by_privilege[privilege].append(column)
            for privilege in (p for p in PRIVILEGE_ORDER if p in by_privilege):
                columns = ", ".join(by_privilege[privilege])
                lines.append(f"GRANT {privilege} ({columns}) ON TABLE {name} TO {APP_ROLE};")
            if lines:
                yield _block(app, "grant", f"ON {target}", GRANT_WHAT, *lines)

    @staticmethod
    def view(app, name, kind, definition, options, comment):
        kind_name = "view" if kind == "v" else "materialized view"
        with_options = f" WITH ({', '.join(sorted(options))})" if options else ""
        create = "CREATE OR REPLACE VIEW" if kind == "v" else "CREATE MATERIALIZED VIEW"
        body = definition.strip().rstrip(";")
        text = f"{create} {name}{with_options} AS\n{body};"
        text += _comment(f"{kind_name.upper()} {name}", comment)
        return _block(app, kind_name, name, comment, text)

    @staticmethod
    def partitioning(app, name, partkey, parent, bound, runtime_locked):
        """A partitioned table's key, or a fixed (DEFAULT) partition. runtime_locked: None when
        the table has no run-time partitions, else whether all have row-level security forced."""
        if parent:
            line = f"CREATE TABLE {name} PARTITION OF {parent} {bound};"
            return _block(app, "partitioning", name, f"a partition of {parent}", line)
        lines = [f"-- CREATE TABLE {name} (…) PARTITION BY {partkey};"]
        if runtime_locked is not None:
            lines.append(
                "-- its other partitions are created at run time (not listed); every one has"
                f" row-level security enabled and forced: {'yes' if runtime_locked else 'NO'}"
            )
        return _block(app, "partitioning", name, f"{name} is partitioned by {partkey}", *lines)

    def policies(self):
        for table, name, permissive, roles, cmd, qual, check, comment in self.rows("policy"):
            grantees = ", ".join(APP_ROLE if r == self.params["role"] else r for r in roles)
            lines = [f"CREATE POLICY {name} ON {table}"]
            if not permissive:
                lines.append("    AS RESTRICTIVE")
            lines.append(f"    FOR {COMMANDS[cmd]} TO {grantees}")
            if qual is not None:
                lines.append(f"    USING ({_wrap_conditions(qual)})")
            if check is not None:
                lines.append(f"    WITH CHECK ({_wrap_conditions(check)})")
            text = "\n".join(lines) + ";" + _comment(f"POLICY {name} ON {table}", comment)
            app = self.place(self.app_of_table, table)
            yield _block(app, "policy", f"{name} ON {table}", comment, text)

    def triggers(self):
        for table, name, definition, enabled, comment in self.rows("trigger"):
            text = _wrap_trigger(definition) + ";"
            state = {"D": "DISABLE", "R": "ENABLE REPLICA", "A": "ENABLE ALWAYS"}.get(enabled)
            if state:
                text += f"\nALTER TABLE {table} {state} TRIGGER {name};"
            text += _comment(f"TRIGGER {name} ON {table}", comment)
            app = self.place(self.app_of_table, table)
            yield _block(app, "trigger", f"{name} ON {table}", comment, text)

    def schema_grants(self):
        for (granted,) in self.rows("schema"):
            lines = _grant_lines("SCHEMA public", granted)
            if lines:
                yield _block("core", "grant", "ON SCHEMA public", GRANT_WHAT, *lines)

    def default_privileges(self):
        by_type = defaultdict(list)
        for objtype, privilege in self.rows("default privileges"):
            by_type[DEFAULT_OBJECT_TYPES.get(objtype, objtype)].append(privilege)
        for objects, privileges in sorted(by_type.items()):
            text = (
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT {_privileges(privileges)} "
                f"ON {objects} TO {APP_ROLE};"
            )
            what = f"what {APP_ROLE} gets on {objects.lower()} the owner creates from now on"
            yield _block("core", "default privileges", f"ON {objects}", what, text)

    def app_by_name(self, name: str) -> str:
        return app_by_name(name, self.table_apps)


def project_apps() -> list[str]:
    """Our apps (those under apps/), core first, then in INSTALLED_APPS order."""
    labels = [c.label for c in django_apps.get_app_configs() if c.name.startswith("apps.")]
    return sorted(labels, key=lambda label: label != "core")


def table_apps() -> dict[str, str]:
    """Table name → owning app: our apps' models, everything of Django's own apps in core."""
    ours = set(project_apps())
    owners = {"django_migrations": "core"}  # Django's own bookkeeping, no model
    for model in django_apps.get_models(include_auto_created=True):
        label = model._meta.app_label
        owners[model._meta.db_table] = label if label in ours else "core"
    for config in django_apps.get_app_configs():
        # Tables of an app's own that no model maps (a projection only SQL reads).
        for table in getattr(config, "database_tables", ()):
            owners[table] = config.label
    return owners


def claimed_prefixes() -> dict[str, str]:
    """Name prefix → app, for a third-party library's functions an app runs and governs
    (AppConfig.database_function_prefixes: the job queue's `procrastinate_…`)."""
    return {
        prefix: config.label
        for config in django_apps.get_app_configs()
        for prefix in getattr(config, "database_function_prefixes", ())
    }


def claimed_functions() -> dict[str, str]:
    """Function name → app, for the functions an app's AppConfig claims (database_functions)."""
    return {
        function: config.label
        for config in django_apps.get_app_configs()
        for function in getattr(config, "database_functions", ())
    }


def app_by_name(name: str, tables: dict[str, str]) -> str:
    """The app a function (or a view) belongs to; see the module's docstring for the rule."""
    claimed = claimed_functions()
    if name in claimed:
        return claimed[name]
    for prefix, app in claimed_prefixes().items():
        if name.startswith(prefix):
            return app
    if name.startswith(CORE_FUNCTION_PREFIXES):
        return "core"
    prefixes = {}
    for table, app in tables.items():
        prefixes[table] = app
        prefixes.setdefault(table.removesuffix("s"), app)
    matches = [p for p in prefixes if name == p or name.startswith(p + "_")]
    if not matches:
        raise OwnershipError(
            f"{name} belongs to no app: name it after its table (<table>_…) or list it in "
            "its app's AppConfig.database_functions"
        )
    return prefixes[max(matches, key=len)]


def render(blocks: list[Block]) -> dict[str, str]:
    """app → the text of its current.sql; every project app has a file, empty ones too."""
    by_app = {app: [] for app in project_apps()}
    for block in blocks:
        by_app[block.app].append(block.text)
    return {
        app: "\n\n".join([HEADER.format(app=app, role=APP_ROLE).rstrip("\n"), *texts]) + "\n"
        for app, texts in by_app.items()
    }


def parse(text: str) -> dict[tuple[str, str], str]:
    """(kind, name) → block text, for a current.sql file."""
    blocks, key, lines = {}, None, []
    for line in text.splitlines():
        match = BLOCK_HEADER.match(line)
        if match and match["kind"] in KINDS:
            if key:
                blocks[key] = "\n".join(lines).rstrip()
            key, lines = (match["kind"], match["name"]), []
        if key:
            lines.append(line)
    if key:
        blocks[key] = "\n".join(lines).rstrip()
    return blocks


def sql_path(app: str) -> Path:
    return Path(django_apps.get_app_config(app).path) / "sql" / "current.sql"


def differences(blocks: list[Block], base: Path | None = None) -> list[str]:
    """Every object whose committed text differs from the catalog, is missing or is extra."""
    problems = []
    expected_files = render(blocks)
    for app, expected_text in expected_files.items():
        path = sql_path(app)
        shown = path.relative_to(base) if base and path.is_relative_to(base) else path
        committed_text = path.read_text() if path.exists() else ""
        if committed_text == expected_text:
            continue
        expected = {b.key: b.text for b in blocks if b.app == app}
        committed = parse(committed_text)
        before = len(problems)
        for key in sorted(expected.keys() | committed.keys(), key=_order):
            label = f"{key[0]} {key[1]}"
            if key not in committed:
                problems.append(f"{shown}: {label} is in the database, not in the file")
            elif key not in expected:
                if key[0] == "extension" and key[1] in OPTIONAL_EXTENSIONS:
                    continue
                problems.append(f"{shown}: {label} is in the file, not in the database")
            elif committed[key] != expected[key]:
                problems.append(f"{shown}: {label} differs from the database")
        if len(problems) == before and not _only_optional_missing(committed_text, expected_text):
            problems.append(f"{shown}: layout differs (order, header or spacing)")
    return problems


def _only_optional_missing(committed_text: str, expected_text: str) -> bool:
    committed = parse(committed_text)
    expected = parse(expected_text)
    extra = committed.keys() - expected.keys()
    return bool(extra) and all(k[0] == "extension" and k[1] in OPTIONAL_EXTENSIONS for k in extra)


def _order(key: tuple[str, str]):
    return (KINDS.index(key[0]), key[1])
