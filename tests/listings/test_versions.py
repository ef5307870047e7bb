"""Every change of a listing's title, description or price is a new version, in PostgreSQL."""

import threading

import pytest
from django.db import connection, connections

from apps.core.context import DbContext, db_context
from apps.listings.models import Listing, ListingVersion
from apps.listings.services import listing_revert_to_version
from tests.factories import ListingFactory


def versions(listing):
    return list(
        ListingVersion.objects.filter(listing=listing)
        .order_by("version")
        .values_list("version", "title", "price_cents")
    )


@pytest.mark.django_db
def test_a_new_listing_starts_at_version_1():
    listing = ListingFactory(title="Flat by the sea", price_cents=9_000)

    assert versions(listing) == [(1, "Flat by the sea", 9_000)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        lambda listing: (setattr(listing, "title", "Renamed flat"), listing.save()),
        lambda listing: Listing.objects.filter(pk=listing.pk).update(price_cents=20_000),
        lambda listing: connection.cursor().execute(
            "UPDATE listings SET description = 'New words' WHERE id = %s", [listing.pk]
        ),
    ],
    ids=["orm-save", "queryset-update", "raw-sql"],
)
def test_each_path_records_the_next_version(change):
    listing = ListingFactory()

    change(listing)

    assert [v[0] for v in versions(listing)] == [1, 2]


@pytest.mark.django_db
def test_other_changes_make_no_version():
    listing = ListingFactory()

    Listing.objects.filter(pk=listing.pk).update(beds=4, city="Lyon")

    assert len(versions(listing)) == 1


@pytest.mark.django_db
def test_the_version_records_who_changed_it():
    listing = ListingFactory()

    with db_context(DbContext().with_user(listing.owner)):
        Listing.objects.filter(pk=listing.pk).update(title="Owner's new title")

    latest = ListingVersion.objects.get(listing=listing, version=2)
    assert latest.created_by_id == listing.owner_id


@pytest.mark.django_db
def test_reverting_creates_a_new_version_with_the_old_content():
    listing = ListingFactory(title="First title", price_cents=10_000)
    Listing.objects.filter(pk=listing.pk).update(title="Second title", price_cents=12_000)
    listing.refresh_from_db()
    first = ListingVersion.objects.get(listing=listing, version=1)

    listing_revert_to_version(listing=listing, version=first, actor=listing.owner)

    assert versions(listing) == [
        (1, "First title", 10_000),
        (2, "Second title", 12_000),
        (3, "First title", 10_000),
    ]


@pytest.mark.django_db
def test_the_application_cannot_write_versions_itself():
    listing = ListingFactory()
    from django.db import transaction
    from django.db.utils import ProgrammingError

    with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
        ListingVersion.objects.create(listing=listing, version=9, title="Forged", price_cents=1)


@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_get_gapless_unique_versions():
    with db_context(DbContext.system("tests")):
        listing = ListingFactory()
    errors = []

    def edit(n):
        try:
            with db_context(DbContext.system(f"editor-{n}")):
                for i in range(5):
                    Listing.objects.filter(pk=listing.pk).update(price_cents=10_000 + n * 100 + i)
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    with db_context(DbContext.system("tests")):
        numbers = sorted(
            ListingVersion.objects.filter(listing=listing).values_list("version", flat=True)
        )
    assert numbers == list(range(1, 22))
