"""What stands between a schema and distributing its tenant-scoped tables by their tenant column
with Citus (`manage.py dbinfo shard-readiness`; the plan for each item is docs/scaling.md).

Read from the catalog of one schema. A table is *distributed* when it has the tenant column,
*needs the column* when it has none but references tenant data (directly or through another such
table: Citus lets neither a reference nor a local table point at a distributed one), a
*reference* candidate when a distributed table (or one that will be) or another reference table
points at it, and *local* otherwise (it stays on the coordinator).

Each item has a severity:

* `blocker`: `create_distributed_table` refuses the table as it is — a primary key, unique
  index or exclusion constraint without the tenant column (with `=`), a foreign key between
  tenant tables that does not pair the tenant columns, a foreign key to tenant data that has no
  tenant column, a table of tenant data without the column;
* `colocation`: distribution succeeds, but the object reads or writes another table from a
  trigger or a policy, which holds only when both are colocated by the tenant column and the
  statement names the same tenant (or the other table is a reference table);
* `note`: identity and serial columns (ids are then drawn on several nodes).

Trigger functions are read as text: a table counts as written when its name follows INSERT
INTO, UPDATE or DELETE FROM, as read when it follows FROM or JOIN, in the function or in a
function of the schema it calls (transitively). Dynamic SQL (EXECUTE of a built string) is not
seen."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

BLOCKER, COLOCATION, NOTE = "blocker", "colocation", "note"
SEVERITIES = (BLOCKER, COLOCATION, NOTE)

DISTRIBUTED, NEEDS_COLUMN, REFERENCE, LOCAL = (
    "distributed",
    "needs tenant column",
    "reference",
    "local",
)

TABLES = """
    SELECT c.oid, c.relname, a.attnum
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attribute a
        ON a.attrelid = c.oid AND a.attname = %(column)s AND NOT a.attisdropped
    WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                      AND d.objid = c.oid AND d.deptype = 'e')
    ORDER BY c.relname"""

FOREIGN_KEYS = """
    SELECT con.conname, con.conrelid, con.confrelid, con.conkey, con.confkey,
           ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY AS k(n, o)
                 JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o),
           ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY AS k(n, o)
                 JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.o)
    FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
    WHERE n.nspname = %(schema)s AND con.contype = 'f'
    ORDER BY con.conrelid::regclass::text, con.conname"""

# Unique indexes, with the constraint they back (primary key, unique) when there is one; the key
# columns only (INCLUDE columns do not count); 0 stands for an expression.
UNIQUE_INDEXES = """
    SELECT i.indrelid, ic.relname, con.conname, con.contype, i.indisprimary,
           (string_to_array(i.indkey::text, ' ')::int[])[1:i.indnkeyatts],
           pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_namespace n ON n.oid = ic.relnamespace
    LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u')
    WHERE n.nspname = %(schema)s AND i.indisunique
    ORDER BY ic.relname"""

EXCLUSIONS = """
    SELECT con.conrelid, con.conname, con.conkey,
           ARRAY(SELECT o.oprname FROM unnest(con.conexclop) WITH ORDINALITY AS e(op, ord)
                 JOIN pg_operator o ON o.oid = e.op ORDER BY e.ord),
           pg_get_constraintdef(con.oid)
    FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
    WHERE n.nspname = %(schema)s AND con.contype = 'x'
    ORDER BY con.conname"""

# Functions of the schema (not those of extensions), by name, with their text.
FUNCTIONS = """
    SELECT p.oid, p.proname, p.prosrc
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = %(schema)s
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                      AND d.objid = p.oid AND d.deptype = 'e')"""

TRIGGERS = """
    SELECT t.tgrelid, t.tgname, t.tgfoid, (t.tgtype & 1) = 1
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = %(schema)s AND NOT t.tgisinternal AND NOT c.relispartition
    ORDER BY c.relname, t.tgname"""

# What a policy's expressions refer to: other tables, and functions (whose text is read).
POLICIES = """
    SELECT p.polrelid, p.polname,
           ARRAY(SELECT DISTINCT d.refobjid FROM pg_depend d
                 WHERE d.classid = 'pg_policy'::regclass AND d.objid = p.oid
                   AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> p.polrelid),
           ARRAY(SELECT DISTINCT d.refobjid FROM pg_depend d
                 WHERE d.classid = 'pg_policy'::regclass AND d.objid = p.oid
                   AND d.refclassid = 'pg_proc'::regclass)
    FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = %(schema)s
    ORDER BY c.relname, p.polname"""

GENERATED_IDS = """
    SELECT a.attrelid, a.attname,
           CASE WHEN a.attidentity <> '' THEN 'identity' ELSE 'sequence default' END
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    WHERE n.nspname = %(schema)s AND a.attnum > 0 AND NOT a.attisdropped
      AND (a.attidentity <> '' OR pg_get_expr(ad.adbin, ad.adrelid) LIKE 'nextval(%%')
    ORDER BY c.relname, a.attnum"""


@dataclass(frozen=True)
class Item:
    table: str
    severity: str
    kind: str
    object: str
    detail: str


@dataclass
class Report:
    column: str
    schema: str
    tables: dict[str, str] = field(default_factory=dict)  # table -> its role
    items: list[Item] = field(default_factory=list)

    @property
    def blockers(self) -> list[Item]:
        return [item for item in self.items if item.severity == BLOCKER]

    def as_dict(self) -> dict:
        return {
            "schema": self.schema,
            "column": self.column,
            "tables": self.tables,
            "items": [asdict(item) for item in self.items],
            "counts": {s: sum(i.severity == s for i in self.items) for s in SEVERITIES},
        }


def _fetch(cursor, query: str, params: dict) -> list[tuple]:
    cursor.execute(query, params)
    return cursor.fetchall()


def _name_pattern(verbs: str, name: str) -> re.Pattern:
    return re.compile(
        rf"\b(?:{verbs})\s+(?:ONLY\s+)?(?:\w+\.)?\"?{re.escape(name)}\"?(?![\w$])", re.IGNORECASE
    )


_WRITE = r"INSERT\s+INTO|UPDATE|DELETE\s+FROM"
_READ = r"FROM|JOIN"


class _Functions:
    """The schema's functions, and the tables a function (with those it calls) reads and
    writes."""

    def __init__(self, rows: list[tuple], tables: list[str]):
        self.names = {oid: name for oid, name, _ in rows}
        self.text = {oid: _strip_comments(src or "") for oid, _, src in rows}
        self.tables = tables
        self._calls = {
            name: re.compile(rf"\b{re.escape(name)}\s*\(") for name in self.names.values()
        }

    def closure(self, oid: int) -> list[int]:
        seen, todo = [], [oid]
        while todo:
            current = todo.pop()
            if current in seen or current not in self.text:
                continue
            seen.append(current)
            text = self.text[current]
            todo += [o for o, name in self.names.items() if self._calls[name].search(text)]
        return seen

    def access(self, oids: list[int]) -> tuple[set[str], set[str]]:
        writes, reads = set(), set()
        for oid in {o for start in oids for o in self.closure(start)}:
            text = self.text[oid]
            for table in self.tables:
                if _name_pattern(_WRITE, table).search(text):
                    writes.add(table)
                elif _name_pattern(_READ, table).search(text):
                    reads.add(table)
        return writes, reads


def _strip_comments(text: str) -> str:
    return re.sub(r"--[^\n]*", "", text)


def analyse(cursor, *, schema: str = "public", column: str = "tenant_id") -> Report:
    params = {"schema": schema, "column": column}
    report = Report(column=column, schema=schema)
    tables = _fetch(cursor, TABLES, params)
    name = {oid: relname for oid, relname, _ in tables}
    tenant_attnum = {oid: attnum for oid, _, attnum in tables if attnum is not None}
    foreign_keys = [fk for fk in _fetch(cursor, FOREIGN_KEYS, params) if fk[1] in name]

    # Tables of tenant data without the column: they reference tenant data.
    needs_column: set[int] = set()
    changed = True
    while changed:
        changed = False
        for _, source, target, *_ in foreign_keys:
            if source in tenant_attnum or source in needs_column:
                continue
            if target in tenant_attnum or target in needs_column:
                needs_column.add(source)
                changed = True
    distributed = set(tenant_attnum) | needs_column
    functions = _Functions(_fetch(cursor, FUNCTIONS, params), sorted(name.values()))
    triggers = []  # (relid, trigger, function name, per row, writes, reads)
    for relid, trigger, function, per_row in _fetch(cursor, TRIGGERS, params):
        if relid in distributed:
            writes, reads = functions.access([function])
            triggers.append((relid, trigger, functions.names[function], per_row, writes, reads))
    policies = []  # (relid, policy, writes, reads)
    for relid, policy, relations, called in _fetch(cursor, POLICIES, params):
        if relid in distributed:
            writes, reads = functions.access(list(called))
            reads |= {name[oid] for oid in relations if oid in name}
            policies.append((relid, policy, writes, reads))

    # Reference candidates: what distributed tables (present and future) point at or read from
    # their triggers and policies (every node then has a copy), and what those point at.
    oid_of = {relname: oid for oid, relname in name.items()}
    reference = {
        oid_of[table]
        for *_, writes, reads in [*triggers, *policies]
        for table in reads - writes
        if oid_of[table] not in distributed
    }
    reference |= {target for _, source, target, *_ in foreign_keys if source in distributed}
    reference -= distributed
    changed = True
    while changed:
        changed = False
        for _, source, target, *_ in foreign_keys:
            if source in reference and target not in reference | distributed:
                reference.add(target)
                changed = True
    for oid, relname in name.items():
        if oid in tenant_attnum:
            role = DISTRIBUTED
        elif oid in needs_column:
            role = NEEDS_COLUMN
        elif oid in reference:
            role = REFERENCE
        else:
            role = LOCAL
        report.tables[relname] = role

    items: list[Item] = []
    for oid in sorted(needs_column, key=name.get):
        via = sorted(
            {
                name[target]
                for _, source, target, *_ in foreign_keys
                if source == oid and target in distributed
            }
        )
        items.append(
            Item(
                name[oid],
                BLOCKER,
                "tenant data without the column",
                name[oid],
                f"no {column}; references {', '.join(via)}",
            )
        )
    for conname, source, target, conkey, confkey, columns, target_columns in foreign_keys:
        if source not in tenant_attnum:
            continue
        if target in tenant_attnum:
            pairs = dict(zip(conkey, confkey, strict=True))
            if pairs.get(tenant_attnum[source]) != tenant_attnum[target]:
                items.append(
                    Item(
                        name[source],
                        BLOCKER,
                        "foreign key without the column",
                        conname,
                        f"({', '.join(columns)}) → {name[target]} ({', '.join(target_columns)}); "
                        f"needs ({column}, {', '.join(columns)}) → {name[target]} "
                        f"({column}, {', '.join(target_columns)})",
                    )
                )
        elif target in needs_column:
            items.append(
                Item(
                    name[source],
                    BLOCKER,
                    "foreign key to tenant data without the column",
                    conname,
                    f"({', '.join(columns)}) → {name[target]}, which has no {column} yet",
                )
            )

    for relid, index, conname, contype, primary, keys, definition in _fetch(
        cursor, UNIQUE_INDEXES, params
    ):
        if relid not in tenant_attnum or tenant_attnum[relid] in keys:
            continue
        what = (
            "primary key" if primary else "unique constraint" if contype == "u" else "unique index"
        )
        items.append(
            Item(
                name[relid],
                BLOCKER,
                f"{what} without the column",
                conname or index,
                definition.split(" USING ", 1)[-1],
            )
        )

    for relid, conname, conkey, operators, definition in _fetch(cursor, EXCLUSIONS, params):
        if relid not in tenant_attnum:
            continue
        ops = dict(zip(conkey, operators, strict=True))
        if ops.get(tenant_attnum[relid]) != "=":
            items.append(
                Item(
                    name[relid],
                    BLOCKER,
                    "exclusion constraint without the column",
                    conname,
                    definition.removeprefix("EXCLUDE USING "),
                )
            )

    # One item per table and function: a table's three audit triggers read as one.
    grouped: dict[tuple, list[str]] = {}
    for relid, trigger, function, per_row, writes, reads in triggers:
        if others := _describe(report, name[relid], writes, reads):
            key = (name[relid], "row" if per_row else "statement", f"{function}(): {others}")
            grouped.setdefault(key, []).append(trigger)
    for (table, level, detail), names in grouped.items():
        items.append(
            Item(
                table,
                COLOCATION,
                f"{level} trigger reaching other tables",
                ", ".join(names),
                detail,
            )
        )
    for relid, policy, writes, reads in policies:
        if others := _describe(report, name[relid], writes, reads):
            items.append(
                Item(name[relid], COLOCATION, "policy reading other tables", policy, others)
            )

    for relid, attname, how in _fetch(cursor, GENERATED_IDS, params):
        if relid in distributed:
            items.append(Item(name[relid], NOTE, "generated id", attname, how))

    order = {s: n for n, s in enumerate(SEVERITIES)}
    report.items = sorted(items, key=lambda i: (order[i.severity], i.table, i.kind, i.object))
    return report


def _role(report: Report, table: str) -> str:
    return report.tables.get(table, "not in the schema")


def _describe(report: Report, own: str, writes: set[str], reads: set[str]) -> str:
    """`writes audit_logs (local); reads listings (distributed)`, leaving out the trigger's own
    table and reference tables (every node has them)."""

    def listed(tables: set[str]) -> str:
        kept = sorted(
            t for t in tables if t != own and report.tables.get(t) not in (REFERENCE, None)
        )
        return ", ".join(f"{t} ({report.tables[t]})" for t in kept)

    parts = []
    if written := listed(writes):
        parts.append(f"writes {written}")
    if read := listed(reads - writes):
        parts.append(f"reads {read}")
    return "; ".join(parts)
