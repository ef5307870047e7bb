"""Full-text search: accents ignored both ways, and every shape of `q` — a common word, a rare
word, a word nothing matches; by relevance, date or price — examines a bounded number of rows
of listing_search, checked as the app's role from PostgreSQL's own counters and plans."""

import datetime as dt

import pytest
from django.db import connection, transaction

from apps.core import dates
from apps.core.context import DbContext, db_context
from apps.core.db.roles import as_owner
from apps.listings.selectors import SEARCH_CANDIDATES, listing_search
from tests.db import execute
from tests.factories import BookingFactory, ListingFactory, UserFactory
from tests.factories.listings import listings_of
from tests.helpers import client_for, ids

URL = "/api/v1/listings/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stored", "query"),
    [
        ("Château près de la forêt", "chateau"),
        ("Chateau pres de la foret", "château"),
        ("Séjour en forêt", "sejour foret"),
        ("Sejour en foret", "séjour forêt"),
        ("CHÂTEAU", "Château"),
    ],
)
def test_accented_and_unaccented_spellings_find_each_other(stored, query):
    found = ListingFactory(title=stored, description="")
    ListingFactory(title="Maison de ville", description="Séjour calme")
    client = client_for()

    assert ids(client.get(URL, {"q": query})) == [found.pk]
    assert ids(client.get(URL, {"q": query, "ordering": "-created_at"})) == [found.pk]


@pytest.mark.django_db
def test_relevance_ranks_the_newest_candidates_only_when_more_match(monkeypatch):
    """More matches than SEARCH_CANDIDATES: relevance ranks the newest ones (documented); the
    other orders still return every match."""
    monkeypatch.setattr("apps.listings.selectors.SEARCH_CANDIDATES", 3)
    strong = ListingFactory(title="Piscine piscine piscine", description="")  # oldest
    newer = [ListingFactory(title="Maison avec piscine", description="") for _ in range(3)]
    client = client_for()

    relevant = ids(client.get(URL, {"q": "piscine"}))
    by_date = ids(client.get(URL, {"q": "piscine", "ordering": "-created_at"}))

    assert sorted(relevant) == sorted(x.pk for x in newer)  # the strongest is too old
    assert by_date == [x.pk for x in reversed([strong, *newer])]


@pytest.mark.django_db
def test_relevance_with_dates_ranks_the_newest_candidates_free_for_the_stay(monkeypatch):
    """The candidates are the newest matches that the stay's filters keep: a booked listing
    is not one of them, and leaves its place to the next match."""
    monkeypatch.setattr("apps.listings.selectors.SEARCH_CANDIDATES", 3)
    strong = ListingFactory(title="Piscine piscine piscine", description="")  # oldest
    newer = [ListingFactory(title="Maison avec piscine", description="") for _ in range(3)]
    BookingFactory(listing=newer[-1], check_in=dt.date(2031, 3, 3), check_out=dt.date(2031, 3, 6))
    stay = {"available_from": "2031-03-01", "available_to": "2031-03-05"}

    relevant = ids(client_for().get(URL, {"q": "piscine", **stay}))

    assert relevant[0] == strong.pk
    assert sorted(relevant) == sorted(x.pk for x in [strong, *newer[:2]])


# --- bounded cost -------------------------------------------------------------------------

TABLE = 3_000
COMMON_EVERY = 3  # "piscine": 1,000 matches, more than SEARCH_CANDIDATES
RARE = (1, 1_017, 2_017)  # "château": 3 matches


@pytest.fixture
def text_listings():
    with db_context(DbContext.system("tests")):
        owner = UserFactory(owner=True)
        listings_of(
            owner,
            TABLE,
            lambda i: {
                "title": "Château"
                if i in RARE
                else ("Maison avec piscine" if i % 3 == 0 else "Maison"),
                "description": "Jardin calme.",
                "price_cents": 5_000 + (i * 37) % 50_000,
            },
        )
    with as_owner(), connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE listing_search")
    return owner


def rows_examined(run) -> tuple[int, list]:
    """The rows of listing_search that `run` read (sequentially or fetched through an index)
    in one transaction, by PostgreSQL's per-transaction counters, and what `run` returned."""
    counters = (
        "SELECT pg_stat_get_xact_tuples_returned('listing_search'::regclass)"
        " + pg_stat_get_xact_tuples_fetched('listing_search'::regclass)"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(counters)
        before = cursor.fetchone()[0]
        result = run()
        cursor.execute(counters)
        return cursor.fetchone()[0] - before, result


def probe_ids(word: str, cap: int) -> list[int] | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT listing_search_matches(to_tsquery('french_unaccent', %s), %s)", [word, cap]
        )
        return cursor.fetchone()[0]


SHAPES = {
    "common": "piscine",
    "rare": "chateau",
    "none": "piscne",
}
ORDERS = ("relevance", "-created_at", "price_cents")


@pytest.mark.django_db(transaction=True)
def test_every_q_shape_examines_a_bounded_number_of_rows(text_listings):
    """As the app's role in a visitor's context, on a table analysed as production's is."""
    with db_context(DbContext(tenant_id=text_listings.tenant_id)):
        plans = {
            shape: {
                ordering: listing_search(q=SHAPES[shape], ordering=ordering)[:21].explain()
                for ordering in ORDERS
            }
            for shape in ("common", "rare")
        }
        examined = {}
        for shape, q in SHAPES.items():
            for ordering in ORDERS:
                count, page = rows_examined(
                    lambda q=q, o=ordering: list(listing_search(q=q, ordering=o)[:21])
                )
                examined[shape, ordering] = count
                assert len(page) == {"common": 21, "rare": 3, "none": 0}[shape]
        skipped = rows_examined(lambda: probe_ids("maison", SEARCH_CANDIDATES + 1))

    # A rare word or a typo: the matches' ids (through the GIN index), then those rows.
    for ordering in ORDERS:
        assert examined["rare", ordering] <= 2 * len(RARE), examined
        assert examined["none", ordering] == 0, examined
    # A common word by date or price: the probe's SEARCH_CANDIDATES + 1 rows, then a walk of
    # the order's index that stops after a page (a match every third row).
    for ordering in ("-created_at", "price_cents"):
        assert examined["common", ordering] <= SEARCH_CANDIDATES + 1 + 21 * COMMON_EVERY + 10
    # By relevance: the probe, the SEARCH_CANDIDATES newest matches, and those ranked.
    assert examined["common", "relevance"] <= SEARCH_CANDIDATES * (2 + COMMON_EVERY) + 10

    # A word the statistics know to match over 4 x 501 rows ("maison": 2,997): the probe
    # answers "many" (NULL) without reading a row or its posting list.
    assert skipped == (0, None), skipped

    # The plans behind those counts.
    for ordering, plan in plans["rare"].items():
        assert "listing_search_pkey" in plan, (ordering, plan)
        assert "listing_search_recent_idx" not in plan, (ordering, plan)
        assert "listing_search_price_idx" not in plan, (ordering, plan)
    # A common word: the order's index, read in order, no sort of the matches; by relevance,
    # the newest candidates (walking the date index, or sorting the matches when, as here,
    # they are few enough), then those rows by primary key, never a scan of the table.
    common = plans["common"]
    assert "listing_search_recent_idx" in common["-created_at"], common
    assert "listing_search_price_idx" in common["price_cents"], common
    assert "Sort" not in common["-created_at"] + common["price_cents"], common
    relevance = common["relevance"]
    assert "listing_search_pkey" in relevance and "= ANY ($0)" in relevance, relevance
    assert "Seq Scan" not in relevance and "Hash" not in relevance, relevance


@pytest.mark.django_db(transaction=True)
def test_a_dated_relevance_search_filters_its_candidates_once(text_listings):
    """The stay's filters (rules, calendar) run in the candidates' subquery, read once — not
    a subquery correlated with every row of the table (56 s on 300,000 listings)."""
    check_in = dates.today() + dt.timedelta(days=30)
    stay = {"available_from": check_in, "available_to": check_in + dt.timedelta(days=7)}
    with db_context(DbContext(tenant_id=text_listings.tenant_id)):
        examined, page = rows_examined(
            lambda: list(listing_search(q="piscine", ordering="relevance", **stay)[:21])
        )

    assert len(page) == 21
    assert examined <= SEARCH_CANDIDATES * (2 + COMMON_EVERY) + 10, examined


@pytest.mark.django_db
def test_the_probe_returns_at_most_its_cap_of_exact_matches_through_the_gin_index():
    """Accents ignored here too: "chaumiere" finds "Chaumière"."""
    owner = UserFactory(owner=True)
    listings = listings_of(
        owner,
        15,
        # Words no other test analyses: the probe counts them whatever the statistics hold.
        lambda i: {"title": "Chaumière" if i % 5 == 1 else "Roulotte", "description": ""},
    )
    scans = "SELECT pg_stat_get_xact_numscans('listing_search_vector_idx'::regclass)"

    with db_context(DbContext(tenant_id=owner.tenant_id)):
        [(scans_before,)] = execute(scans)
        examined, rare = rows_examined(lambda: probe_ids("chaumiere", 10))
        common = probe_ids("roulotte", 10)
        [(scans_after,)] = execute(scans)

    assert sorted(rare) == [x.pk for i, x in enumerate(listings) if i % 5 == 1]
    assert examined == len(rare)  # the matching rows only, never the tenant's whole table
    assert len(common) == 10
    assert scans_after - scans_before == 2
