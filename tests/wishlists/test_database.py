"""Wishlists' privacy and limits held by PostgreSQL itself: raw SQL as the runtime role
app_user, in a user's request context, as any bug or injected statement of the application
would run."""

import pytest

from apps.core.context import DbContext, db_context
from apps.wishlists.models import MAX_LISTINGS_PER_WISHLIST, MAX_WISHLISTS_PER_USER, Wishlist
from tests.db import acting_as, execute, refused, refused_by_policy
from tests.factories import ListingFactory, TenantFactory, UserFactory, WishlistFactory
from tests.factories.listings import listings_of
from tests.factories.wishlists import saved

pytestmark = pytest.mark.django_db

INSERT_WISHLIST = "INSERT INTO wishlists (name, owner_id, tenant_id) VALUES (%s, %s, %s)"
INSERT_ITEM = "INSERT INTO wishlist_items (wishlist_id, owner_id, listing_id) VALUES (%s, %s, %s)"


@pytest.fixture
def alice_list():
    wishlist = WishlistFactory(name="Honeymoon in Biarritz")
    saved(wishlist, ListingFactory())
    return wishlist


def test_the_runtime_role_is_app_user_and_both_tables_force_row_level_security():
    assert execute("SELECT current_user") == [("app_user",)]
    assert execute(
        "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class"
        " WHERE relname IN ('wishlists', 'wishlist_items') ORDER BY relname"
    ) == [("wishlist_items", True, True), ("wishlists", True, True)]


def test_another_user_reads_changes_and_deletes_nothing_of_a_list(alice_list):
    mallory = UserFactory()

    with acting_as(mallory):
        assert execute("SELECT count(*) FROM wishlists") == [(0,)]
        assert execute("SELECT count(*) FROM wishlist_items") == [(0,)]
        # Not even through a join, nor by name.
        assert execute(
            "SELECT count(*) FROM listings l JOIN wishlist_items i ON i.listing_id = l.id"
        ) == [(0,)]
        assert execute("SELECT id FROM wishlists WHERE name ILIKE '%%biarritz%%'") == []
        assert execute("UPDATE wishlists SET name = 'Stolen' RETURNING id") == []
        assert execute("DELETE FROM wishlist_items RETURNING id") == []
        assert execute("DELETE FROM wishlists RETURNING id") == []
    with acting_as(alice_list.owner):
        assert execute("SELECT name FROM wishlists") == [("Honeymoon in Biarritz",)]
        assert execute("SELECT count(*) FROM wishlist_items") == [(1,)]


def test_nobody_writes_into_another_users_list(alice_list):
    alice, mallory = alice_list.owner, UserFactory()
    listing = ListingFactory()

    with acting_as(mallory), refused_by_policy("wishlists"):
        execute(INSERT_WISHLIST, ["Alice's now", alice.pk, alice.tenant_id])
    with acting_as(mallory), refused_by_policy("wishlist_items"):
        execute(INSERT_ITEM, [alice_list.pk, alice.pk, listing.pk])
    # Naming themself as the item's owner does not help: the item must be its list's owner's.
    with acting_as(mallory), refused("wishlist_items_owner_matches_wishlist"):
        execute(INSERT_ITEM, [alice_list.pk, mallory.pk, listing.pk])
    with acting_as(alice):
        assert execute("SELECT count(*) FROM wishlist_items") == [(1,)]


def test_staff_read_lists_only_holding_the_view_permission_and_never_write_them(alice_list):
    plain_staff = UserFactory(staff=True)
    support = UserFactory(staff=True, permissions=["wishlists.view_wishlist"])
    listing = ListingFactory()

    with acting_as(plain_staff):
        assert execute("SELECT count(*) FROM wishlists") == [(0,)]
        assert execute("SELECT count(*) FROM wishlist_items") == [(0,)]
    with acting_as(support):
        assert execute("SELECT name FROM wishlists") == [("Honeymoon in Biarritz",)]
        assert execute("SELECT count(*) FROM wishlist_items") == [(1,)]
        assert execute("UPDATE wishlists SET name = 'Seen by staff' RETURNING id") == []
        assert execute("DELETE FROM wishlist_items RETURNING id") == []
    with acting_as(support), refused_by_policy("wishlist_items"):
        execute(INSERT_ITEM, [alice_list.pk, alice_list.owner_id, listing.pk])


def test_only_public_listings_are_saved_even_ones_own_draft():
    wishlist = WishlistFactory()
    own_draft = ListingFactory(draft=True, owner=wishlist.owner)
    deactivated = ListingFactory(is_active=False)
    public = ListingFactory()

    for listing in (own_draft, deactivated):
        with acting_as(wishlist.owner), refused_by_policy("wishlist_items"):
            execute(INSERT_ITEM, [wishlist.pk, wishlist.owner_id, listing.pk])
    with acting_as(wishlist.owner):
        execute(INSERT_ITEM, [wishlist.pk, wishlist.owner_id, public.pk])
        assert execute("SELECT count(*) FROM wishlist_items") == [(1,)]


def test_a_list_is_made_in_ones_own_tenant_only():
    user, elsewhere = UserFactory(), TenantFactory()
    with acting_as(user), refused_by_policy("wishlists"):
        execute(INSERT_WISHLIST, ["Elsewhere", user.pk, elsewhere.pk])


def test_names_are_unique_per_owner_whatever_their_case_and_never_blank():
    user = UserFactory()
    with acting_as(user):
        execute(INSERT_WISHLIST, ["Weekend in Lyon", user.pk, user.tenant_id])
    with acting_as(user), refused("wishlists_owner_name_unique"):
        execute(INSERT_WISHLIST, ["WEEKEND IN LYON", user.pk, user.tenant_id])
    with acting_as(user), refused("wishlists_name_trimmed"):
        execute(INSERT_WISHLIST, ["   ", user.pk, user.tenant_id])
    other = UserFactory()  # another owner: no clash
    with acting_as(other):
        execute(INSERT_WISHLIST, ["Weekend in Lyon", other.pk, other.tenant_id])


def test_postgresql_caps_the_lists_of_a_user_and_the_listings_of_a_list():
    user = UserFactory()
    with db_context(DbContext.system("tests")):
        WishlistFactory.create_batch(MAX_WISHLISTS_PER_USER - 1, owner=user)
    with acting_as(user):
        execute(INSERT_WISHLIST, ["The last one", user.pk, user.tenant_id])
    with acting_as(user), refused("wishlists_max_per_owner"):
        execute(INSERT_WISHLIST, ["One too many", user.pk, user.tenant_id])

    full = Wishlist.objects.filter(owner=user).first()
    host = UserFactory(owner=True)
    saved(full, *listings_of(host, MAX_LISTINGS_PER_WISHLIST))
    one_more = ListingFactory(owner=host)
    with acting_as(user), refused("wishlist_items_max_per_wishlist"):
        execute(INSERT_ITEM, [full.pk, user.pk, one_more.pk])

    assert execute("SELECT wishlists_max_per_owner(), wishlist_items_max_per_wishlist()") == [
        (MAX_WISHLISTS_PER_USER, MAX_LISTINGS_PER_WISHLIST)
    ]


def test_the_saved_flag_of_a_listing_never_tells_who_else_saved_it(alice_list):
    [item] = alice_list.items.all()
    bob = UserFactory()
    with acting_as(bob):
        assert execute(
            "SELECT EXISTS (SELECT 1 FROM wishlist_items WHERE listing_id = %s)", [item.listing_id]
        ) == [(False,)]
