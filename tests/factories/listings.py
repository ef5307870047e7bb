from decimal import Decimal

import factory
from django.utils.text import slugify

from apps.accounts.models import UserRole
from apps.core.dates import HORIZON_DAYS
from apps.listings.models import Amenity, Category, Listing, ListingPhoto, ListingStatus, Tag
from tests.factories.accounts import UserFactory


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    class Params:
        name = factory.Sequence(lambda n: f"Category {n}")  # both languages' unless given

    name_fr = factory.SelfAttribute("name")
    name_en = factory.SelfAttribute("name")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    parent = None


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    class Params:
        name = factory.Sequence(lambda n: f"tag {n}")

    name_fr = factory.SelfAttribute("name")
    name_en = factory.SelfAttribute("name")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class AmenityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Amenity

    class Params:
        name = factory.Sequence(lambda n: f"Amenity {n}")

    name_fr = factory.SelfAttribute("name")
    name_en = factory.SelfAttribute("name")
    icon = "star"
    category = "comfort"


class ListingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Listing
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Charming flat number {n}")
    description = factory.Faker("paragraph")
    price_cents = 12_000
    beds = 2
    baths = 1
    max_guests = 4
    city = "Paris"
    address = factory.Faker("street_address")
    latitude = Decimal("48.85661400")
    longitude = Decimal("2.35222190")
    status = ListingStatus.PUBLISHED
    owner = factory.SubFactory(UserFactory, role=UserRole.OWNER)
    tenant = factory.SelfAttribute("owner.tenant")
    # Tests book stays years ahead (2031): the listing takes them (the model's default is a
    # year; tests of the window set their own).
    booking_window_days = HORIZON_DAYS

    class Params:
        draft = factory.Trait(status=ListingStatus.DRAFT)

    @factory.post_generation
    def photos(listing, create, urls, **kwargs):
        """ListingFactory(photos=[...]): the listing's outside photos, in order (default:
        one); none on a built (unsaved) listing."""
        if not create:
            return
        urls = ["https://img.example.com/1.jpg"] if urls is None else urls
        ListingPhoto.objects.bulk_create(
            ListingPhoto(listing=listing, position=i, url=url) for i, url in enumerate(urls)
        )


def listings_of(owner, n: int, each=lambda i: {}, **fields) -> list[Listing]:
    """n listings of `owner` in one INSERT, the i-th with `fields` and `each(i)`'s fields
    (bulk_create leaves generated columns, such as search_vector, to PostgreSQL)."""
    listings = Listing.objects.bulk_create(
        ListingFactory.build(owner=owner, tenant=owner.tenant, **fields, **each(i))
        for i in range(n)
    )
    ListingPhoto.objects.bulk_create(
        ListingPhoto(listing=x, position=0, url="https://img.example.com/1.jpg") for x in listings
    )
    return listings


def many_listings(owner, n=100, **fields):
    """n listings of `owner` with an amenity and a tag each, inserted in a few statements."""
    listings = listings_of(owner, n, **fields)
    amenity, tag = AmenityFactory(), TagFactory()
    for through, value in (
        (Listing.amenities.through, {"amenity": amenity}),
        (Listing.tags.through, {"tag": tag}),
    ):
        through.objects.bulk_create(through(listing=x, **value) for x in listings)
    return listings
