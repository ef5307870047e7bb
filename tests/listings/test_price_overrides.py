"""Per-night price overrides: /listings/{id}/prices/ (owner writes, whoever sees the listing
reads), their validation, and PostgreSQL's own refusals in raw SQL as app_user."""

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Permission

from apps.core import dates
from apps.core.models import AuditLog
from apps.listings.models import ListingPriceOverride
from apps.listings.pricing import stay_quote
from tests.db import acting_as, execute, refused, refused_by_policy
from tests.factories import ListingFactory, UserFactory
from tests.helpers import client_for, error, query_count

pytestmark = pytest.mark.django_db
TODAY = dates.today()


def day(n: int) -> str:
    return (TODAY + dt.timedelta(days=n)).isoformat()


def prices(listing) -> str:
    return f"/api/v1/listings/{listing.pk}/prices/"


def body(start=10, end=20, price_cents=15_000) -> dict:
    return {"start": day(start), "end": day(end), "price_cents": price_cents}


def test_the_owner_sets_a_season_and_the_quote_uses_it():
    listing = ListingFactory(price_cents=10_000)
    owner = client_for(listing.owner)

    created = owner.post(prices(listing), body(10, 12, 15_000), format="json")

    assert created.status_code == 201, created.json()
    assert {k: created.json()[k] for k in ("start", "end", "price_cents")} == body(10, 12, 15_000)
    quote = client_for().get(
        f"/api/v1/listings/{listing.pk}/quote/?check_in={day(9)}&check_out={day(13)}"
    )
    assert [line["amount_cents"] for line in quote.json()["lines"]] == [
        10_000, 15_000, 15_000, 10_000,
    ]  # fmt: skip


def test_whoever_sees_the_listing_reads_its_overrides_by_first_night():
    listing = ListingFactory()
    owner = client_for(listing.owner)
    for start in (30, 10, 20):
        owner.post(prices(listing), body(start, start + 5), format="json")

    listed = client_for().get(prices(listing))

    assert listed.status_code == 200
    assert [row["start"] for row in listed.json()["results"]] == [day(10), day(20), day(30)]


def test_the_owner_deletes_an_override_and_its_nights_fall_back():
    listing = ListingFactory(price_cents=10_000)
    owner = client_for(listing.owner)
    below = owner.post(prices(listing), body(10, 20, 12_000), format="json").json()
    above = owner.post(prices(listing), body(10, 20, 18_000), format="json").json()

    deleted = owner.delete(f"{prices(listing)}{above['id']}/")

    assert deleted.status_code == 204
    assert list(ListingPriceOverride.objects.values_list("id", flat=True)) == [below["id"]]
    assert AuditLog.objects.filter(
        table_name="listing_price_overrides", action="DELETE", record_id=above["id"]
    ).exists()


def test_others_get_403_where_they_see_the_listing_and_404_where_they_do_not():
    listing, draft = ListingFactory(), ListingFactory(draft=True)
    mine = ListingPriceOverride.objects.create(
        listing=listing, start_date=TODAY, end_date=TODAY + dt.timedelta(days=3), price_cents=900
    )
    stranger = client_for(UserFactory(owner=True))

    error(stranger.post(prices(listing), body(), format="json"), 403, "permission_denied")
    error(stranger.delete(f"{prices(listing)}{mine.pk}/"), 403, "permission_denied")
    error(stranger.post(prices(draft), body(), format="json"), 404, "not_found")
    error(stranger.get(prices(draft)), 404, "not_found")
    assert client_for().post(prices(listing), body(), format="json").status_code in (401, 403)
    assert ListingPriceOverride.objects.count() == 1


def test_an_override_is_deleted_through_its_own_listing_only():
    listing, other = ListingFactory(), ListingFactory()
    theirs = ListingPriceOverride.objects.create(
        listing=other, start_date=TODAY, end_date=TODAY + dt.timedelta(days=3), price_cents=900
    )

    error(client_for(listing.owner).delete(f"{prices(listing)}{theirs.pk}/"), 404, "not_found")

    assert ListingPriceOverride.objects.filter(pk=theirs.pk).exists()


def test_staff_with_change_listing_set_prices_for_an_owner():
    listing = ListingFactory()
    staff = UserFactory(is_staff=True)
    client = client_for(staff)
    error(client.post(prices(listing), body(), format="json"), 403, "permission_denied")

    staff.user_permissions.add(Permission.objects.get(codename="change_listing"))

    assert client_for(staff).post(prices(listing), body(), format="json").status_code == 201


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (body(-1, 5), "start"),
        (body(10, 10), "end"),
        (body(10, 5), "end"),
        (body(10, 3661 + 10), "end"),
        ({**body(), "end": "9999-12-31"}, "end"),
        (body(price_cents=99), "price_cents"),
        (body(price_cents=100_000_001), "price_cents"),
        ({**body(), "start": "soon"}, "start"),
        ({**body(), "listing": 1}, "listing"),
        ({"start": day(1), "end": day(2)}, "price_cents"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_stored(payload, field):
    listing = ListingFactory()

    fields = error(
        client_for(listing.owner).post(prices(listing), payload, format="json"), 400, "invalid"
    )

    assert field in fields
    assert not ListingPriceOverride.objects.exists()


def test_the_list_costs_the_same_queries_for_one_override_or_a_hundred():
    listing = ListingFactory()
    ListingPriceOverride.objects.bulk_create(
        ListingPriceOverride(
            listing=listing,
            start_date=TODAY + dt.timedelta(days=i),
            end_date=TODAY + dt.timedelta(days=i + 2),
            price_cents=1_000 + i,
        )
        for i in range(100)
    )
    client = client_for(UserFactory())

    one = query_count(client, f"{prices(listing)}?page_size=1", 1)
    hundred = query_count(client, f"{prices(listing)}?page_size=100", 100)

    assert one == hundred


# --- PostgreSQL's word, in raw SQL as app_user ------------------------------------------------

INSERT = (
    "INSERT INTO listing_price_overrides (listing_id, start_date, end_date, price_cents)"
    " VALUES (%s, %s, %s, %s)"
)


def test_only_the_owner_writes_overrides():
    listing = ListingFactory()
    for intruder in (UserFactory(owner=True), UserFactory()):
        with acting_as(intruder), refused_by_policy("listing_price_overrides"):
            execute(INSERT, [listing.pk, day(1), day(3), 5_000])

    with acting_as(listing.owner):
        execute(INSERT, [listing.pk, day(1), day(3), 5_000])
    [override] = ListingPriceOverride.objects.all()

    with acting_as(UserFactory(owner=True)):
        assert execute("UPDATE listing_price_overrides SET price_cents = 100 RETURNING id") == []
        assert execute("DELETE FROM listing_price_overrides RETURNING id") == []
    override.refresh_from_db()
    assert override.price_cents == 5_000


def test_overrides_are_visible_where_the_listing_is():
    published, draft = ListingFactory(), ListingFactory(draft=True)
    for listing in (published, draft):
        ListingPriceOverride.objects.create(
            listing=listing, start_date=TODAY, end_date=TODAY + dt.timedelta(1), price_cents=500
        )

    with acting_as(UserFactory()):
        seen = execute("SELECT listing_id FROM listing_price_overrides")
    with acting_as(draft.owner):
        seen_by_owner = execute("SELECT listing_id FROM listing_price_overrides ORDER BY 1")

    assert seen == [(published.pk,)]
    assert seen_by_owner == sorted([(published.pk,), (draft.pk,)])


@pytest.mark.parametrize(
    ("start", "end", "price", "constraint"),
    [
        ("2030-01-05", "2030-01-05", 5_000, "listing_price_overrides_end_after_start"),
        ("2030-01-05", "2030-01-01", 5_000, "listing_price_overrides_end_after_start"),
        ("1999-12-01", "2000-01-02", 5_000, "listing_price_overrides_since_2000"),
        ("2030-01-01", "2045-01-01", 5_000, "listing_price_overrides_at_most_horizon"),
        ("2030-01-01", "2030-01-02", 0, "listing_price_overrides_price_range"),
        ("2030-01-01", "2030-01-02", 100_000_001, "listing_price_overrides_price_range"),
    ],
)
def test_postgresql_refuses_an_override_out_of_range(start, end, price, constraint):
    listing = ListingFactory()

    with acting_as(listing.owner), refused(constraint):
        execute(INSERT, [listing.pk, start, end, price])


def plan_nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


def test_the_pricing_lookup_reads_only_the_overrides_around_the_stay_by_index():
    """A listing with years of daily specials, priced as a guest under row-level security: the
    overrides touching the stay are found through listing_price_overrides_lookup (date
    comparisons are leakproof, so the index serves them), not by reading all of them."""
    busy, quiet = ListingFactory(), ListingFactory()
    execute(
        "INSERT INTO listing_price_overrides (listing_id, start_date, end_date, price_cents)"
        " SELECT %s, d::date, d::date + 1, 5000 + extract(day FROM d)::int"
        " FROM generate_series(%s::date, %s::date + 3000, interval '1 day') d",
        [busy.pk, day(0), day(0)],
    )
    ListingPriceOverride.objects.create(
        listing=quiet, start_date=TODAY, end_date=TODAY + dt.timedelta(days=3), price_cents=700
    )
    execute("ANALYZE listing_price_overrides")
    check_in, check_out = TODAY + dt.timedelta(2990), TODAY + dt.timedelta(2997)

    with acting_as(UserFactory()):
        [(plan,)] = execute(
            "EXPLAIN (ANALYZE, FORMAT JSON) SELECT po.id FROM listing_price_overrides po"
            " WHERE po.listing_id = %s AND po.end_date > %s AND po.start_date < %s",
            [busy.pk, check_in, check_out],
        )
        quote = stay_quote(listing_id=busy.pk, check_in=check_in, check_out=check_out, guests=1)

    nodes = list(plan_nodes(plan[0]["Plan"]))
    assert not [n for n in nodes if n.get("Relation Name") == "listing_price_overrides"
                and n["Node Type"] == "Seq Scan"]  # fmt: skip
    # Of 3,001 overrides, the index hands over the 7 the stay's nights are in.
    [lookup] = [n for n in nodes if n.get("Index Name") == "listing_price_overrides_lookup"]
    assert lookup["Actual Rows"] == 7, json.dumps(plan)
    assert [line["amount_cents"] for line in quote["lines"]] == [
        5_000 + (check_in + dt.timedelta(days=i)).day for i in range(7)
    ]
