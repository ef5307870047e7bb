import pytest
from django.apps import apps
from django.core.management import call_command

from apps.accounts.models import User
from apps.listings.models import Listing

pytestmark = pytest.mark.django_db

TABLES = [
    "accounts.User", "accounts.Profile", "listings.Listing", "listings.ListingAmenity",
    "listings.ListingTag", "listings.ListingVersion", "listings.Category", "listings.Amenity",
    "listings.Tag", "bookings.Booking", "reviews.Review", "messaging.Message",
]  # fmt: skip


def row_counts():
    counts = {}
    for label in TABLES:
        model = apps.get_model(label)
        manager = getattr(model, "all_objects", model.objects)
        counts[label] = manager.count()
    return counts


def test_seed_twice_gives_the_same_rows(capsys):
    call_command("seed")
    first_output = capsys.readouterr().out
    first = row_counts()

    call_command("seed")
    second_output = capsys.readouterr().out

    assert row_counts() == first
    assert all(first[label] > 0 for label in TABLES), first
    assert "john@example.com" in first_output  # generated passwords, shown once
    assert "john@example.com" not in second_output
    assert "created nothing (up to date)" in second_output


def test_seed_loads_the_guides_demo_data():
    call_command("seed")

    john = User.objects.get(email="john@example.com")
    assert john.role == "owner"
    assert User.objects.get(email="jane@example.com").role == "guest"
    paris = Listing.objects.get(title="Appartement Paris Centre")
    assert (paris.owner, paris.price_cents, paris.currency) == (john, 15_000, "EUR")
    assert paris.photos == ["https://example.com/photo1.jpg"]
    # The demo review went through the rating trigger.
    assert (paris.review_count, paris.rating_avg) == (1, 5)
    assert User.objects.filter(is_staff=True, is_superuser=False).exists()
    assert User.objects.filter(is_superuser=True).exists()


def test_passwords_come_from_the_environment(monkeypatch, capsys):
    monkeypatch.setenv("SEED_USER_PASSWORD", "a-long-demo-password")

    call_command("seed")

    assert User.objects.get(email="jane@example.com").check_password("a-long-demo-password")
    assert "jane@example.com" not in capsys.readouterr().out


def test_reference_only_creates_no_users():
    before = User.objects.count()

    call_command("seed", "--reference-only")

    assert User.objects.count() == before
    assert apps.get_model("listings.Amenity").objects.filter(name="Wi-Fi").exists()
