"""Every write to wishlists goes through here. Each acts as the list's owner: row-level
security lets nobody else, staff included, write a wishlist (docs/security.md)."""

import psycopg
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.actors import require_signed_in
from apps.core.errors import NotFound, PermissionDenied
from apps.listings.selectors import listing_public_queryset
from apps.wishlists.errors import TooManyWishlists, WishlistFull, WishlistNameTaken
from apps.wishlists.models import MAX_NAME_LENGTH, Wishlist, WishlistItem

NAME_CONSTRAINT = "wishlists_owner_name_unique"
LISTS_CAP_CONSTRAINT = "wishlists_max_per_owner"
ITEMS_CAP_CONSTRAINT = "wishlist_items_max_per_wishlist"


def _violated(exc: IntegrityError, error: type[psycopg.Error], constraint: str) -> bool:
    cause = exc.__cause__
    return isinstance(cause, error) and cause.diag.constraint_name == constraint


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Name the wishlist.")})
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError({"name": _("At most %(max)d characters.") % {"max": MAX_NAME_LENGTH}})
    return name


def _require_owner(wishlist: Wishlist, actor: User) -> None:
    if wishlist.owner_id != actor.pk:
        raise PermissionDenied(_("Only the wishlist's owner changes it."))


def _save_name(save):
    """Runs `save` in a savepoint; a name the owner already uses (in any case) is a 409 naming
    the field, the list cap a 409 of its own — both decided by PostgreSQL, races included."""
    try:
        with transaction.atomic():
            return save()
    except IntegrityError as exc:
        if _violated(exc, psycopg.errors.UniqueViolation, NAME_CONSTRAINT):
            raise WishlistNameTaken() from exc
        if _violated(exc, psycopg.errors.CheckViolation, LISTS_CAP_CONSTRAINT):
            raise TooManyWishlists() from exc
        raise


@transaction.atomic
def wishlist_create(*, name: str, actor: User) -> Wishlist:
    """A new, empty list of the actor's, in their tenant."""
    require_signed_in(actor)
    name = _clean_name(name)
    return _save_name(
        lambda: Wishlist.objects.create(name=name, owner=actor, tenant_id=actor.tenant_id)
    )


@transaction.atomic
def wishlist_rename(*, wishlist: Wishlist, name: str, actor: User) -> Wishlist:
    _require_owner(wishlist, actor)
    name = _clean_name(name)
    if name != wishlist.name:
        wishlist.name = name

        def save():
            wishlist.save(update_fields=["name", "updated_at"])
            return wishlist

        _save_name(save)
    return wishlist


@transaction.atomic
def wishlist_delete(*, wishlist: Wishlist, actor: User) -> None:
    """The list and what it holds go for good (nothing else points at them)."""
    _require_owner(wishlist, actor)
    WishlistItem.objects.filter(wishlist=wishlist).delete()
    wishlist.delete()


@transaction.atomic
def wishlist_add_listing(*, wishlist: Wishlist, listing_id: int, actor: User) -> tuple[bool, int]:
    """Saves a public listing in the list: (whether it was new, the listing's id). Saving it
    again changes nothing (idempotent: the API answers 200 instead of 201). A listing that is
    not public (draft, archived, deactivated, deleted, another tenant's) is a 404 whoever owns
    it: a list shows only public listings. PostgreSQL checks the same (policy
    wishlist_items_owner_add) and caps the list (WishlistFull)."""
    _require_owner(wishlist, actor)
    if not listing_public_queryset().filter(pk=listing_id).exists():
        raise NotFound(_("No published listing with this id."))
    try:
        with transaction.atomic():
            _item, created = WishlistItem.objects.get_or_create(
                wishlist=wishlist, listing_id=listing_id, defaults={"owner_id": actor.pk}
            )
    except IntegrityError as exc:
        if _violated(exc, psycopg.errors.CheckViolation, ITEMS_CAP_CONSTRAINT):
            raise WishlistFull() from exc
        raise
    return created, listing_id


@transaction.atomic
def wishlist_remove_listing(*, wishlist: Wishlist, listing_id: int, actor: User) -> None:
    """Removes a listing from the list; one it does not hold is a 404."""
    _require_owner(wishlist, actor)
    deleted, _ignored = WishlistItem.objects.filter(
        wishlist=wishlist, listing_id=listing_id
    ).delete()
    if not deleted:
        raise NotFound(_("This wishlist does not hold this listing."))


def wishlists_erase(*, user: User) -> int:
    """An erased account's lists go (their names may say anything about them): how many."""
    WishlistItem.objects.filter(owner=user).delete()
    _total, deleted = Wishlist.objects.filter(owner=user).delete()
    return deleted.get(Wishlist._meta.label, 0)
