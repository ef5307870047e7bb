"""The raw limit for `seed --scale`: a bare psycopg COPY of the same listing tuples (produced by
the seeder's own generator) into a table with the same columns and nothing else — no index,
constraint, trigger or generated column. Prints rows/s.

    python -m bench.copy_baseline ROWS   (under Django settings, DATABASE_URL = the database)
"""

import sys
import time

import django

django.setup()

from django.db import connection  # noqa: E402

from apps.core.db.roles import as_owner  # noqa: E402
from apps.demo.seeding_scale import ScaleSeeder  # noqa: E402


def main(rows: int) -> None:
    seeder = ScaleSeeder(listings=rows, seed=42, progress=False)
    seeder._allocate()  # the per-listing arrays the generator fills, as the seeder's own run
    seeder.first_listing_id = seeder.first_user_id = 1
    with as_owner(), connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        cursor.execute("CREATE TEMP TABLE bare AS SELECT * FROM listings WITH NO DATA")
        cursor.execute("ALTER TABLE bare DROP COLUMN search_vector")
        categories = cursor.execute("SELECT slug, id FROM categories").fetchall()
        columns = ", ".join(ScaleSeeder.LISTING_COLUMNS)
        started = time.perf_counter()
        with cursor.copy(f"COPY bare ({columns}) FROM STDIN") as copy:
            for row in seeder._listing_rows(1, categories):
                copy.write_row(row)
        print(rows / (time.perf_counter() - started))


if __name__ == "__main__":
    main(int(sys.argv[1]))
