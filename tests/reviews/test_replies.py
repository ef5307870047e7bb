"""Replies (issue #17): the reviewed party answers a published review once, shown under it;
staff hide a reply as they hide a review."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group

from apps.accounts.groups import MODERATORS
from apps.core import dates
from apps.reviews import services
from apps.reviews.models import ReviewReply
from tests.db import acting_as, execute, refused_by_policy
from tests.factories import BookingFactory, UserFactory
from tests.helpers import client_for, error

pytestmark = pytest.mark.django_db
URL = "/api/v1/reviews/"


def both_reviewed():
    check_out = dates.today() - dt.timedelta(days=2)
    booking = BookingFactory(
        status="completed", check_in=check_out - dt.timedelta(days=3), check_out=check_out
    )
    ids = {}
    for side, user in (("guest", booking.guest), ("host", booking.listing.owner)):
        response = client_for(user).post(URL, {"booking": booking.pk, "rating": 4}, format="json")
        assert response.status_code == 201, response.json()
        ids[side] = response.json()["id"]
    return booking, ids


def test_the_reviewed_party_replies_once_under_the_review():
    booking, ids = both_reviewed()
    host = client_for(booking.listing.owner)

    replied = host.post(f"{URL}{ids['guest']}/reply/", {"body": "Thank you!"}, format="json")
    again = host.post(f"{URL}{ids['guest']}/reply/", {"body": "Really"}, format="json")
    by_guest = client_for(booking.guest).post(
        f"{URL}{ids['host']}/reply/", {"body": "Thanks, lovely host"}, format="json"
    )

    assert replied.status_code == 201, replied.json()
    assert replied.json()["reply"]["body"] == "Thank you!"
    error(again, 409, "reply_exists")
    assert by_guest.status_code == 201
    listed = client_for().get(f"{URL}?listing={booking.listing_id}").json()["results"]
    assert [(r["id"], r["reply"]["body"]) for r in listed] == [(ids["guest"], "Thank you!")]


def test_only_the_reviewed_party_replies_and_only_once_published():
    check_out = dates.today() - dt.timedelta(days=2)
    booking = BookingFactory(
        status="completed", check_in=check_out - dt.timedelta(days=3), check_out=check_out
    )
    blind = client_for(booking.guest).post(URL, {"booking": booking.pk, "rating": 2},
                                           format="json").json()  # fmt: skip
    url = f"{URL}{blind['id']}/reply/"

    error(client_for(booking.listing.owner).post(url, {"body": "No!"}, format="json"), 404,
          "not_found")  # fmt: skip
    with acting_as(booking.listing.owner), refused_by_policy("review_replies"):
        execute(
            "INSERT INTO review_replies (review_id, tenant_id, author_id, body)"
            " VALUES (%s, %s, %s, 'early')",
            [blind["id"], booking.tenant_id, booking.listing.owner_id],
        )
    client_for(booking.listing.owner).post(URL, {"booking": booking.pk, "rating": 5},
                                           format="json")  # fmt: skip

    error(client_for(booking.guest).post(url, {"body": "Me"}, format="json"), 403,
          "permission_denied")  # fmt: skip
    error(client_for(UserFactory()).post(url, {"body": "Me"}, format="json"), 403,
          "permission_denied")  # fmt: skip
    with acting_as(booking.guest), refused_by_policy("review_replies"):
        execute(
            "INSERT INTO review_replies (review_id, tenant_id, author_id, body)"
            " VALUES (%s, %s, %s, 'self-praise')",
            [blind["id"], booking.tenant_id, booking.guest_id],
        )
    assert not ReviewReply.objects.exists()


def test_staff_hide_a_reply_and_its_author_cannot_unhide_it():
    booking, ids = both_reviewed()
    client_for(booking.listing.owner).post(
        f"{URL}{ids['guest']}/reply/", {"body": "Rude words"}, format="json"
    )
    reply = ReviewReply.objects.get()
    moderator = UserFactory(staff=True)
    moderator.groups.add(Group.objects.get(name=MODERATORS))

    with acting_as(moderator):
        services.reply_hide(reply=reply, reason="Insults", actor=moderator)

    body = client_for().get(f"{URL}{ids['guest']}/").json()
    assert body["reply"] is None
    with acting_as(booking.listing.owner):  # a reply is never edited: no row to update
        execute(
            "UPDATE review_replies SET is_hidden = false, hidden_reason = '' WHERE id = %s",
            [reply.pk],
        )
    assert ReviewReply.objects.get().is_hidden
