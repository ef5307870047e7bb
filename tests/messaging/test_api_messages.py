import pytest
from django.utils import timezone

from apps.listings.models import ListingStatus
from apps.messaging.models import Message
from tests.factories import (
    BookingFactory,
    ListingFactory,
    MessageFactory,
    TenantFactory,
    UserFactory,
)
from tests.helpers import client_for, error, ids, three_rows_in_both_page_modes

pytestmark = pytest.mark.django_db
URL = "/api/v1/messages/"


# --- send --------------------------------------------------------------------------------


def test_send_a_message_about_a_listing_and_a_booking():
    booking = BookingFactory()
    sender, recipient = booking.guest, booking.listing.owner

    response = client_for(sender).post(
        URL,
        {"recipient": recipient.pk, "subject": "Arrival", "content": "We land at 9.",
         "attachments": ["https://files.example.com/ticket.pdf"],
         "listing": booking.listing_id, "booking": booking.pk},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["sender"] == {"id": sender.pk, "name": sender.name}
    assert body["recipient"] == {"id": recipient.pk, "name": recipient.name}
    assert (body["listing"], body["booking"], body["is_read"]) == (
        booking.listing_id, booking.pk, False,
    )  # fmt: skip
    # The recipient's own filing is not the sender's business.
    assert (body["is_archived"], body["is_spam"]) == (None, None)
    message = Message.objects.get(pk=body["id"])
    assert (message.sender_id, message.tenant_id) == (sender.pk, sender.tenant_id)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"subject": "x" * 200}, None),
        ({"content": "x" * 10_000}, None),
        ({"attachments": [f"https://f.example.com/{i}" for i in range(10)]}, None),
        ({"listing": None, "booking": None}, None),
        ({"subject": ""}, "subject"),
        ({"subject": "   "}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"content": ""}, "content"),
        ({"content": "x" * 10_001}, "content"),
        ({"attachments": [f"https://f.example.com/{i}" for i in range(11)]}, "attachments"),
        ({"attachments": ["ftp://f.example.com/a"]}, "attachments"),
        ({"attachments": ["javascript:alert(1)"]}, "attachments"),
        ({"recipient": 999_999}, "recipient"),
        ({"recipient": "bob"}, "recipient"),
        ({"listing": 999_999}, "listing"),
        ({"booking": 999_999}, "booking"),
        ({"is_spam": True}, "is_spam"),
        ({"sender": 1}, "sender"),
    ],
)
def test_send_validation_bounds(change, field):
    sender, recipient = UserFactory(), UserFactory()
    data = {"recipient": recipient.pk, "subject": "Hi", "content": "Hello", **change}

    response = client_for(sender).post(URL, data, format="json")

    if field is None:
        assert response.status_code == 201, response.json()
    else:
        assert field in error(response, 400, "invalid")
        assert not Message.all_objects.exists()


def test_recipient_must_be_another_active_user_of_the_tenant():
    sender = UserFactory()
    for recipient in (sender, UserFactory(tenant=TenantFactory()), UserFactory(is_active=False)):
        response = client_for(sender).post(
            URL, {"recipient": recipient.pk, "subject": "a", "content": "b"}, format="json"
        )
        assert "recipient" in error(response, 400, "invalid")


def test_the_context_must_be_visible_to_the_sender():
    sender, recipient = UserFactory(), UserFactory()
    someones_draft = ListingFactory(status=ListingStatus.DRAFT)
    someones_booking = BookingFactory()
    base = {"recipient": recipient.pk, "subject": "a", "content": "b"}
    client = client_for(sender)

    assert "listing" in error(
        client.post(URL, {**base, "listing": someones_draft.pk}, format="json"), 400, "invalid"
    )
    assert "booking" in error(
        client.post(URL, {**base, "booking": someones_booking.pk}, format="json"), 400, "invalid"
    )
    own_draft = ListingFactory(status=ListingStatus.DRAFT, owner=sender)
    assert client.post(URL, {**base, "listing": own_draft.pk}, format="json").status_code == 201


def test_anonymous_callers_get_401_everywhere():
    message = MessageFactory()
    anonymous = client_for()

    error(anonymous.get(URL), 401, "not_authenticated")
    error(anonymous.post(URL, {"recipient": 1, "subject": "a", "content": "b"}, format="json"),
          401, "not_authenticated")  # fmt: skip
    error(anonymous.get(f"{URL}{message.pk}/"), 401, "not_authenticated")
    error(anonymous.delete(f"{URL}{message.pk}/"), 401, "not_authenticated")
    error(anonymous.get(f"{URL}unread_count/"), 401, "not_authenticated")
    for action in ("read", "archive", "report_spam"):
        error(anonymous.post(f"{URL}{message.pk}/{action}/"), 401, "not_authenticated")


def test_a_retried_send_with_an_idempotency_key_sends_once():
    sender, recipient = UserFactory(), UserFactory()
    data = {"recipient": recipient.pk, "subject": "Hi", "content": "Hello"}
    client = client_for(sender)

    first = client.post(URL, data, format="json", HTTP_IDEMPOTENCY_KEY="m-1")
    retry = client.post(URL, data, format="json", HTTP_IDEMPOTENCY_KEY="m-1")

    assert first.status_code == retry.status_code == 201 and first.json() == retry.json()
    assert Message.objects.count() == 1


# --- boxes -------------------------------------------------------------------------------


def test_boxes_and_the_unread_filter():
    me = UserFactory()
    unread = MessageFactory(recipient=me)
    read = MessageFactory(recipient=me, is_read=True, read_at=unread.created_at)
    spam = MessageFactory(recipient=me, is_spam=True)
    archived = MessageFactory(recipient=me, is_archived=True)
    MessageFactory(recipient=me, is_archived=True, is_spam=True)
    sent = MessageFactory(sender=me)
    sent_and_filed = MessageFactory(sender=me, is_archived=True)  # by its recipient, not me
    MessageFactory()  # between others
    client = client_for(me)

    assert ids(client.get(URL)) == [read.pk, unread.pk]
    assert ids(client.get(f"{URL}?box=inbox")) == [read.pk, unread.pk]
    assert ids(client.get(f"{URL}?unread=true")) == [unread.pk]
    assert ids(client.get(f"{URL}?box=sent")) == [sent_and_filed.pk, sent.pk]
    assert ids(client.get(f"{URL}?box=archived")) == [archived.pk]
    assert spam.pk not in ids(client.get(f"{URL}?box=archived&unread=true"))
    assert "box" in error(client.get(f"{URL}?box=trash"), 400, "invalid")


def test_unread_count_is_the_inbox_unread():
    me = UserFactory()
    MessageFactory.create_batch(2, recipient=me)
    MessageFactory(recipient=me, is_read=True, read_at=timezone.now())
    MessageFactory(recipient=me, is_spam=True)
    MessageFactory(recipient=me, is_archived=True)
    deleted = MessageFactory(recipient=me)
    client = client_for(me)
    client.delete(f"{URL}{deleted.pk}/")

    assert client.get(f"{URL}unread_count/").json() == {"unread": 2}
    assert client_for(UserFactory()).get(f"{URL}unread_count/").json() == {"unread": 0}


def test_both_pagination_modes():
    me = UserFactory()
    messages = MessageFactory.create_batch(3, recipient=me)

    three_rows_in_both_page_modes(client_for(me), URL, [m.pk for m in reversed(messages)])


# --- one message -------------------------------------------------------------------------


def test_only_the_parties_see_a_message_not_even_staff_through_the_api():
    message = MessageFactory()
    url = f"{URL}{message.pk}/"

    assert client_for(message.sender).get(url).json()["id"] == message.pk
    recipient_view = client_for(message.recipient).get(url).json()
    assert (recipient_view["is_archived"], recipient_view["is_spam"]) == (False, False)
    error(client_for(UserFactory()).get(url), 404, "not_found")
    error(client_for(UserFactory(staff=True)).get(url), 404, "not_found")
    error(client_for(message.sender).get(f"{URL}999999999/"), 404, "not_found")


@pytest.mark.parametrize("action", ["read", "archive", "report_spam"])
def test_recipient_actions_are_403_for_the_sender_and_404_for_others(action):
    message = MessageFactory()
    url = f"{URL}{message.pk}/{action}/"

    error(client_for(message.sender).post(url), 403, "permission_denied")
    error(client_for(UserFactory()).post(url), 404, "not_found")
    error(client_for(UserFactory(staff=True)).post(url), 404, "not_found")
    fresh = Message.objects.get(pk=message.pk)
    assert not (fresh.is_read or fresh.is_archived or fresh.is_spam)


def test_reading_is_idempotent():
    message = MessageFactory()
    recipient = client_for(message.recipient)

    first = recipient.post(f"{URL}{message.pk}/read/").json()
    again = recipient.post(f"{URL}{message.pk}/read/").json()

    assert first["is_read"] is True and first["read_at"] is not None
    assert again["read_at"] == first["read_at"]
    assert ids(recipient.get(f"{URL}?unread=true")) == []


def test_archiving_moves_a_message_from_the_inbox_to_the_archived_box():
    message = MessageFactory()
    recipient = client_for(message.recipient)

    response = recipient.post(f"{URL}{message.pk}/archive/")

    assert response.json()["is_archived"] is True
    assert ids(recipient.get(URL)) == []
    assert ids(recipient.get(f"{URL}?box=archived")) == [message.pk]
    assert ids(client_for(message.sender).get(f"{URL}?box=sent")) == [message.pk]


def test_reporting_spam_takes_it_out_of_the_inbox_for_staff_review():
    message = MessageFactory()
    recipient = client_for(message.recipient)

    response = recipient.post(f"{URL}{message.pk}/report_spam/")
    again = recipient.post(f"{URL}{message.pk}/report_spam/")

    assert response.json()["is_spam"] is True and again.status_code == 200
    assert ids(recipient.get(URL)) == []
    assert recipient.get(f"{URL}unread_count/").json() == {"unread": 0}
    reported = Message.objects.get(pk=message.pk)
    assert reported.is_spam and reported.reported_at is not None
    # The sender is not told.
    sender_view = client_for(message.sender).get(f"{URL}{message.pk}/").json()
    assert sender_view["is_spam"] is None


@pytest.mark.parametrize("party", ["sender", "recipient"])
def test_deleting_is_a_soft_delete_gone_from_the_next_request_on(party):
    message = MessageFactory()
    actor = client_for(getattr(message, party))
    other = client_for(message.recipient if party == "sender" else message.sender)
    url = f"{URL}{message.pk}/"

    assert actor.delete(url).status_code == 204
    # Each request is its own transaction: from the next one on, the message is gone.
    error(actor.get(url), 404, "not_found")
    error(other.get(url), 404, "not_found")
    error(actor.delete(url), 404, "not_found")
    assert ids(client_for(message.recipient).get(URL)) == []
    assert ids(client_for(message.sender).get(f"{URL}?box=sent")) == []
    deleted = Message.all_objects.get(pk=message.pk)
    assert deleted.deleted_at is not None and deleted.deleted_by_id == getattr(message, party).pk


def test_others_cannot_delete_a_message():
    message = MessageFactory()

    error(client_for(UserFactory()).delete(f"{URL}{message.pk}/"), 404, "not_found")
    error(client_for(UserFactory(staff=True)).delete(f"{URL}{message.pk}/"), 404, "not_found")
    assert Message.objects.filter(pk=message.pk).exists()
