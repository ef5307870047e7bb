import datetime as dt

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from apps.core.context import DbContext, db_context
from apps.core.models import AuditLog, SoftDeleteModel
from apps.core.soft_delete import register_purge, registered_purges
from apps.listings.models import Listing
from apps.listings.services import listing_restore, listing_soft_delete
from apps.messaging.models import Message
from apps.messaging.services import message_soft_delete
from tests.factories import BookingFactory, ListingFactory, MessageFactory, UserFactory

pytestmark = pytest.mark.django_db


def age(obj, days):
    """Pretend the object was soft-deleted `days` ago."""
    type(obj).all_objects.filter(pk=obj.pk).update(
        created_at=timezone.now() - dt.timedelta(days=days + 1),
        deleted_at=timezone.now() - dt.timedelta(days=days),
    )


def test_a_soft_deleted_listing_is_hidden_but_restorable():
    listing = ListingFactory()
    staff = UserFactory(staff=True, permissions=["listings.moderate_listing"])

    listing_soft_delete(listing=listing, actor=staff)

    assert not Listing.objects.filter(pk=listing.pk).exists()
    assert Listing.all_objects.get(pk=listing.pk).deleted_by == staff
    with db_context(DbContext().with_user(UserFactory())):  # the public
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM listings WHERE id = %s", [listing.pk])
            assert cursor.fetchone() == (0,)
    with db_context(DbContext().with_user(listing.owner)):  # its owner, to restore it
        assert Listing.all_objects.filter(pk=listing.pk).exists()
    with db_context(DbContext().with_user(staff)):
        assert Listing.all_objects.filter(pk=listing.pk).exists()

    listing_restore(listing=listing, actor=staff)
    assert Listing.objects.filter(pk=listing.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_party_soft_deletes_a_message_and_it_leaves_their_view():
    with db_context(DbContext.system("tests")):
        message = MessageFactory()
    recipient = DbContext().with_user(message.recipient)

    with db_context(recipient):
        message_soft_delete(message=message, actor=message.recipient)

    # From the next transaction on, the parties no longer see it; staff still do.
    with db_context(recipient):
        assert not Message.all_objects.filter(pk=message.pk).exists()
    with db_context(DbContext().with_user(message.sender)):
        assert not Message.all_objects.filter(pk=message.pk).exists()
    with db_context(DbContext.system("tests")):
        assert Message.all_objects.get(pk=message.pk).deleted_by == message.recipient


def test_purge_deletes_only_what_is_older_than_the_cutoff(capsys):
    old_listing, young_listing = ListingFactory(), ListingFactory()
    booked_listing = ListingFactory()
    BookingFactory(listing=booked_listing)
    old_message = MessageFactory()
    for obj, days in ((old_listing, 40), (young_listing, 5), (booked_listing, 40)):
        age(obj, days)
    age(old_message, 31)

    call_command("purge_soft_deleted", "--older-than", "30d", "--noinput", "--batch-size", "1")

    out = capsys.readouterr().out
    assert "deleted 1 listings, 1 messages" in out
    assert f"1 listings kept (still booked): [{booked_listing.pk}]" in out
    assert not Listing.all_objects.filter(pk=old_listing.pk).exists()
    assert Listing.all_objects.filter(pk=young_listing.pk).exists()
    assert Listing.all_objects.filter(pk=booked_listing.pk).exists()
    assert not Message.all_objects.filter(pk=old_message.pk).exists()
    entry = AuditLog.objects.get(table_name="listings", record_id=old_listing.pk, action="DELETE")
    assert entry.actor == "command:purge_soft_deleted"


def test_purge_dry_run_changes_nothing(capsys):
    listing = ListingFactory()
    age(listing, 40)

    call_command("purge_soft_deleted", "--older-than", "30d", "--dry-run")

    assert "would delete 1 listings" in capsys.readouterr().out
    assert Listing.all_objects.filter(pk=listing.pk).exists()


def test_purge_asks_before_deleting(monkeypatch):
    listing = ListingFactory()
    age(listing, 40)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")

    with pytest.raises(CommandError, match="cancelled"):
        call_command("purge_soft_deleted", "--older-than", "30d")
    assert Listing.all_objects.filter(pk=listing.pk).exists()


def test_purge_rejects_a_bad_duration():
    with pytest.raises(CommandError):
        call_command("purge_soft_deleted", "--older-than", "thirty days")


def test_every_soft_deletable_model_is_registered_for_the_purge():
    """Core names no model: each app registers its own. One forgotten would keep its
    soft-deleted rows forever."""
    soft_deletable = {
        model
        for model in django_apps.get_models()
        if issubclass(model, SoftDeleteModel) and not model._meta.abstract
    }

    assert {purge.model for purge in registered_purges()} == soft_deletable == {Listing, Message}
    assert [purge.name for purge in registered_purges()] == ["listings", "messages"]


def test_register_purge_refuses_a_model_without_soft_delete():
    with pytest.raises(TypeError, match="not a SoftDeleteModel"):
        register_purge(AuditLog, name="audit logs")


def test_a_listing_booked_in_any_status_is_kept_by_the_bookings_rule(capsys):
    cancelled = BookingFactory(status="cancelled")
    age(cancelled.listing, 40)

    call_command("purge_soft_deleted", "--older-than", "30d", "--noinput")

    assert f"1 listings kept (still booked): [{cancelled.listing.pk}]" in capsys.readouterr().out
    assert Listing.all_objects.filter(pk=cancelled.listing.pk).exists()
