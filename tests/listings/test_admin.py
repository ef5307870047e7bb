"""The listing's page in the back-office: the calendar rules, prices and cancellation policy in
their sections, the price overrides added and deleted through the listings services (existing
ones shown, never edited), and other apps' inlines on the same page."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from apps.core import dates
from apps.listings.models import Listing, ListingPriceOverride
from apps.listings.services import price_override_create
from tests.factories import ListingFactory, UserFactory
from tests.helpers import add_inline_row, admin_form_data

pytestmark = pytest.mark.django_db

OVERRIDES = "price_overrides"  # the inline's prefix


def day(days: int) -> dt.date:
    return dates.today() + dt.timedelta(days=days)


def change_url(listing) -> str:
    return reverse("admin:listings_listing_change", args=[listing.pk])


@pytest.fixture
def editor():
    """Staff holding only what the listing's services ask of staff: listings.change_listing
    (and view_listing to open the page) — no permission on the overrides' own model."""
    user = UserFactory(staff=True, permissions=["listings.view_listing", "listings.change_listing"])
    client = Client()
    client.force_login(user)
    return client


def fieldset_of(page, field: str) -> str:
    """The title of the section of the change form that holds `field`."""
    for fieldset in page.context["adminform"]:
        if any(field in line.fields for line in fieldset):
            return str(fieldset.name)
    raise AssertionError(f"{field} is on no section of the form")


def test_the_form_groups_calendar_rules_prices_and_policy_with_both_inlines(editor):
    listing = ListingFactory(min_nights=2, max_nights=30, preparation_days=1)

    page = editor.get(change_url(listing))

    assert page.status_code == 200
    sections = {
        "Calendar rules": [
            "min_nights", "max_nights", "advance_notice_days", "preparation_days",
            "booking_window_days", "instant_book",
        ],
        "Prices": [
            "price_cents", "cleaning_fee_cents", "extra_guest_fee_cents", "guests_included",
            "weekly_discount_percent", "monthly_discount_percent",
        ],
        "Cancellation": ["cancellation_policy"],
    }  # fmt: skip
    for title, fields in sections.items():
        assert {field: fieldset_of(page, field) for field in fields} == dict.fromkeys(fields, title)
    html = page.content.decode()
    assert 'name="min_nights" value="2"' in html
    assert 'name="preparation_days" value="1"' in html
    assert 'id="price_overrides-group"' in html
    assert 'id="calendar_entries-group"' in html  # the bookings app's, through the registry
    # The inlines this staff user may see: the photos first, the calendar right after the
    # prices.
    prefixes = [inline.formset.prefix for inline in page.context["inline_admin_formsets"]]
    assert prefixes == ["photo_set", OVERRIDES, "calendar_entries"]


def test_the_calendar_rules_are_saved_from_the_form(editor):
    listing = ListingFactory(min_nights=1, max_nights=90)
    data = admin_form_data(editor.get(change_url(listing)))
    data.update({"min_nights": 3, "max_nights": 14, "advance_notice_days": 2})

    response = editor.post(change_url(listing), data)

    assert response.status_code == 302, response.context["errors"]
    listing.refresh_from_db()
    assert (listing.min_nights, listing.max_nights, listing.advance_notice_days) == (3, 14, 2)


def test_staff_add_a_price_override_in_currency_units(editor):
    listing = ListingFactory(currency="EUR")
    data = admin_form_data(editor.get(change_url(listing)))
    add_inline_row(data, OVERRIDES, start_date=day(10), end_date=day(17), price_cents="180.50")

    response = editor.post(change_url(listing), data)

    assert response.status_code == 302, response.context["errors"]
    assert list(
        ListingPriceOverride.objects.filter(listing=listing).values_list(
            "start_date", "end_date", "price_cents"
        )
    ) == [(day(10), day(17), 18_050)]
    # Shown read-only from now on, as an amount: added and deleted, never edited.
    page = editor.get(change_url(listing)).content.decode()
    assert "180.50 EUR" in page
    assert f'name="{OVERRIDES}-0-price_cents"' not in page


def test_an_override_starting_in_the_past_gets_the_services_message(editor):
    listing = ListingFactory()
    data = admin_form_data(editor.get(change_url(listing)))
    add_inline_row(data, OVERRIDES, start_date=day(-1), end_date=day(5), price_cents="150")

    response = editor.post(change_url(listing), data)

    assert response.status_code == 200
    assert "Give nights from today on." in response.content.decode()
    assert not ListingPriceOverride.objects.filter(listing=listing).exists()


def test_staff_delete_a_price_override(editor):
    listing = ListingFactory()
    override = price_override_create(
        listing=listing, start=day(3), end=day(6), price_cents=20_000, actor=listing.owner
    )
    page = editor.get(change_url(listing))
    data = admin_form_data(page)
    data[f"{OVERRIDES}-0-DELETE"] = "on"

    response = editor.post(change_url(listing), data)

    assert response.status_code == 302, response.context["errors"]
    assert not ListingPriceOverride.objects.filter(pk=override.pk).exists()


def test_staff_without_change_listing_read_the_overrides_and_change_nothing():
    listing = ListingFactory(currency="EUR")
    price_override_create(
        listing=listing, start=day(3), end=day(6), price_cents=20_000, actor=listing.owner
    )
    user = UserFactory(staff=True, permissions=["listings.view_listing"])
    client = Client()
    client.force_login(user)

    page = client.get(change_url(listing)).content.decode()

    assert "200.00 EUR" in page
    assert f'name="{OVERRIDES}-MAX_NUM_FORMS" value="0"' in page
    assert f'name="{OVERRIDES}-0-DELETE"' not in page
    assert Listing.objects.filter(pk=listing.pk).exists()


def test_the_new_sections_and_the_calendar_speak_french(editor):
    listing = ListingFactory()

    page = editor.get(change_url(listing), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    for text in ("Règles du calendrier", "Capacité", "Annulation", "Nuits minimum"):
        assert text in page, text
    assert "calendrier à partir d&#x27;aujourd&#x27;hui (blocages et réservations)" in page.lower()


def moderator_client():
    from django.contrib.auth.models import Group

    from apps.accounts.groups import MODERATORS

    user = UserFactory(staff=True)
    user.groups.add(Group.objects.get(name=MODERATORS))
    client = Client()
    client.force_login(user)
    return client


def test_the_page_shows_the_photos_as_thumbnails_cover_first(editor):
    listing = ListingFactory(
        photos=["https://img.example.com/cover.jpg", "https://img.example.com/second.jpg"]
    )

    html = editor.get(change_url(listing)).content.decode()

    assert 'id="photo_set-group"' in html
    cover, second = (html.index(f"https://img.example.com/{n}.jpg") for n in ("cover", "second"))
    assert cover < second
    assert '<img src="https://img.example.com/cover.jpg"' in html


def test_a_moderator_removes_a_photo_through_the_service():
    listing = ListingFactory(
        photos=["https://img.example.com/a.jpg", "https://img.example.com/b.jpg"]
    )
    first = listing.photo_set.get(position=0)
    client = moderator_client()
    remove_url = reverse("admin:listings_listing_photo_remove", args=[listing.pk, first.pk])
    assert remove_url in client.get(change_url(listing)).content.decode()

    confirm = client.get(remove_url)
    removed = client.post(remove_url)

    assert confirm.status_code == 200 and "Remove this photo?" in confirm.content.decode()
    assert removed.status_code == 302 and removed["Location"] == change_url(listing)
    assert list(listing.photo_set.values_list("url", "position")) == [
        ("https://img.example.com/b.jpg", 0)
    ]
    assert client.post(remove_url).status_code == 404


def test_staff_without_moderate_or_change_may_not_remove_a_photo():
    listing = ListingFactory()
    photo = listing.photo_set.get()
    user = UserFactory(staff=True, permissions=["listings.view_listing"])
    client = Client()
    client.force_login(user)
    remove_url = reverse("admin:listings_listing_photo_remove", args=[listing.pk, photo.pk])

    assert remove_url not in client.get(change_url(listing)).content.decode()
    assert client.post(remove_url).status_code == 403
    assert listing.photo_set.exists()
