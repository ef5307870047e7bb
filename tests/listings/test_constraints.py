"""PostgreSQL itself refuses bad listings, categories and links, whatever writes them: the ORM
without full_clean(), a bulk update, or raw SQL."""

import threading
from decimal import Decimal

import psycopg
import pytest
from django.db import ProgrammingError, connection, transaction

from apps.core.context import DbContext, db_context
from apps.listings.models import Category, Listing, ListingAmenity, ListingTag, ListingVersion
from tests.db import app_session, execute, refused, wait_until_blocked
from tests.factories import AmenityFactory, CategoryFactory, ListingFactory, TagFactory

pytestmark = pytest.mark.django_db


# --- listings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "constraint"),
    [
        ("price_cents", 0, "listings_price_positive"),
        ("price_cents", -100, "listings_price_positive"),
        ("beds", -1, "listings_beds_non_negative"),
        ("baths", -1, "listings_baths_non_negative"),
        ("max_guests", 0, "listings_max_guests_min_1"),
        ("area", Decimal("0"), "listings_area_positive"),
        ("latitude", Decimal("91"), "listings_latitude_range"),
        ("latitude", Decimal("-90.5"), "listings_latitude_range"),
        ("longitude", Decimal("181"), "listings_longitude_range"),
        ("longitude", Decimal("-180.00000001"), "listings_longitude_range"),
        ("status", "deleted", "listings_status_valid"),
        ("currency", "eur", "listings_currency_iso_4217"),
        ("currency", "E1R", "listings_currency_iso_4217"),
        ("title", "Flat", "listings_title_min_length"),
        ("title", "", "listings_title_min_length"),
    ],
)
def test_a_listing_with_a_bad_value_is_not_inserted(field, value, constraint):
    # Factories save() without full_clean(): nothing in Python stands in the way.
    with refused(constraint):
        ListingFactory(**{field: value})


# An UPDATE's SET clause → the CHECK that refuses it.
BAD_UPDATES = {
    "price_cents = 0": "listings_price_positive",
    "beds = -1": "listings_beds_non_negative",
    "baths = -1": "listings_baths_non_negative",
    "max_guests = 0": "listings_max_guests_min_1",
    "latitude = 91": "listings_latitude_range",
    "longitude = 181": "listings_longitude_range",
    "status = 'deleted'": "listings_status_valid",
    "currency = 'eur'": "listings_currency_iso_4217",
    "title = 'Flat'": "listings_title_min_length",
}


@pytest.mark.parametrize(("assignment", "constraint"), BAD_UPDATES.items())
def test_raw_sql_cannot_update_a_listing_into_a_bad_value(assignment, constraint):
    listing = ListingFactory()

    with refused(constraint):
        execute(f"UPDATE listings SET {assignment} WHERE id = %s", [listing.pk])  # noqa: S608


def test_a_bulk_update_cannot_set_an_unknown_status():
    listings = ListingFactory.create_batch(3)

    with refused("listings_status_valid"):
        Listing.all_objects.filter(pk__in=[each.pk for each in listings]).update(status="deleted")
    assert set(Listing.all_objects.values_list("status", flat=True)) == {"published"}


@pytest.mark.parametrize(
    ("latitude", "longitude"), [(Decimal("48.85"), None), (None, Decimal("2.35"))]
)
def test_coordinates_come_in_pairs(latitude, longitude):
    with refused("listings_coordinates_both_or_neither"):
        ListingFactory(latitude=latitude, longitude=longitude)


def test_more_than_twenty_photos_are_refused():
    # Positions run from 0 to 19, one photo each: the 21st has no place.
    with refused("listing_photos_position_range"):
        ListingFactory(photos=[f"https://img.example.com/{i}.jpg" for i in range(21)])


def test_the_limits_themselves_are_accepted():
    ListingFactory(
        price_cents=1,
        beds=0,
        baths=0,
        max_guests=1,
        title="Loft!",
        currency="CHF",
        latitude=Decimal("90"),
        longitude=Decimal("-180"),
        photos=[f"https://img.example.com/{i}.jpg" for i in range(20)],
    )
    ListingFactory(latitude=Decimal("-90"), longitude=Decimal("180"), status="archived")
    ListingFactory(latitude=None, longitude=None, area=None, status="draft")

    assert Listing.all_objects.count() == 3


# --- links and versions --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("link", "column", "factory"),
    [(ListingTag, "tag", TagFactory), (ListingAmenity, "amenity", AmenityFactory)],
    ids=["a tag", "an amenity"],
)
def test_a_tag_or_an_amenity_is_linked_to_a_listing_once(link, column, factory):
    listing, linked = ListingFactory(), factory()
    table = link._meta.db_table
    link.objects.create(listing=listing, **{column: linked})

    with refused(f"{table}_unique_pair"):
        link.objects.create(listing=listing, **{column: linked})
    with refused(f"{table}_unique_pair"):
        execute(
            f"INSERT INTO {table} (listing_id, {column}_id) VALUES (%s, %s)",  # noqa: S608 — our names
            [listing.pk, linked.pk],
        )


def test_the_application_cannot_write_listing_versions():
    listing = ListingFactory()

    with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
        ListingVersion.objects.create(listing=listing, version=2, title="Forged", price_cents=1)


def test_a_listing_version_number_is_unique_even_for_the_tables_owner():
    """Only the versioning trigger (SECURITY DEFINER, as the owner) writes versions; the unique
    constraint guards against any owner-level writer numbering one twice."""
    listing = ListingFactory()  # the trigger wrote version 1
    [(owner,)] = execute("SELECT tableowner FROM pg_tables WHERE tablename = 'listing_versions'")

    with refused("listing_versions_unique_version"):
        # SET LOCAL in the savepoint: rolling it back brings the runtime role back.
        execute(f"SET LOCAL ROLE {connection.ops.quote_name(owner)}")
        execute(
            "INSERT INTO listing_versions (listing_id, version, title, price_cents)"
            " VALUES (%s, 1, 'A second version 1', 100)",
            [listing.pk],
        )
    assert execute("SELECT current_user") != [(owner,)]
    assert list(listing.versions.values_list("version", flat=True)) == [1]


# --- categories ------------------------------------------------------------------------------


def test_a_category_cannot_become_its_own_parent():
    category = CategoryFactory()

    # The trigger refuses first, under its own constraint name.
    with refused("categories_no_cycle"):
        Category.objects.filter(pk=category.pk).update(parent=category)
    with refused("categories_no_cycle"):
        execute("UPDATE categories SET parent_id = id WHERE id = %s", [category.pk])


def test_a_new_category_naming_itself_as_parent_is_refused_by_the_check_constraint():
    # A BEFORE INSERT trigger cannot see the row yet; the check constraint can.
    [(new_id,)] = execute("SELECT nextval(pg_get_serial_sequence('categories', 'id'))")

    with refused("categories_not_own_parent"):
        execute(
            "INSERT INTO categories (id, name_fr, name_en, slug, parent_id)"
            " VALUES (%s, 'Boucle', 'Loop', 'loop', %s)",
            [new_id, new_id],
        )


def test_a_two_step_cycle_is_refused():
    a = CategoryFactory(name="A")
    b = CategoryFactory(name="B", parent=a)

    with refused("categories_no_cycle"):
        execute("UPDATE categories SET parent_id = %s WHERE id = %s", [b.pk, a.pk])
    assert Category.objects.get(pk=a.pk).parent_id is None


def test_a_longer_cycle_is_refused():
    a = CategoryFactory(name="A")
    b = CategoryFactory(name="B", parent=a)
    c = CategoryFactory(name="C", parent=b)
    d = CategoryFactory(name="D", parent=c)

    with refused("categories_no_cycle"):
        Category.objects.filter(pk=a.pk).update(parent=d)
    with refused("categories_no_cycle"):
        Category.objects.filter(pk=b.pk).update(parent=c)


def test_moving_a_subtree_elsewhere_is_allowed():
    a = CategoryFactory(name="A")
    b = CategoryFactory(name="B", parent=a)
    CategoryFactory(name="C", parent=b)
    other = CategoryFactory(name="Other")

    Category.objects.filter(pk=b.pk).update(parent=other)  # B and C move under Other
    Category.objects.filter(pk=a.pk).update(parent=b)  # A is no longer B's ancestor

    assert Category.objects.get(pk=a.pk).parent == Category.objects.get(pk=b.pk)
    assert set(Category.objects.with_descendants(other.pk).values_list("name_en", flat=True)) == {
        "Other",
        "B",
        "C",
        "A",
    }


def test_sibling_categories_have_distinct_names_top_level_ones_included():
    root = CategoryFactory(name_fr="Logements", name_en="Homes", slug="homes")
    CategoryFactory(name_fr="Appartements", name_en="Flats", slug="flats", parent=root)

    # In each language.
    with refused("categories_parent_name_fr_unique"):
        CategoryFactory(name_fr="Appartements", name_en="Apartments", slug="flats-2", parent=root)
    with refused("categories_parent_name_en_unique"):
        CategoryFactory(name_fr="Appartements 2", name_en="Flats", slug="flats-2", parent=root)
    # Two top-level categories share the NULL parent (NULLS NOT DISTINCT).
    with refused("categories_parent_name_fr_unique"):
        CategoryFactory(name_fr="Logements", name_en="Houses", slug="homes-2")
    # Same names, another parent.
    CategoryFactory(name_fr="Appartements", name_en="Flats", slug="flats-3")


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_moves_cannot_close_a_cycle_together():
    with db_context(DbContext.system("tests")):
        a, b = CategoryFactory(name="A"), CategoryFactory(name="B")
        c = CategoryFactory(name="C", parent=b)
    refusals = []

    def move_b_under_a(session):
        try:
            session.execute("UPDATE categories SET parent_id = %s WHERE id = %s", [a.pk, b.pk])
            session.commit()
        except psycopg.errors.CheckViolation as exc:
            session.rollback()
            refusals.append(exc.diag.constraint_name)

    with app_session() as first, app_session() as second:
        # Each move alone is fine; together they make A > C > B > A.
        first.execute("UPDATE categories SET parent_id = %s WHERE id = %s", [c.pk, a.pk])
        mover = threading.Thread(target=move_b_under_a, args=[second], daemon=True)
        mover.start()
        # The second move waits for the first one (the tree lock), then sees its change.
        wait_until_blocked(second, first)
        first.commit()
        mover.join(timeout=15)

    with db_context(DbContext.system("tests")):
        parents = dict(Category.objects.values_list("pk", "parent_id"))
    assert (parents[a.pk], parents[b.pk]) == (c.pk, None), "a cycle was committed"
    assert refusals == ["categories_no_cycle"]


# --- prices beyond the nightly one -----------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "constraint"),
    [
        ("cleaning_fee_cents", -1, "listings_cleaning_fee_range"),
        ("cleaning_fee_cents", 100_000_001, "listings_cleaning_fee_range"),
        ("extra_guest_fee_cents", -1, "listings_extra_guest_fee_range"),
        ("guests_included", 0, "listings_guests_included_min_1"),
        ("guests_included", 5, "listings_max_guests_not_below_included"),  # max_guests is 4
        ("weekly_discount_percent", -5, "listings_weekly_discount_range"),
        ("weekly_discount_percent", 91, "listings_weekly_discount_range"),
        ("monthly_discount_percent", 100, "listings_monthly_discount_range"),
        ("cancellation_policy", "lenient", "listings_cancellation_policy_valid"),
    ],
)
def test_the_owner_cannot_write_a_fee_discount_or_policy_out_of_range_in_raw_sql(
    column, value, constraint
):
    listing = ListingFactory(max_guests=4)

    with db_context(DbContext().with_user(listing.owner)), refused(constraint):
        execute(f"UPDATE listings SET {column} = %s WHERE id = %s", [value, listing.pk])  # noqa: S608


def test_lowering_max_guests_below_the_guests_included_is_refused():
    listing = ListingFactory(max_guests=4, guests_included=3)

    with db_context(DbContext().with_user(listing.owner)):
        with refused("listings_max_guests_not_below_included"):
            execute("UPDATE listings SET max_guests = 2 WHERE id = %s", [listing.pk])
        execute("UPDATE listings SET max_guests = 3 WHERE id = %s", [listing.pk])
