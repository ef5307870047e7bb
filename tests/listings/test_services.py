"""Who may call each listing service, asked of the services themselves (not through the API):
the listing's owner may; another owner, staff without the action's permission and anonymous
callers are refused with PermissionDenied and nothing changes; staff holding the permission
may. Underneath, row-level security refuses the same write made around the services."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from apps.listings import selectors, services
from apps.listings.models import Listing, ListingStatus, ListingVersion
from tests.actors import attempt, callers
from tests.db import acting_as, execute
from tests.factories import ListingFactory, UserFactory

pytestmark = pytest.mark.django_db


def _revert(listing, actor):
    first = ListingVersion.objects.get(listing=listing, version=1)
    return services.listing_revert_to_version(listing=listing, version=first, actor=actor)


def _restore(listing, actor):
    return services.listing_restore(listing=listing, actor=actor)


def _soft_deleted():
    listing = ListingFactory()
    Listing.all_objects.filter(pk=listing.pk).update(deleted_at="2030-01-01T00:00:00Z")
    return Listing.all_objects.get(pk=listing.pk)


def _edited():
    listing = ListingFactory(title="The first title")
    Listing.objects.filter(pk=listing.pk).update(title="A later title")
    return Listing.objects.get(pk=listing.pk)


def _title(listing):
    return Listing.all_objects.values_list("title", flat=True).get(pk=listing.pk)


def _status(listing):
    return Listing.all_objects.values_list("status", flat=True).get(pk=listing.pk)


def _deleted(listing):
    return Listing.all_objects.values_list("deleted_at", flat=True).get(pk=listing.pk) is not None


def _beds(listing):
    return Listing.all_objects.values_list("beds", flat=True).get(pk=listing.pk)


# action → (the listing it starts from, the call, the permission staff need, what it changes:
# a reading of the row, its value before and after).
ACTIONS = {
    "update": (
        ListingFactory,
        lambda listing, actor: services.listing_update(
            listing=listing, data={"beds": 4}, actor=actor
        ),
        services.CHANGE, _beds, 2, 4,
    ),
    "revert_to_version": (
        _edited, _revert, services.CHANGE, _title, "A later title", "The first title",
    ),
    "publish": (
        lambda: ListingFactory(draft=True),
        lambda listing, actor: services.listing_publish(listing=listing, actor=actor),
        services.MODERATE, _status, ListingStatus.DRAFT, ListingStatus.PUBLISHED,
    ),
    "archive": (
        ListingFactory,
        lambda listing, actor: services.listing_archive(listing=listing, actor=actor),
        services.MODERATE, _status, ListingStatus.PUBLISHED, ListingStatus.ARCHIVED,
    ),
    "soft_delete": (
        ListingFactory,
        lambda listing, actor: services.listing_soft_delete(listing=listing, actor=actor),
        services.MODERATE, _deleted, False, True,
    ),
    "restore": (_soft_deleted, _restore, services.MODERATE, _deleted, True, False),
}  # fmt: skip
LISTING_PERMISSIONS = (services.CHANGE, services.MODERATE, services.VIEW_VERSIONS)


def make_actor(caller, listing, permission):
    return {
        "owner": lambda: listing.owner,
        "other owner": lambda: UserFactory(owner=True),
        "staff with it": lambda: UserFactory(staff=True, permissions=[permission]),
        "staff with the others": lambda: UserFactory(
            staff=True, permissions=[p for p in LISTING_PERMISSIONS if p != permission]
        ),
        "bare staff": lambda: UserFactory(staff=True),
        "anonymous": AnonymousUser,
        "nobody": lambda: None,
    }[caller]()


ALLOWED = ("owner", "staff with it")
REFUSED = ("other owner", "staff with the others", "bare staff", "anonymous", "nobody")


@pytest.mark.parametrize("caller", ALLOWED)
@pytest.mark.parametrize("action", ACTIONS)
def test_the_owner_and_staff_holding_the_permission_may(action, caller):
    arrange, call, permission, read, before, after = ACTIONS[action]
    listing = arrange()
    assert read(listing) == before

    call(listing, make_actor(caller, listing, permission))

    assert read(listing) == after


@pytest.mark.parametrize("caller", REFUSED)
@pytest.mark.parametrize("action", ACTIONS)
def test_anyone_else_is_refused_and_nothing_changes(action, caller):
    arrange, call, permission, read, before, _after = ACTIONS[action]
    listing = arrange()
    row = Listing.all_objects.values().get(pk=listing.pk)

    attempt(False, lambda: call(listing, make_actor(caller, listing, permission)))

    assert read(listing) == before
    assert Listing.all_objects.values().get(pk=listing.pk) == row


@pytest.mark.parametrize(("caller", "allowed"), callers((*ALLOWED, *REFUSED), "staff with it"))
def test_only_staff_holding_moderate_listing_switch_a_listing_off(caller, allowed):
    """Not even its owner: a listing staff switched off stays off."""
    listing = ListingFactory()
    actor = make_actor(caller, listing, services.MODERATE)

    attempt(
        allowed, lambda: services.listing_set_active(listing=listing, active=False, actor=actor)
    )

    assert Listing.objects.get(pk=listing.pk).is_active is not allowed


@pytest.mark.parametrize(("caller", "allowed"), callers((*ALLOWED, *REFUSED), *ALLOWED))
def test_the_versions_are_read_by_the_owner_and_staff_holding_view_listingversion(caller, allowed):
    listing = _edited()
    actor = make_actor(caller, listing, services.VIEW_VERSIONS)

    versions = attempt(allowed, lambda: selectors.listing_versions(listing=listing, actor=actor))

    if allowed:
        titles = [v.title for v in versions.order_by("version")]
        assert titles == ["The first title", "A later title"]


@pytest.mark.parametrize(
    ("caller", "allowed"),
    [("owner", True), ("guest", False), ("staff", False), ("anonymous", False)],
)
def test_only_owner_accounts_create_listings(caller, allowed):
    actor = {
        "owner": lambda: UserFactory(owner=True),
        "guest": UserFactory,
        "staff": lambda: UserFactory(staff=True, is_superuser=True),  # not an owner account
        "anonymous": AnonymousUser,
    }[caller]()
    data = {"title": "Bright flat by the canal", "price_cents": 12_000, "beds": 2, "baths": 1}

    listing = attempt(allowed, lambda: services.listing_create(owner=actor, data=data))

    if allowed:
        assert (listing.owner, listing.status) == (actor, ListingStatus.DRAFT)
    assert Listing.all_objects.filter(title=data["title"]).count() == int(allowed)


def test_a_version_of_another_listing_is_invalid_input():
    listing, other = ListingFactory(), ListingFactory()
    foreign = ListingVersion.objects.get(listing=other, version=1)

    with pytest.raises(ValidationError) as caught:
        services.listing_revert_to_version(listing=listing, version=foreign, actor=listing.owner)

    assert caught.value.message_dict == {"version": ["This version belongs to another listing."]}


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE listings SET beds = 9 WHERE id = %s",
        "UPDATE listings SET status = 'archived' WHERE id = %s",
        "UPDATE listings SET deleted_at = now() WHERE id = %s",
        "DELETE FROM listings WHERE id = %s",
    ],
    ids=["update", "archive", "soft-delete", "delete"],
)
def test_postgresql_refuses_another_owner_the_write_made_around_the_services(statement):
    """Row-level security under the services: another owner's UPDATE or DELETE of a listing
    they can read (it is published) reaches no row."""
    listing = ListingFactory()
    row = Listing.all_objects.values().get(pk=listing.pk)

    with acting_as(UserFactory(owner=True)):
        assert execute("SELECT count(*) FROM listings WHERE id = %s", [listing.pk]) == [(1,)]
        assert execute(statement + " RETURNING id", [listing.pk]) == []

    assert Listing.all_objects.values().get(pk=listing.pk) == row
