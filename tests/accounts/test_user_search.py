"""Staff find users by part of their e-mail address or name through the user_search
projection: it follows every change to users, only user_search_ids() reads it, and
PostgreSQL refuses that function to anyone but staff and system actors."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.utils import ProgrammingError
from django.urls import reverse

from apps.accounts.models import User
from apps.accounts.selectors import user_ids_matching
from apps.core import context
from apps.core.admin_tools import SEARCH_CAP
from apps.core.context import DbContext, db_context
from apps.core.db.roles import as_owner
from tests.db import execute
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def refused_to(statement, params=()):
    """PostgreSQL refuses `statement` for lack of privilege (the savepoint keeps the test's
    transaction usable)."""
    with pytest.raises(ProgrammingError) as caught, transaction.atomic():
        execute(statement, params)
    assert caught.value.__cause__.sqlstate == "42501", caught.value
    return str(caught.value)


def ids(*words, limit=100):
    return user_ids_matching(words=list(words), limit=limit)


# --- who may search -------------------------------------------------------------------------


def test_the_runtime_role_cannot_read_the_projection_even_as_staff():
    staff = UserFactory(staff=True)
    context.apply(DbContext().with_user(staff))

    message = refused_to("SELECT user_id FROM user_search")
    assert "permission denied for table user_search" in message
    refused_to("SELECT user_id FROM user_search_source")
    refused_to("SELECT user_search_query('{x}', 10)")


@pytest.mark.parametrize("who", ["guest", "owner", "anonymous"])
def test_the_search_function_refuses_users_who_are_not_staff(who):
    user = UserFactory(email="target@example.com", owner=who == "owner")
    if who == "anonymous":
        context.apply(DbContext(tenant_id=user.tenant_id))
    else:
        context.apply(DbContext().with_user(user))

    message = refused_to("SELECT user_search_ids(ARRAY['target'], 10)")

    assert "staff and system actors only" in message


def test_an_inactive_staff_member_is_refused_too():
    former = UserFactory(staff=True, is_active=False)
    context.apply(DbContext().with_user(former))

    refused_to("SELECT user_search_ids(ARRAY['a'], 10)")


def test_staff_and_system_actors_get_ids_only():
    user = UserFactory(email="target@example.com")
    for actor in (DbContext().with_user(UserFactory(staff=True)), DbContext.system("support")):
        context.apply(actor)
        assert execute("SELECT * FROM user_search_ids(ARRAY['TARGET@'], 10)") == [(user.pk,)]


# --- the projection follows users -----------------------------------------------------------


def test_new_changed_and_deleted_users_are_followed():
    user = UserFactory(email="Anne@Example.com", name="Anne Xyloquist")
    assert ids("anne@example") == ids("xyloquist") == [user.pk]

    execute(
        "UPDATE users SET email = 'anne.m@exemple.fr', name = 'Anne Morel' WHERE id = %s",
        [user.pk],
    )
    assert ids("anne@example") == ids("xyloquist") == []
    assert ids("ANNE.M@EXEMPLE") == ids("morel") == [user.pk]

    execute("DELETE FROM profiles WHERE user_id = %s", [user.pk])
    execute("DELETE FROM users WHERE id = %s", [user.pk])
    assert ids("anne") == []


def test_a_bulk_insert_is_projected_in_one_statement():
    tenant = UserFactory().tenant
    User.objects.bulk_create(
        User(email=f"bulk{i}@example.com", name=f"Bulk {i}", tenant=tenant) for i in range(50)
    )

    assert len(ids("bulk")) == 50


@pytest.mark.django_db(transaction=True)
def test_the_projection_is_exactly_its_source():
    with db_context(DbContext.system("tests")):
        UserFactory.create_batch(5)
        User.objects.filter(email__startswith="user").update(name="Renamed")
        gone = UserFactory()
        execute("DELETE FROM profiles WHERE user_id = %s", [gone.pk])
        execute("DELETE FROM users WHERE id = %s", [gone.pk])

    with as_owner(), connection.cursor() as cursor:  # the projection is the owner's
        cursor.execute(
            "SELECT (SELECT count(*) FROM user_search), count(*) FROM"
            " ((TABLE user_search EXCEPT TABLE user_search_source)"
            " UNION ALL (TABLE user_search_source EXCEPT TABLE user_search)) AS d"
        )
        rows, differences = cursor.fetchone()
    assert (rows, differences) == (5, 0)


# --- what a search finds --------------------------------------------------------------------


def test_a_word_matches_part_of_the_address_or_the_name_case_aside():
    anne = UserFactory(email="anne.xyloquist@example.com", name="Anne Xyloquist")
    paul = UserFactory(email="paul@xyloquist-et-fils.fr", name="Paul Durand")
    UserFactory(email="zoe@example.com", name="Zoé Petit")

    assert set(ids("XYLOQUIST")) == {anne.pk, paul.pk}
    assert ids("durand") == [paul.pk]
    assert ids("nobody") == []


def test_every_word_must_match_and_a_quoted_phrase_is_one_word():
    anne = UserFactory(email="anne@example.com", name="Anne Xyloquist")
    UserFactory(email="anne.b@example.com", name="Anne Bernard")

    assert ids("anne", "xyloquist") == [anne.pk]
    assert ids("anne xyloquist") == [anne.pk]
    assert ids("xyloquist anne") == []


def test_a_word_of_one_or_two_characters_matches_the_start():
    jo = UserFactory(email="jo@example.com", name="Zed")
    named = UserFactory(email="zed@example.com", name="Jonas Zed")
    UserFactory(email="anjou@example.com", name="Anjou")

    assert set(ids("jo")) == {jo.pk, named.pk}
    assert set(ids("J")) == {jo.pk, named.pk}


def test_like_wildcards_in_a_word_are_plain_characters():
    underscore = UserFactory(email="a_b@example.com", name="Under")
    UserFactory(email="axb@example.com", name="Cross")
    UserFactory(email="percent@example.com", name="Fifty")

    assert ids("a_b") == [underscore.pk]
    assert ids("%") == []
    assert ids("50%") == []


def test_results_are_the_newest_first_and_capped():
    users = UserFactory.create_batch(5, name="Same Name")

    assert ids("same", limit=3) == [u.pk for u in reversed(users)][:3]


def test_a_word_longer_than_any_address_matches_nothing_and_eleven_words_are_refused():
    UserFactory(email="a" * 60 + "@example.com")

    assert ids("a" * 256) == []
    with pytest.raises(DatabaseError) as caught, transaction.atomic():
        ids(*["word"] * 11)
    assert caught.value.__cause__.sqlstate == "54000"


# --- the admin ------------------------------------------------------------------------------


def listed(response):
    return {user.email for user in response.context["cl"].result_list}


def test_the_admin_user_search_finds_by_address_and_name(superuser_client):
    # A surname no generated name holds (the staff user's own is random).
    UserFactory(email="anne.xyloquist@example.com", name="Anne Xyloquist", role="owner")
    UserFactory(email="paul@example.com", name="Paul Xyloquist")
    url = reverse("admin:accounts_user_changelist")

    assert listed(superuser_client.get(url, {"q": "xyloquist"})) == {
        "anne.xyloquist@example.com",
        "paul@example.com",
    }
    assert listed(superuser_client.get(url, {"q": "ANNE.XYLOQUIST@"})) == {
        "anne.xyloquist@example.com"
    }
    assert listed(superuser_client.get(url, {"q": "xyloquist", "role__exact": "owner"})) == {
        "anne.xyloquist@example.com"
    }
    assert listed(superuser_client.get(url, {"q": "nobody"})) == set()
    assert listed(superuser_client.get(url, {"q": " ".join(["w"] * 11)})) == set()


def test_the_admin_user_search_runs_as_many_queries_for_2_or_40_matches(
    superuser_client, django_assert_max_num_queries
):
    url = reverse("admin:accounts_user_changelist")
    UserFactory.create_batch(2, name="Few Matches")
    with django_assert_max_num_queries(30) as few:
        assert len(listed(superuser_client.get(url, {"q": "few"}))) == 2

    UserFactory.create_batch(40, name="Many Matches")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(listed(superuser_client.get(url, {"q": "many"}))) == 40


def test_the_admin_lists_at_most_the_search_cap_plus_one(superuser_client, monkeypatch):
    monkeypatch.setattr("apps.accounts.admin.SEARCH_CAP", 3)
    UserFactory.create_batch(6, name="Capped")

    response = superuser_client.get(reverse("admin:accounts_user_changelist"), {"q": "capped"})

    assert response.context["cl"].result_count == 4
    assert SEARCH_CAP >= 1000  # the real cap: ten admin pages


@pytest.mark.parametrize("term", ["CAMILLE", "camille", "Cam"])
def test_user_autocomplete_uses_the_same_search(superuser_client, term):
    guest = UserFactory(email="camille.guest@example.com", name="Camille")
    UserFactory(email="other@example.com", name="Other")

    response = superuser_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "bookings", "model_name": "booking", "field_name": "guest", "term": term},
    )

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(guest.pk)]


def test_a_nul_in_an_autocomplete_term_is_a_400_not_a_500(superuser_client):
    """No text PostgreSQL stores holds a NUL, and it refuses one in a query: the request is
    refused before any look-up (UnstorableInputMiddleware), like every query string."""
    response = superuser_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "bookings", "model_name": "booking", "field_name": "guest", "term": "a\x00"},
    )

    assert response.status_code == 400
