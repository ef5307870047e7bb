"""The back-office speaks the staff member's language: Django's own strings, our models'
names, filters, actions and their messages."""

import html

import pytest
from django.test import Client
from django.urls import reverse

from apps.listings.models import Listing, ListingStatus
from tests.factories import ListingFactory, UserFactory

pytestmark = pytest.mark.django_db

EXPECTED = {
    "fr": {
        "title": "Sélectionnez l’objet annonce à changer",
        "action": "Publier les annonces sélectionnées",
        "filter": "Par suppression",
        "done": "Publiées : 2 sur 2 sélectionnées.",
        "header": "Back-office Havre",
    },
    "en": {
        "title": "Select listing to change",
        "action": "Publish selected listings",
        "filter": "By deleted",
        "done": "Published 2 of 2 selected.",
        "header": "Havre back-office",
    },
}


def superuser(accepted: str, **preferences) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=accepted)
    client.force_login(UserFactory(staff=True, is_superuser=True, preferences=preferences))
    return client


def page(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def assert_admin_speaks(client: Client, language: str) -> None:
    expected = EXPECTED[language]
    url = reverse("admin:listings_listing_changelist")
    drafts = ListingFactory.create_batch(2, status=ListingStatus.DRAFT)

    changelist = client.get(url)
    text = page(changelist)
    assert changelist["Content-Language"] == language
    assert f"<h1>{expected['title']}</h1>" in text
    assert expected["action"] in text and expected["filter"] in text
    assert expected["header"] in text

    done = client.post(
        url,
        {"action": "publish", "_selected_action": [str(d.pk) for d in drafts]},
        follow=True,
    )
    assert expected["done"] in page(done)
    assert set(Listing.objects.values_list("status", flat=True)) == {ListingStatus.PUBLISHED}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_admin_speaks_the_accept_language(language):
    assert_admin_speaks(superuser(language), language)


@pytest.mark.parametrize(("preferred", "accepted"), [("fr", "en"), ("en", "fr")])
def test_the_staff_members_preference_wins(preferred, accepted):
    assert_admin_speaks(superuser(accepted, language=preferred), preferred)


def test_reference_data_is_edited_in_both_languages_and_listed_in_the_admins():
    from tests.factories import CategoryFactory

    CategoryFactory(name_fr="Maisons", name_en="Houses")
    url = reverse("admin:listings_category_changelist")

    assert "Maisons" in page(superuser("fr").get(url))
    assert "Houses" in page(superuser("en").get(url))
    form = page(superuser("fr").get(reverse("admin:listings_category_add")))
    assert "Nom (français)" in form and "Nom (anglais)" in form
