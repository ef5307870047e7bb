"""The inbox's queries use their indexes as the runtime role, under row-level security, on a
table large enough for the planner to prefer an index to a scan (20,000 notifications of 100
users, 1 in 20 unread): the inbox page reads notifications_inbox in order, unread=true and the
unread count the partial notifications_unread (no scan of the user's read rows)."""

import pytest

from apps.notifications.selectors import notification_inbox, notification_unread_count
from tests.db import acting_as, as_table_owner, assert_plans_use, execute
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

USERS, EACH = 100, 200


def test_the_inbox_and_its_unread_filter_use_their_indexes():
    users = UserFactory.create_batch(3)
    execute(
        "INSERT INTO users (password, is_superuser, email, name, role, tenant_id, created_at,"
        " updated_at) SELECT '', false, 'inbox' || g || '@example.test', 'U', 'guest', %s,"
        " now(), now() FROM generate_series(1, %s) g",
        [users[0].tenant_id, USERS],
    )
    execute(
        "INSERT INTO notifications (recipient_id, kind, event_key, data, created_at, read_at)"
        " SELECT u.id, 'booking_confirmed', 'plan:' || n, '{}',"
        " now() - n * interval '1 minute', CASE WHEN n %% 20 = 0 THEN NULL ELSE now() END"
        " FROM users u CROSS JOIN generate_series(1, %s) n",
        [EACH],
    )
    with as_table_owner():
        execute("ANALYZE notifications")
    user = users[0]

    with acting_as(user):
        page = notification_inbox(user=user).order_by("-created_at", "-id")[:21]
        unread = notification_inbox(user=user, unread=True).order_by("-created_at", "-id")[:21]
        plans = {"inbox": page.explain(), "unread": unread.explain()}
        count_plan = notification_inbox(user=user, unread=True).order_by().explain()
        assert notification_unread_count(user=user) == EACH // 20

    assert_plans_use(plans, {"inbox": "notifications_inbox"}, unsorted=True)
    # The few unread rows: read from the partial index (the planner may sort ten rows).
    assert_plans_use(plans, {"unread": "notifications_unread"})
    assert "notifications_unread" in count_plan, count_plan
