"""`manage.py seed --demo-stay EMAIL`: a completed stay to review (the README's session)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.bookings.models import Booking, BookingStatus
from apps.demo.seeding import FIXTURES_DIR
from apps.reviews.models import Review
from tests.factories import UserFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _development(settings):
    settings.DEBUG = True  # as `make run`'s settings; the test settings turn it off


DEMO_SLUGS = {
    item["slug"]
    for item in json.loads((FIXTURES_DIR / "demo.json").read_text(encoding="utf-8"))["listings"]
}


def demo_stay(email: str) -> tuple[str, str]:
    """(stdout, stderr) of `seed --demo-stay email`."""
    out, err = io.StringIO(), io.StringIO()
    call_command("seed", "--demo-stay", email, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_prints_the_id_of_a_finished_stay_its_guest_reviews_through_the_api():
    call_command("seed", stdout=io.StringIO())
    guest = UserFactory()
    bookings_before = Booking.objects.count()

    out, err = demo_stay(guest.email.upper())  # an e-mail, whatever its case

    assert out.strip().isdigit() and out.count("\n") == 1  # the id alone, for $(...)
    stay = Booking.objects.get(pk=int(out))
    assert Booking.objects.count() == bookings_before + 1
    assert (stay.guest, stay.status) == (guest, BookingStatus.COMPLETED)
    assert stay.check_in < stay.check_out < timezone.localdate()
    assert stay.listing.slug in DEMO_SLUGS and stay.listing.owner != guest
    assert f"booking {stay.pk}" in err and stay.listing.title in err

    response = client_for(guest).post(
        "/api/v1/reviews/", {"booking": stay.pk, "rating": 4, "comment": "Bien"}, format="json"
    )

    assert response.status_code == 201, response.content
    assert Review.objects.get(pk=response.json()["id"]).booking == stay


def test_the_same_stay_until_it_is_reviewed_then_a_new_one():
    call_command("seed", stdout=io.StringIO())
    guest = UserFactory()

    first, _ = demo_stay(guest.email)
    again, _ = demo_stay(guest.email)
    client_for(guest).post("/api/v1/reviews/", {"booking": int(first), "rating": 5}, format="json")
    after_review, _ = demo_stay(guest.email)

    assert again == first
    assert after_review != first
    assert Booking.objects.filter(guest=guest).count() == 2


def test_a_demo_owner_stays_at_someone_elses_listing():
    call_command("seed", stdout=io.StringIO())

    out, _ = demo_stay("john@example.com")

    stay = Booking.objects.get(pk=int(out))
    assert stay.guest.email == "john@example.com"
    assert stay.listing.owner.email != "john@example.com"


def test_an_unknown_email_or_no_demo_listing_is_an_error_saying_what_to_do():
    call_command("seed", "--reference-only", stdout=io.StringIO())
    guest = UserFactory()

    with pytest.raises(CommandError, match="register"):
        demo_stay("nobody@example.com")
    with pytest.raises(CommandError, match="manage.py seed"):
        demo_stay(guest.email)
    assert not Booking.objects.filter(guest=guest).exists()


def test_it_refuses_outside_development(settings):
    settings.DEBUG = False
    call_command("seed", stdout=io.StringIO())
    guest = UserFactory()

    with pytest.raises(CommandError, match="development only"):
        demo_stay(guest.email)
    assert not Booking.objects.filter(guest=guest).exists()
