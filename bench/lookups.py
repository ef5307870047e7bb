"""Database time of the e-mail look-ups and of the staff searches over users and bookings.

    python -m bench.lookups --databases havre_scale [--rounds 5] [--repeat 3] [--only token]
    python -m bench.lookups --databases havre_1k,havre_200k --only auth/

Runs in this process with Django's test client against each database (names on
DATABASE_URL's server; `seed --scale N` databases) and prints, per request and database, the
median of its database time: the `db_ms` of the request log line (apps.core.db.observer's
QueryStats), i.e. the time spent in SQL, client round trips included. Databases are visited
in turns (`--rounds`, `--repeat` requests each time) so that the load of a shared machine
falls on all of them alike. Registration creates a few `bench-…@` accounts; nothing else is
written. The figures belong in a report, not in assertions.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import uuid
from collections import defaultdict


class _DbTime(logging.Handler):
    """Keeps the database time of every request the request log reports."""

    def __init__(self):
        super().__init__(level=logging.INFO)
        self.records: list[tuple[int, int, float]] = []

    def emit(self, record):
        if hasattr(record, "db_ms"):
            self.records.append((record.status, record.db_queries, record.db_ms))


def _cases(database: str):
    """(label, request) pairs for the database the default connection now points at."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from apps.core.context import DbContext, db_context
    from bench.environment import SCALE_PASSWORD

    with db_context(DbContext.for_command("bench")), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM users")
        (users,) = cursor.fetchone()
        # The most recent synthetic guest with a booking: its bookings are what staff look for.
        cursor.execute(
            "SELECT u.email, u.name FROM users u WHERE u.email LIKE 'guest%%'"
            " AND EXISTS (SELECT 1 FROM bookings b WHERE b.guest_id = u.id)"
            " ORDER BY u.id DESC LIMIT 1"
        )
        guest_email, guest_name = cursor.fetchone()
        cursor.execute("SELECT max(id) FROM bookings")
        (booking_id,) = cursor.fetchone()
        cursor.execute("SELECT email FROM users WHERE is_superuser ORDER BY id LIMIT 1")
        (admin_email,) = cursor.fetchone()

    anonymous, staff = Client(), Client()
    with db_context(DbContext.system("auth")):
        staff.force_login(get_user_model().objects.get(email__iexact=admin_email))

    def token():
        return anonymous.post(
            "/api/v1/auth/token/",
            {"email": guest_email.upper(), "password": SCALE_PASSWORD},
            content_type="application/json",
        )

    def register():
        return anonymous.post(
            "/api/v1/auth/register/",
            {
                "email": f"bench-{uuid.uuid4().hex[:12]}@example.com",
                "password": "a-long-bench-passphrase",
                "name": "Bench",
            },
            content_type="application/json",
        )

    def users_page(term):
        return lambda: staff.get("/admin/accounts/user/", {"q": term})

    def autocomplete(term):
        query = {"app_label": "bookings", "model_name": "booking", "field_name": "guest"}
        return lambda: staff.get("/admin/autocomplete/", {**query, "term": term})

    fragment = guest_email.split("@")[0][:-1]  # guest69999 of guest699991@...: a substring
    cases = [
        ("POST /api/v1/auth/token/", token),
        ("POST /api/v1/auth/register/", register),
        (
            "POST /api/v1/auth/register/, taken",
            lambda: anonymous.post(
                "/api/v1/auth/register/",
                {"email": guest_email, "password": "a-long-bench-passphrase", "name": "Bench"},
                content_type="application/json",
            ),
        ),
        ("admin user search, e-mail part", users_page(fragment)),
        ("admin user search, name", users_page(guest_name)),
        ("admin user search, common word", users_page("guest")),
        ("admin user search, no match", users_page("nobody-by-this-name")),
        ("user autocomplete, e-mail part", autocomplete(fragment)),
        ("user autocomplete, one letter", autocomplete("g")),
        ("user autocomplete, no match", autocomplete("zzqx")),
        (
            "admin booking search, guest e-mail",
            lambda: staff.get("/admin/bookings/booking/", {"q": guest_email}),
        ),
        (
            "admin booking search, booking id",
            lambda: staff.get("/admin/bookings/booking/", {"q": str(booking_id)}),
        ),
        (
            "admin token search, e-mail",
            lambda: staff.get("/admin/accounts/apitoken/", {"q": guest_email}),
        ),
    ]
    return users, cases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", required=True, help="comma-separated database names")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3, help="requests per case and round")
    parser.add_argument("--only", default="", help="only the cases whose label contains this")
    options = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    for scope in ("ANON", "USER", "AUTH"):  # the figure is the look-up, not the limiter
        os.environ[f"THROTTLE_{scope}"] = "1000000/min"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.db import connection

    log = _DbTime()
    logging.getLogger("havre.request").addHandler(log)
    logging.getLogger("havre.request").setLevel(logging.INFO)

    def use(database):
        connection.close()
        connection.settings_dict["NAME"] = database

    databases = options.databases.split(",")
    prepared = {}
    for database in databases:
        use(database)
        users, cases = _cases(database)
        cases = [(label, run) for label, run in cases if options.only in label]
        for _, run in cases:
            run()  # warm: caches, first plans
        prepared[database] = (users, cases)

    samples = defaultdict(list)  # (label, database) -> [(status, queries, ms)]
    for _ in range(options.rounds):
        for database in databases:
            use(database)
            for label, run in prepared[database][1]:
                log.records.clear()
                for _ in range(options.repeat):
                    run()
                samples[label, database] += log.records

    for database in databases:
        users = prepared[database][0]
        print(f"{database}: {users:,} users")
    runs = options.rounds * options.repeat
    print(f"median of {runs} requests each, visited in {options.rounds} turns")
    print(f"{'request':<36} {'database':<22} {'status':>6} {'SQL':>4} {'db ms':>7} {'p90':>7}")
    for label, _ in prepared[databases[0]][1]:
        for database in databases:
            records = samples[label, database]
            statuses = ",".join(sorted({str(status) for status, _, _ in records}))
            queries = max(count for _, count, _ in records)
            times = sorted(ms for _, _, ms in records)
            p90 = times[int(0.9 * (len(times) - 1))]
            print(
                f"{label:<36} {database:<22} {statuses:>6} {queries:>4} "
                f"{statistics.median(times):>7.1f} {p90:>7.1f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
