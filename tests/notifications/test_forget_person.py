"""An erased person's name and e-mail address leave every other user's notification, whatever
its kind and however deep in its data (apps.notifications.services.notifications_forget_person,
jsonb_replace_strings)."""

import pytest

from apps.core.context import DbContext, db_context
from apps.notifications.models import Notification
from apps.notifications.services import notifications_forget_person
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_whole_string_values_equal_to_the_name_or_email_are_replaced_at_any_depth():
    erased, other = UserFactory(), UserFactory()
    with db_context(DbContext.system("tests")):
        own = Notification.objects.create(recipient=erased, kind="k", event_key="e:1", data={})
        nested = Notification.objects.create(
            recipient=other,
            kind="some_future_kind",
            event_key="e:2",
            data={
                "guest_name": "Ana O'Brien",
                "people": [{"email": "ANA.OBRIEN@example.com", "id": 7}, "ana o'brien"],
                "note": "Ana O'Brien will arrive late",  # a sentence, not the name: kept
                "count": 3,
            },
        )
        untouched = Notification.objects.create(
            recipient=other, kind="k", event_key="e:3", data={"guest_name": "Someone Else"}
        )

        changed = notifications_forget_person(
            recipient_id=erased.pk,
            strings=["Ana O'Brien", "ana.obrien@example.com"],
            placeholder="deleted user",
        )

        assert changed == 1
        assert not Notification.objects.filter(pk=own.pk).exists()
        assert Notification.objects.get(pk=nested.pk).data == {
            "guest_name": "deleted user",
            "people": [{"email": "deleted user", "id": 7}, "deleted user"],
            "note": "Ana O'Brien will arrive late",
            "count": 3,
        }
        assert Notification.objects.get(pk=untouched.pk).data == {"guest_name": "Someone Else"}


def test_like_wildcards_in_a_name_match_nothing_else():
    erased, other = UserFactory(), UserFactory()
    with db_context(DbContext.system("tests")):
        kept = Notification.objects.create(
            recipient=other, kind="k", event_key="e:1", data={"name": "Xavier"}
        )

        changed = notifications_forget_person(
            recipient_id=erased.pk, strings=["%", "_avier"], placeholder="deleted user"
        )

        assert changed == 0
        assert Notification.objects.get(pk=kept.pk).data == {"name": "Xavier"}
