"""Look-ups by e-mail and staff searches use an index as the runtime role, under row-level
security, in the context each really runs in — on tables large enough (50,000 users, 20,000
bookings) for the planner to prefer an index to a scan. Plans are checked, not timed."""

import pytest
from django.contrib.admin.sites import site
from django.db import connection
from django.test import RequestFactory

from apps.accounts.models import User
from apps.bookings.models import Booking
from apps.core.context import DbContext, db_context
from apps.core.db.roles import as_owner
from tests.db import assert_plans_use
from tests.factories import ListingFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

USERS, BOOKINGS, LISTINGS = 50_000, 20_000, 20


def fetch(statement, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)  # no parameters: a % in the text is a character
        return cursor.fetchall()


def explain(statement, params=None) -> str:
    return "\n".join(line for (line,) in fetch(f"EXPLAIN {statement}", params))


@pytest.fixture
def many_users():
    """person1..person50000@example.test (person1 the newest), and 1,000 guests with 20
    completed stays each, written with generate_series as a system actor, then analysed."""
    with db_context(DbContext.system("tests")):
        owner = UserFactory(owner=True)
        listings = [listing.pk for listing in ListingFactory.create_batch(LISTINGS, owner=owner)]
    with as_owner(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.actor', 'system:tests', false)")
        cursor.execute(
            "INSERT INTO users (password, is_superuser, email, name, role, tenant_id,"
            " created_at, updated_at)"
            " SELECT '', false, 'person' || g || '@example.test', 'Person ' || g, 'guest', %s,"
            " now() - g * interval '1 minute', now() FROM generate_series(1, %s) g",
            [owner.tenant_id, USERS],
        )
        cursor.execute(
            "INSERT INTO bookings (created_at, updated_at, listing_id, guest_id, tenant_id,"
            " check_in, check_out, status, total_cents, currency, quote)"
            " SELECT now(), now(), (%s::bigint[])[1 + g %% %s],"
            "  (SELECT id FROM users"
            "   WHERE email_key = 'PERSON' || 1 + g %% 1000 || '@EXAMPLE.TEST'),"
            "  %s, date '2024-01-01' + g %% 700, date '2024-01-03' + g %% 700, 'completed',"
            '  10000, \'EUR\', \'{"total_cents": 10000, "currency": "EUR"}\''
            " FROM generate_series(1, %s) g",
            [listings, LISTINGS, owner.tenant_id, BOOKINGS],
        )
        for table in ("users", "user_search", "bookings"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    assert fetch("SELECT current_user") == [("app_user",)]  # what every plan below runs as
    return owner


def test_the_login_look_up_reads_the_unique_index_as_system_auth(many_users):
    with db_context(DbContext.system("auth")):
        plan = User.objects.filter(email__iexact="PERSON4242@example.TEST").explain()
        general_form = explain(
            "SELECT id FROM users WHERE UPPER(email) = UPPER(%s)", ["person4242@example.test"]
        )
        [(found,)] = fetch(
            "SELECT count(*) FROM users WHERE email_key = UPPER(%s)", ["Person4242@Example.test"]
        )

    assert found == 1
    assert "Index Scan using users_email_ci_unique" in plan, plan
    # Why the column exists: Django's own form of the same look-up reads every user.
    assert "Seq Scan on users" in general_form, general_form


def test_the_sign_up_duplicate_check_reads_the_index_as_an_anonymous_visitor(many_users):
    with db_context(DbContext(tenant_id=many_users.tenant_id)):
        plan = User.objects.filter(email__iexact="person77@example.test").explain()
        taken = User.objects.filter(email__iexact="PERSON77@example.test").exists()

    assert taken
    assert "users_email_ci_unique" in plan, plan
    assert "Seq Scan" not in plan, plan


def _admin_search(model, term, user):
    request = RequestFactory().get("/", {"q": term})
    request.user = user
    model_admin = site._registry[model]
    queryset, _ = model_admin.get_search_results(request, model_admin.get_queryset(request), term)
    return queryset


def test_staff_searches_read_indexes_in_a_staff_context(many_users):
    with db_context(DbContext.system("tests")):
        staff = UserFactory(staff=True, is_superuser=True)
    with db_context(DbContext().with_user(staff)):
        users_found = _admin_search(User, "person4242", staff)
        user_ids = sorted(users_found.values_list("pk", flat=True))
        users_page = users_found.order_by("-created_at")[:100].explain()
        by_email = _admin_search(Booking, "Person7@Example.test", staff)
        guest_bookings = by_email.count()
        booking = Booking.objects.order_by("pk").first()
        by_id = _admin_search(Booking, str(booking.pk), staff)
        plans = {
            # The audit log's filter of staff (apps/core/admin.py, StaffFilter).
            "staff by e-mail": User.objects.filter(is_staff=True).order_by("email")[:200].explain(),
            "booking by e-mail": by_email.explain(),
            "booking by id": by_id.explain(),
            "users page": users_page,
        }
        found_by_id = set(by_id.values_list("pk", flat=True))
        expected_ids = sorted(
            User.objects.filter(email__startswith="person4242").values_list("pk", flat=True)
        )
    with as_owner():
        [(query,)] = fetch("SELECT user_search_query(ARRAY['person4242'], 1001)")
        [(short_query,)] = fetch("SELECT user_search_query(ARRAY['pe'], 1001)")
        plans["words in user_search"] = explain(query)
        plans["short word in user_search"] = explain(short_query)

    assert len(user_ids) == 11 and user_ids == expected_ids  # person4242, person42420-9
    assert guest_bookings == BOOKINGS // 1000
    assert booking.pk in found_by_id
    assert_plans_use(
        plans,
        {
            "words in user_search": "user_search_email_trgm_idx",
            "users page": "users_pkey",
            "booking by e-mail": "users_email_ci_unique",
            "booking by id": "bookings_pkey",
            "staff by e-mail": "users_staff_email_idx",
        },
    )
    # Then the guest's bookings by an index on guest_id (the foreign key's or the composite).
    assert "Index Cond: (guest_id = users.id)" in plans["booking by e-mail"], plans
    # "pe" starts every e-mail and name here: checked along the newest-first index instead.
    assert "user_search_recent_idx" in plans["short word in user_search"]
    for name, plan in plans.items():
        # The searched tables (the policies' sub-plans may scan a test-sized listings table).
        for table in ("users", "bookings", "user_search"):
            assert f"Seq Scan on {table} " not in plan, (name, plan)
