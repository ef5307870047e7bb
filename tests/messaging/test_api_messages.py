import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.messaging.models import Message
from tests.factories import ListingFactory, MessageFactory, TenantFactory, UserFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/messages/"


def ids(response):
    return [m["id"] for m in response.json()["results"]]


def test_send_a_message_about_a_listing():
    sender, recipient = UserFactory(), UserFactory()
    listing = ListingFactory()

    response = client_for(sender).post(
        URL,
        {
            "recipient": recipient.pk,
            "subject": "Hello",
            "content": "Is it free?",
            "listing": listing.pk,
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["sender"]["id"], body["recipient"]["id"], body["listing"]) == (
        sender.pk,
        recipient.pk,
        listing.pk,
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"subject": ""}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"content": ""}, "content"),
        ({"attachments": ["ftp://x.example/a"]}, "attachments"),
        ({"recipient": 999_999}, "recipient"),
        ({"is_spam": True}, "is_spam"),
        ({"sender": 1}, "sender"),
    ],
)
def test_bad_messages_answer_400(change, field):
    sender, recipient = UserFactory(), UserFactory()
    data = {"recipient": recipient.pk, "subject": "Hi", "content": "Hello", **change}

    response = client_for(sender).post(URL, data, format="json")

    assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert not Message.all_objects.exists()


def test_no_message_to_oneself_or_to_another_tenant():
    sender = UserFactory()
    foreigner = UserFactory(tenant=TenantFactory())
    for recipient in (sender, foreigner):
        response = client_for(sender).post(
            URL, {"recipient": recipient.pk, "subject": "a", "content": "b"}, format="json"
        )
        assert response.status_code == 400 and "recipient" in response.json()["error"]["fields"]


def test_boxes_unread_and_count():
    me = UserFactory()
    unread = MessageFactory(recipient=me)
    read = MessageFactory(recipient=me, is_read=True, read_at=unread.created_at)
    spam = MessageFactory(recipient=me, is_spam=True)
    archived = MessageFactory(recipient=me, is_archived=True)
    sent = MessageFactory(sender=me)
    client = client_for(me)

    assert set(ids(client.get(URL))) == {unread.pk, read.pk}
    assert ids(client.get(f"{URL}?unread=true")) == [unread.pk]
    assert ids(client.get(f"{URL}?box=sent")) == [sent.pk]
    assert ids(client.get(f"{URL}?box=archived")) == [archived.pk]
    assert client.get(f"{URL}unread_count/").json() == {"unread": 1}
    assert spam.pk not in ids(client.get(URL))
    assert client.get(f"{URL}?box=trash").status_code == 400


def test_only_the_parties_see_a_message():
    message = MessageFactory()

    assert client_for(UserFactory()).get(f"{URL}{message.pk}/").status_code == 404
    assert client_for(message.sender).get(f"{URL}{message.pk}/").status_code == 200
    assert client_for(message.recipient).get(f"{URL}{message.pk}/").status_code == 200


def test_read_archive_and_report_spam():
    message = MessageFactory()
    recipient, sender = client_for(message.recipient), client_for(message.sender)
    url = f"{URL}{message.pk}/"

    assert sender.post(f"{url}read/").status_code == 403
    assert recipient.post(f"{url}read/").json()["is_read"] is True
    assert recipient.post(f"{url}report_spam/").json()["is_spam"] is True
    assert message.pk not in ids(recipient.get(URL))
    assert Message.objects.get(pk=message.pk).reported_at is not None
    assert sender.post(f"{url}archive/").json()["is_archived"] is True


def test_deleting_is_a_soft_delete_the_next_request_no_longer_sees():
    message = MessageFactory()
    client = client_for(message.recipient)

    assert client.delete(f"{URL}{message.pk}/").status_code == 204
    assert Message.all_objects.get(pk=message.pk).deleted_at is not None
    assert client.get(URL).json()["results"] == []


def test_a_page_of_1_and_of_100_cost_the_same_queries():
    me = UserFactory()
    for _ in range(100):
        MessageFactory(recipient=me)
    client = client_for(me)
    client.get(URL)
    counts = []
    for size in (1, 100):
        with CaptureQueriesContext(connection) as queries:
            assert len(client.get(f"{URL}?page_size={size}").json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
