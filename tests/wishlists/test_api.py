"""/api/v1/wishlists/: a user's private lists of saved listings, and the search cards'
`saved` flag."""

import pytest
from django.utils import timezone

from apps.listings.models import Listing, ListingStatus
from apps.wishlists.models import MAX_WISHLISTS_PER_USER, Wishlist, WishlistItem
from tests.factories import ListingFactory, UserFactory, WishlistFactory
from tests.factories.listings import listings_of
from tests.factories.wishlists import saved
from tests.helpers import client_for, error, ids, query_count

pytestmark = pytest.mark.django_db
URL = "/api/v1/wishlists/"


def listings_url(wishlist) -> str:
    return f"{URL}{wishlist.pk if hasattr(wishlist, 'pk') else wishlist}/listings/"


def test_a_user_makes_a_list_saves_a_listing_once_and_removes_it():
    user, listing = UserFactory(), ListingFactory(title="Loft by the canal")
    client = client_for(user)

    created = client.post(URL, {"name": "  Summer in Paris "}, format="json")
    assert created.status_code == 201, created.content
    wishlist = created.json()
    assert (wishlist["name"], wishlist["listing_count"]) == ("Summer in Paris", 0)

    first = client.post(listings_url(wishlist["id"]), {"listing": listing.pk}, format="json")
    again = client.post(listings_url(wishlist["id"]), {"listing": listing.pk}, format="json")

    assert first.status_code == 201, first.content
    assert again.status_code == 200, again.content  # idempotent: nothing more saved
    assert first.json()["title"] == "Loft by the canal" and first.json()["saved"] is True
    assert again.json()["id"] == listing.pk
    assert WishlistItem.objects.filter(listing=listing).count() == 1
    assert ids(client.get(listings_url(wishlist["id"]))) == [listing.pk]
    assert client.get(f"{URL}{wishlist['id']}/").json()["listing_count"] == 1

    removed = client.delete(f"{listings_url(wishlist['id'])}{listing.pk}/")
    assert removed.status_code == 204
    error(client.delete(f"{listings_url(wishlist['id'])}{listing.pk}/"), 404, "not_found")
    assert client.get(f"{URL}{wishlist['id']}/").json()["listing_count"] == 0


def test_cards_are_the_search_cards_last_saved_first_with_when_they_were_saved():
    wishlist = WishlistFactory()
    older, newer = ListingFactory(), ListingFactory()
    saved(wishlist, older)
    saved(wishlist, newer)

    cards = client_for(wishlist.owner).get(listings_url(wishlist)).json()["results"]
    search = client_for(wishlist.owner).get("/api/v1/listings/?city=Paris").json()["results"]

    assert [card["id"] for card in cards] == [newer.pk, older.pk]
    by_id = {card["id"]: card for card in search}
    assert {k: v for k, v in cards[0].items() if k != "saved_at"} == by_id[newer.pk]
    assert cards[0]["saved_at"] <= timezone.now().isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": "   "}, "name"), ({"name": "x" * 101}, "name"), ({}, "name"),
     ({"name": "Ok", "owner": 1}, "owner")],
)  # fmt: skip
def test_a_name_is_1_to_100_characters_and_nothing_else_is_accepted(body, field):
    fields = error(client_for(UserFactory()).post(URL, body, format="json"), 400, "invalid")
    assert field in fields


def test_names_are_unique_per_user_whatever_their_case():
    user = UserFactory()
    WishlistFactory(owner=user, name="Weekend in Lyon")
    other = WishlistFactory(owner=user, name="Alps")
    client = client_for(user)

    fields = error(client.post(URL, {"name": "weekend IN lyon"}, format="json"), 409,
                   "wishlist_name_taken")  # fmt: skip
    assert "name" in fields
    renamed = client.patch(f"{URL}{other.pk}/", {"name": "WEEKEND in Lyon"}, format="json")
    error(renamed, 409, "wishlist_name_taken")
    assert (
        client.patch(f"{URL}{other.pk}/", {"name": "Alps 2027"}, format="json").json()["name"]
        == "Alps 2027"
    )
    # Another user may use the name.
    assert client_for(UserFactory()).post(URL, {"name": "Weekend in Lyon"}).status_code == 201


def test_a_user_keeps_at_most_the_cap_of_lists():
    user = UserFactory()
    WishlistFactory.create_batch(MAX_WISHLISTS_PER_USER, owner=user)

    error(client_for(user).post(URL, {"name": "One more"}, format="json"), 409,
          "too_many_wishlists")  # fmt: skip
    assert Wishlist.objects.filter(owner=user).count() == MAX_WISHLISTS_PER_USER


def test_lists_are_private_to_their_owner_staff_included():
    wishlist = WishlistFactory(name="Secret escape")
    listing = ListingFactory()
    saved(wishlist, listing)

    for intruder in (UserFactory(), UserFactory(staff=True, is_superuser=True)):
        client = client_for(intruder)
        assert ids(client.get(URL)) == []
        for response in (
            client.get(f"{URL}{wishlist.pk}/"),
            client.patch(f"{URL}{wishlist.pk}/", {"name": "Mine now"}, format="json"),
            client.delete(f"{URL}{wishlist.pk}/"),
            client.get(listings_url(wishlist)),
            client.post(listings_url(wishlist), {"listing": listing.pk}, format="json"),
            client.delete(f"{listings_url(wishlist)}{listing.pk}/"),
        ):
            error(response, 404, "not_found")
    wishlist.refresh_from_db()
    assert wishlist.name == "Secret escape" and wishlist.items.count() == 1
    error(client_for().get(URL), 401, "not_authenticated")


def test_a_listing_shows_in_a_list_only_while_it_is_public_and_counts_only_then():
    wishlist = WishlistFactory()
    shown, archived, deactivated, deleted = ListingFactory.create_batch(4)
    saved(wishlist, shown, archived, deactivated, deleted)
    Listing.objects.filter(pk=archived.pk).update(status=ListingStatus.ARCHIVED)
    Listing.objects.filter(pk=deactivated.pk).update(is_active=False)
    Listing.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())
    client = client_for(wishlist.owner)

    assert ids(client.get(listings_url(wishlist))) == [shown.pk]
    numbered = client.get(f"{listings_url(wishlist)}?page=1").json()
    assert numbered["count"] == 1
    assert client.get(f"{URL}{wishlist.pk}/").json()["listing_count"] == 1
    assert [w["listing_count"] for w in client.get(URL).json()["results"]] == [1]

    Listing.objects.filter(pk=archived.pk).update(status=ListingStatus.PUBLISHED)
    assert set(ids(client.get(listings_url(wishlist)))) == {shown.pk, archived.pk}


def test_even_its_owner_sees_no_draft_of_theirs_in_a_list_nor_saves_one():
    owner = UserFactory(owner=True)
    wishlist = WishlistFactory(owner=owner)
    mine = ListingFactory(owner=owner)
    saved(wishlist, mine)
    Listing.objects.filter(pk=mine.pk).update(status=ListingStatus.DRAFT)
    draft = ListingFactory(owner=owner, draft=True)
    client = client_for(owner)

    assert ids(client.get(listings_url(wishlist))) == []
    error(client.post(listings_url(wishlist), {"listing": draft.pk}, format="json"), 404,
          "not_found")  # fmt: skip
    # Removing what no longer shows is allowed: the list is the owner's.
    assert client.delete(f"{listings_url(wishlist)}{mine.pk}/").status_code == 204


def test_deleting_a_list_deletes_what_it_holds_not_the_listings():
    wishlist = WishlistFactory()
    listing = ListingFactory()
    saved(wishlist, listing)

    assert client_for(wishlist.owner).delete(f"{URL}{wishlist.pk}/").status_code == 204
    assert not Wishlist.objects.filter(pk=wishlist.pk).exists()
    assert not WishlistItem.objects.filter(listing=listing).exists()
    assert Listing.objects.filter(pk=listing.pk).exists()


def test_search_cards_say_saved_for_the_signed_in_user_only():
    alice, bob = UserFactory(), UserFactory()
    mine, theirs, unsaved = ListingFactory(), ListingFactory(), ListingFactory()
    saved(WishlistFactory(owner=alice), mine)
    saved(WishlistFactory(owner=bob), theirs)

    def flags(client):
        return {
            card["id"]: card["saved"] for card in client.get("/api/v1/listings/").json()["results"]
        }

    assert flags(client_for(alice)) == {mine.pk: True, theirs.pk: False, unsaved.pk: False}
    assert flags(client_for()) == {mine.pk: False, theirs.pk: False, unsaved.pk: False}


def test_the_saved_flag_costs_no_query_the_cards_of_a_list_none_per_row():
    user, host = UserFactory(), UserFactory(owner=True)
    listings = listings_of(host, 20)
    wishlist = WishlistFactory(owner=user)
    saved(wishlist, *listings)
    signed_in, anonymous = client_for(user), client_for()

    # The search: the signed-in caller's page costs what an anonymous one does, beyond the
    # session's own queries (the EXISTS rides in the cards' query).
    one = query_count(signed_in, "/api/v1/listings/?page_size=1", 1)
    twenty = query_count(signed_in, "/api/v1/listings/?page_size=20", 20)
    assert one == twenty
    assert query_count(anonymous, "/api/v1/listings/?page_size=20", 20) <= twenty
    # A list's cards: 1 and 20 rows alike.
    assert query_count(signed_in, f"{listings_url(wishlist)}?page_size=1", 1) == query_count(
        signed_in, f"{listings_url(wishlist)}?page_size=20", 20
    )


def test_the_errors_speak_the_callers_language():
    user = UserFactory()
    WishlistFactory(owner=user, name="Plage")
    client = client_for(user)

    taken = client.post(URL, {"name": "plage"}, format="json", HTTP_ACCEPT_LANGUAGE="fr")

    error(taken, 409, "wishlist_name_taken")
    assert taken.json()["error"]["message"] == "Vous avez déjà une liste de favoris de ce nom."
    assert taken.json()["error"]["fields"] == {
        "name": ["Vous avez déjà une liste de favoris de ce nom."]
    }
