import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, HashIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.validators import MaxValueValidator, MinLengthValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length, Now
from django.db.models.lookups import GreaterThanOrEqual
from django.utils.translation import gettext_lazy as _

from apps.core.dates import HORIZON_DAYS
from apps.core.i18n import TranslatedNameMixin
from apps.core.models import SoftDeleteModel, TimeStampedModel, acting_user_field

# Text search configuration shared by the generated column and every query against it: French
# stemming after unaccent (migration 0015), so "chateau" and "château" match each other.
SEARCH_CONFIG = "french_unaccent"
# The currencies a listing may be priced in (ISO 4217).
CURRENCIES = ["EUR", "USD", "GBP", "CHF", "CAD", "MAD"]


class CategoryQuerySet(models.QuerySet):
    def with_descendants(self, category_id: int) -> "CategoryQuerySet":
        """The category and all its descendants, found by one recursive CTE."""
        return self.filter(
            id__in=models.expressions.RawSQL(
                """
                WITH RECURSIVE tree(id) AS (
                    SELECT id FROM categories WHERE id = %s
                    UNION
                    SELECT c.id FROM categories c JOIN tree t ON c.parent_id = t.id
                )
                SELECT id FROM tree
                """,
                (category_id,),
            )
        )


def names_present(table: str) -> models.CheckConstraint:
    """Reference data is named in every language of LANGUAGES, never blank in one."""
    return models.CheckConstraint(
        condition=Q(name_fr__regex=r"\S") & Q(name_en__regex=r"\S"), name=f"{table}_names_present"
    )


def names_unique(table: str) -> list[models.UniqueConstraint]:
    """No two rows share a name, in either language."""
    return [
        models.UniqueConstraint(fields=[f"name_{language}"], name=f"{table}_name_{language}_unique")
        for language in ("fr", "en")
    ]


class Category(TranslatedNameMixin, TimeStampedModel):
    """`name` is the active language's (name_fr, name_en: apps.core.i18n)."""

    name_fr = models.CharField(_("name (French)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    slug = models.SlugField(max_length=120, unique=True, verbose_name=_("slug"))
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )

    objects = CategoryQuerySet.as_manager()

    class Meta:
        db_table = "categories"
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name_fr"]
        constraints = [
            *(
                models.UniqueConstraint(
                    fields=["parent", f"name_{language}"],
                    name=f"categories_parent_name_{language}_unique",
                    nulls_distinct=False,
                )
                for language in ("fr", "en")
            ),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="categories_not_own_parent"),
            names_present("categories"),
        ]

    def __str__(self) -> str:
        return self.name


class Tag(TranslatedNameMixin, models.Model):
    name_fr = models.CharField(_("name (French)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=50)
    slug = models.SlugField(max_length=60, unique=True, verbose_name=_("slug"))
    created_at = models.DateTimeField(
        db_default=Now(), editable=False, verbose_name=_("created at")
    )

    class Meta:
        db_table = "tags"
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name_fr"]
        constraints = [*names_unique("tags"), names_present("tags")]

    def __str__(self) -> str:
        return self.name


class Amenity(TranslatedNameMixin, models.Model):
    name_fr = models.CharField(_("name (French)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    icon = models.CharField(max_length=50, verbose_name=_("icon"))
    category = models.CharField(max_length=50, verbose_name=_("category"))
    description = models.TextField(null=True, blank=True, verbose_name=_("description"))
    created_at = models.DateTimeField(
        db_default=Now(), editable=False, verbose_name=_("created at")
    )

    class Meta:
        db_table = "amenities"
        verbose_name = _("amenity")
        verbose_name_plural = _("amenities")
        ordering = ["category", "name_fr"]
        indexes = [models.Index(fields=["category"], name="amenities_category_idx")]
        constraints = [*names_unique("amenities"), names_present("amenities")]

    def __str__(self) -> str:
        return self.name


class ListingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


def coordinate_field(bound: int, **options) -> models.DecimalField:
    """An optional latitude (bound 90) or longitude (180) in degrees, to 8 decimals (~1 mm);
    the range is also a CHECK (listings_latitude_range, listings_longitude_range)."""
    return models.DecimalField(
        max_digits=len(str(bound)) + 8,
        decimal_places=8,
        null=True,
        blank=True,
        validators=[MinValueValidator(-bound), MaxValueValidator(bound)],
        **options,
    )


class CancellationPolicy(models.TextChoices):
    """What a guest gets back on cancelling (the refund rules come with cancellations); a
    booking freezes the policy of its listing at the time of booking."""

    FLEXIBLE = "flexible", _("Flexible")
    MODERATE = "moderate", _("Moderate")
    STRICT = "strict", _("Strict")


# The most a stay discount may take off, in percent (CHECK listings_*_discount_range).
MAX_DISCOUNT_PERCENT = 90
# The highest nightly price, fee or override, in cents (as price_cents' validator).
MAX_PRICE_CENTS = 100_000_000
# Bounds of a host's calendar rules (CHECKs below). A stay's nights: the database's ceiling on
# any stay (bookings.MAX_STAY).
MAX_STAY_NIGHTS = 366
MAX_ADVANCE_NOTICE_DAYS = 365
MAX_PREPARATION_DAYS = 30


class Listing(TimeStampedModel, SoftDeleteModel):
    title = models.CharField(
        max_length=200, validators=[MinLengthValidator(5)], verbose_name=_("title")
    )
    description = models.TextField(null=True, blank=True, verbose_name=_("description"))
    price_cents = models.BigIntegerField(
        validators=[MinValueValidator(100), MaxValueValidator(100_000_000)],
        verbose_name=_("price (cents)"),
    )
    currency = models.CharField(
        max_length=3, default="EUR", db_default="EUR", verbose_name=_("currency")
    )
    beds = models.SmallIntegerField(validators=[MinValueValidator(0)], verbose_name=_("beds"))
    baths = models.SmallIntegerField(validators=[MinValueValidator(0)], verbose_name=_("baths"))
    area = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Living area in m²."),
        verbose_name=_("area"),
    )
    floor = models.SmallIntegerField(null=True, blank=True, verbose_name=_("floor"))
    max_guests = models.SmallIntegerField(
        default=2, db_default=2, validators=[MinValueValidator(1)], verbose_name=_("maximum guests")
    )
    # Prices beyond the nightly one (apps/listings/pricing.py computes a stay's price).
    cleaning_fee_cents = models.BigIntegerField(
        default=0,
        db_default=0,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_PRICE_CENTS)],
        help_text=_("Charged once per stay."),
        verbose_name=_("cleaning fee (cents)"),
    )
    extra_guest_fee_cents = models.BigIntegerField(
        default=0,
        db_default=0,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_PRICE_CENTS)],
        help_text=_("Per night, for each guest above the guests included."),
        verbose_name=_("extra guest fee (cents)"),
    )
    guests_included = models.SmallIntegerField(
        default=1,
        db_default=1,
        validators=[MinValueValidator(1)],
        help_text=_("Guests the nightly price covers; at most the maximum guests."),
        verbose_name=_("guests included"),
    )
    weekly_discount_percent = models.SmallIntegerField(
        default=0,
        db_default=0,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_DISCOUNT_PERCENT)],
        help_text=_("Off stays of 7 nights or more."),
        verbose_name=_("weekly discount (%)"),
    )
    monthly_discount_percent = models.SmallIntegerField(
        default=0,
        db_default=0,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_DISCOUNT_PERCENT)],
        help_text=_("Off stays of 28 nights or more, instead of the weekly discount."),
        verbose_name=_("monthly discount (%)"),
    )
    cancellation_policy = models.CharField(
        max_length=20,
        choices=CancellationPolicy.choices,
        default=CancellationPolicy.MODERATE,
        db_default=CancellationPolicy.MODERATE,
        verbose_name=_("cancellation policy"),
    )
    # Guests' requests are confirmed at once, without waiting for the host (bookings.0013).
    instant_book = models.BooleanField(
        default=False,
        db_default=False,
        help_text=_("Bookings are confirmed at once, without the host's answer."),
        verbose_name=_("instant book"),
    )
    # The host's calendar rules (apps/listings/pricing.py: stay_problems; PostgreSQL's
    # bookings guard holds guests' bookings to them). Blocked dates and the bookings' nights
    # share one guarded calendar (bookings.CalendarEntry).
    min_nights = models.SmallIntegerField(
        default=1,
        db_default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_STAY_NIGHTS)],
        verbose_name=_("minimum nights"),
    )
    max_nights = models.SmallIntegerField(
        default=90,
        db_default=90,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_STAY_NIGHTS)],
        help_text=_("At least the minimum nights."),
        verbose_name=_("maximum nights"),
    )
    advance_notice_days = models.SmallIntegerField(
        default=0,
        db_default=0,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_ADVANCE_NOTICE_DAYS)],
        help_text=_("Days between booking and check-in: 0 takes same-day check-ins."),
        verbose_name=_("advance notice (days)"),
    )
    preparation_days = models.SmallIntegerField(
        default=0,
        db_default=0,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_PREPARATION_DAYS)],
        help_text=_("Nights kept free between two stays (set for each stay when it is booked)."),
        verbose_name=_("preparation (days)"),
    )
    booking_window_days = models.SmallIntegerField(
        default=365,
        db_default=365,
        validators=[MinValueValidator(1), MaxValueValidator(HORIZON_DAYS)],
        help_text=_("How far ahead a stay may start."),
        verbose_name=_("booking window (days)"),
    )
    latitude = coordinate_field(90, verbose_name=_("latitude"))
    longitude = coordinate_field(180, verbose_name=_("longitude"))
    status = models.CharField(
        max_length=20,
        choices=ListingStatus.choices,
        default=ListingStatus.DRAFT,
        db_default=ListingStatus.DRAFT,
        verbose_name=_("status"),
    )
    is_active = models.BooleanField(default=True, db_default=True, verbose_name=_("active"))
    slug = models.SlugField(
        max_length=250, unique=True, null=True, blank=True, verbose_name=_("slug")
    )
    meta_title = models.CharField(
        max_length=60, null=True, blank=True, verbose_name=_("meta title")
    )
    meta_description = models.CharField(
        max_length=160, null=True, blank=True, verbose_name=_("meta description")
    )
    address = models.CharField(max_length=255, null=True, blank=True, verbose_name=_("address"))
    city = models.CharField(max_length=100, null=True, blank=True, verbose_name=_("city"))

    # Kept by a trigger on reviews (visible reviews only), so sorting by rating needs no join.
    rating_avg = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
        verbose_name=_("average rating"),
    )
    review_count = models.IntegerField(
        default=0, db_default=0, editable=False, verbose_name=_("review count")
    )

    search_vector = models.GeneratedField(
        expression=SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("description", weight="B", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
        verbose_name=_("search vector"),
    )

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="listings",
        verbose_name=_("owner"),
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="listings",
        verbose_name=_("category"),
    )
    tenant = models.ForeignKey(
        "accounts.Tenant",
        on_delete=models.PROTECT,
        related_name="listings",
        verbose_name=_("tenant"),
    )
    amenities = models.ManyToManyField(
        Amenity, through="ListingAmenity", related_name="listings", verbose_name=_("amenities")
    )
    tags = models.ManyToManyField(
        Tag,
        through="ListingTag",
        through_fields=("listing", "tag"),
        related_name="listings",
        verbose_name=_("tags"),
    )

    class Meta:
        db_table = "listings"
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        permissions = [
            (
                "moderate_listing",
                "Can moderate listings: publish, archive, deactivate, delete, restore",
            )
        ]
        constraints = [
            models.CheckConstraint(condition=Q(price_cents__gt=0), name="listings_price_positive"),
            models.CheckConstraint(condition=Q(beds__gte=0), name="listings_beds_non_negative"),
            models.CheckConstraint(condition=Q(baths__gte=0), name="listings_baths_non_negative"),
            models.CheckConstraint(
                condition=Q(max_guests__gte=1), name="listings_max_guests_min_1"
            ),
            models.CheckConstraint(condition=Q(area__gt=0), name="listings_area_positive"),
            models.CheckConstraint(
                condition=Q(cleaning_fee_cents__gte=0, cleaning_fee_cents__lte=MAX_PRICE_CENTS),
                name="listings_cleaning_fee_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    extra_guest_fee_cents__gte=0, extra_guest_fee_cents__lte=MAX_PRICE_CENTS
                ),
                name="listings_extra_guest_fee_range",
            ),
            models.CheckConstraint(
                condition=Q(guests_included__gte=1), name="listings_guests_included_min_1"
            ),
            # Named to sort after listings_max_guests_min_1: PostgreSQL checks in name order,
            # and a max_guests of 0 is that rule's refusal.
            models.CheckConstraint(
                condition=Q(guests_included__lte=F("max_guests")),
                name="listings_max_guests_not_below_included",
                violation_error_message=_("Include at most the maximum guests."),
            ),
            models.CheckConstraint(
                condition=Q(
                    weekly_discount_percent__gte=0,
                    weekly_discount_percent__lte=MAX_DISCOUNT_PERCENT,
                ),
                name="listings_weekly_discount_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    monthly_discount_percent__gte=0,
                    monthly_discount_percent__lte=MAX_DISCOUNT_PERCENT,
                ),
                name="listings_monthly_discount_range",
            ),
            models.CheckConstraint(
                condition=Q(cancellation_policy__in=CancellationPolicy.values),
                name="listings_cancellation_policy_valid",
            ),
            models.CheckConstraint(
                condition=Q(min_nights__gte=1, max_nights__lte=MAX_STAY_NIGHTS)
                & Q(max_nights__gte=F("min_nights")),
                name="listings_nights_range",
                violation_error_message=_("The maximum nights are at least the minimum nights."),
            ),
            models.CheckConstraint(
                condition=Q(
                    advance_notice_days__gte=0, advance_notice_days__lte=MAX_ADVANCE_NOTICE_DAYS
                ),
                name="listings_advance_notice_range",
            ),
            models.CheckConstraint(
                condition=Q(preparation_days__gte=0, preparation_days__lte=MAX_PREPARATION_DAYS),
                name="listings_preparation_range",
            ),
            models.CheckConstraint(
                condition=Q(booking_window_days__gte=1, booking_window_days__lte=HORIZON_DAYS),
                name="listings_booking_window_range",
            ),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90), name="listings_latitude_range"
            ),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180),
                name="listings_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="listings_coordinates_both_or_neither",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ListingStatus.values), name="listings_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="listings_currency_iso_4217"
            ),
            models.CheckConstraint(
                condition=GreaterThanOrEqual(Length("title"), 5),
                name="listings_title_min_length",
            ),
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=True) | Q(deleted_at__gte=F("created_at")),
                name="listings_deleted_after_created",
            ),
        ]
        indexes = [
            # One per filter (owner_id is indexed by its foreign key): docs/design.md, "Indexes".
            models.Index(fields=["status"], name="listings_status_idx"),
            models.Index(fields=["is_active"], name="listings_is_active_idx"),
            models.Index(fields=["created_at"], name="listings_created_at_idx"),
            # Composite indexes for combined filters.
            models.Index(fields=["status", "is_active"], name="listings_status_active_idx"),
            models.Index(fields=["city", "status"], name="listings_city_status_idx"),
            models.Index(fields=["price_cents", "beds", "baths"], name="listings_price_beds_idx"),
            models.Index(
                fields=["status", "is_active", "created_at"], name="listings_status_created_idx"
            ),
            models.Index(fields=["city", "price_cents", "beds"], name="listings_city_price_idx"),
            models.Index(fields=["latitude", "longitude"], name="listings_lat_lng_idx"),
            # Exact title look-ups; a hash index is smaller than a b-tree on long text.
            HashIndex(fields=["title"], name="listings_title_hash_idx"),
            # An owner's public listings.
            models.Index(
                fields=["owner"],
                name="listings_owner_published_idx",
                condition=Q(status=ListingStatus.PUBLISHED),
            ),
            GinIndex(fields=["search_vector"], name="listings_search_gin_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def price(self) -> Decimal:
        return Decimal(self.price_cents) / 100


class ListingPriceOverride(models.Model):
    """A nightly price for the nights of [start_date, end_date) (end exclusive, like a stay's
    check-out). Overrides may overlap: on each night, the latest created wins (ties by id),
    so a host lays a new season over an old one without editing it (apps/listings/pricing.py).
    Whoever may read the listing reads its overrides; its owner (and staff) write them."""

    listing = models.ForeignKey(
        Listing,
        on_delete=models.CASCADE,
        related_name="price_overrides",
        db_index=False,  # listing_price_overrides_lookup leads with it
        verbose_name=_("listing"),
    )
    start_date = models.DateField(verbose_name=_("first night"))
    end_date = models.DateField(
        help_text=_("The day after the last night (exclusive)."), verbose_name=_("end")
    )
    price_cents = models.BigIntegerField(
        validators=[MinValueValidator(100), MaxValueValidator(MAX_PRICE_CENTS)],
        verbose_name=_("nightly price (cents)"),
    )
    created_at = models.DateTimeField(
        db_default=Now(), editable=False, verbose_name=_("created at")
    )

    class Meta:
        db_table = "listing_price_overrides"
        verbose_name = _("price override")
        verbose_name_plural = _("price overrides")
        ordering = ["listing", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")),
                name="listing_price_overrides_end_after_start",
                violation_error_message=_("The end comes after the first night."),
            ),
            # A sane range, as bookings' (the API keeps both dates within the horizon).
            models.CheckConstraint(
                condition=Q(start_date__gte=dt.date(2000, 1, 1)),
                name="listing_price_overrides_since_2000",
            ),
            models.CheckConstraint(
                condition=Q(end_date__lte=F("start_date") + dt.timedelta(days=HORIZON_DAYS)),
                name="listing_price_overrides_at_most_horizon",
            ),
            models.CheckConstraint(
                condition=Q(price_cents__gt=0, price_cents__lte=MAX_PRICE_CENTS),
                name="listing_price_overrides_price_range",
            ),
        ]
        indexes = [
            # The pricing look-up: a listing's overrides ending after a stay's check-in and
            # starting before its check-out (listing_quote). A b-tree, not a GiST on the date
            # range: under row-level security only leakproof operators reach an index, and
            # the date comparisons are, the range operators are not. end_date first: the
            # past seasons that pile up are skipped, the future ones are bounded by the
            # horizon. Its leading column serves the foreign key and the /prices/ list.
            models.Index(
                fields=["listing", "end_date", "start_date"],
                name="listing_price_overrides_lookup",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start_date}→{self.end_date}: {self.price_cents}"


# The most photos a listing holds: positions run from 0 (the cover) to MAX_PHOTOS - 1, one
# photo each (listing_photos_position_range, listing_photos_unique_position), so PostgreSQL
# holds the cap whoever writes and however many write at once.
MAX_PHOTOS = 20


class ListingPhoto(models.Model):
    """A photo of a listing, in the listing's order (position 0 is its cover): an image its
    owner uploaded (`file` in the default storage, checked and re-encoded without metadata by
    apps/listings/images.py; `thumbnails` filled by a job), or an outside `url` (imports and
    seeds). Whoever may see the listing sees its photos; its owner and staff change them."""

    listing = models.ForeignKey(
        Listing,
        on_delete=models.CASCADE,
        related_name="photo_set",
        db_index=False,  # listing_photos_unique_position leads with it
        verbose_name=_("listing"),
    )
    position = models.SmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(MAX_PHOTOS - 1)],
        help_text=_("0 is the cover."),
        verbose_name=_("position"),
    )
    file = models.FileField(
        max_length=255, null=True, blank=True, upload_to="listings/", verbose_name=_("file")
    )
    url = models.URLField(max_length=500, null=True, blank=True, verbose_name=_("URL"))
    width = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("width"))
    height = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("height"))
    # {"320": storage name, "960": storage name}: empty until the thumbnail job has run.
    thumbnails = models.JSONField(
        default=dict, db_default={}, blank=True, editable=False, verbose_name=_("thumbnails")
    )
    created_at = models.DateTimeField(
        db_default=Now(), editable=False, verbose_name=_("created at")
    )

    class Meta:
        db_table = "listing_photos"
        verbose_name = _("listing photo")
        verbose_name_plural = _("listing photos")
        ordering = ["listing", "position"]
        constraints = [
            # Checked at the end of each statement, not each row: a reorder is one UPDATE
            # that moves every photo at once.
            models.UniqueConstraint(
                fields=["listing", "position"],
                name="listing_photos_unique_position",
                deferrable=models.Deferrable.IMMEDIATE,
            ),
            models.CheckConstraint(
                condition=Q(position__gte=0, position__lt=MAX_PHOTOS),
                name="listing_photos_position_range",
                violation_error_message=_("A listing holds at most 20 photos."),
            ),
            # A file or a URL, never both ("" is Django's empty file name).
            models.CheckConstraint(
                condition=(Q(url__isnull=True) & Q(file__isnull=False) & ~Q(file=""))
                | (Q(url__isnull=False) & (Q(file__isnull=True) | Q(file=""))),
                name="listing_photos_file_or_url",
            ),
            models.CheckConstraint(
                condition=Q(url__isnull=False)
                | Q(
                    width__isnull=False,
                    height__isnull=False,
                    width__gt=0,
                    height__gt=0,
                    width__lte=40_000,
                    height__lte=40_000,
                ),
                name="listing_photos_file_dimensions",
            ),
        ]

    def __str__(self) -> str:
        return f"photo {self.position + 1} of {self.listing}"


class ListingTag(models.Model):
    listing = models.ForeignKey(
        Listing, on_delete=models.CASCADE, related_name="listing_tags", verbose_name=_("listing")
    )
    tag = models.ForeignKey(
        Tag, on_delete=models.CASCADE, related_name="listing_tags", verbose_name=_("tag")
    )
    added_at = models.DateTimeField(db_default=Now(), editable=False, verbose_name=_("added at"))
    added_by = acting_user_field(verbose_name=_("added by"))

    class Meta:
        db_table = "listing_tags"
        verbose_name = _("listing tag")
        verbose_name_plural = _("listing tags")
        constraints = [
            models.UniqueConstraint(fields=["listing", "tag"], name="listing_tags_unique_pair")
        ]

    def __str__(self) -> str:
        # Names, not ids: the listing's page labels each inline row with it.
        return f"{self.tag} on {self.listing}"


class ListingAmenity(models.Model):
    listing = models.ForeignKey(
        Listing,
        on_delete=models.CASCADE,
        related_name="listing_amenities",
        verbose_name=_("listing"),
    )
    amenity = models.ForeignKey(
        Amenity,
        on_delete=models.CASCADE,
        related_name="listing_amenities",
        verbose_name=_("amenity"),
    )

    class Meta:
        db_table = "listing_amenities"
        verbose_name = _("listing amenity")
        verbose_name_plural = _("listing amenities")
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "amenity"], name="listing_amenities_unique_pair"
            )
        ]

    def __str__(self) -> str:
        return f"{self.amenity} in {self.listing}"


class ListingVersion(models.Model):
    listing = models.ForeignKey(
        Listing, on_delete=models.CASCADE, related_name="versions", verbose_name=_("listing")
    )
    version = models.PositiveIntegerField(verbose_name=_("version"))
    title = models.CharField(max_length=200, verbose_name=_("title"))
    description = models.TextField(null=True, blank=True, verbose_name=_("description"))
    price_cents = models.BigIntegerField(verbose_name=_("price (cents)"))
    created_at = models.DateTimeField(
        db_default=Now(), editable=False, verbose_name=_("created at")
    )
    created_by = acting_user_field(verbose_name=_("created by"))

    class Meta:
        db_table = "listing_versions"
        verbose_name = _("listing version")
        verbose_name_plural = _("listing versions")
        ordering = ["listing", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "version"], name="listing_versions_unique_version"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="listing_versions_from_1"),
        ]

    def __str__(self) -> str:
        return f"v{self.version}: {self.title}"


class ListingSearch(models.Model):
    """The public search projection (migrations 0006, 0009): one row per published, active,
    not deleted listing, with what the search filters and sorts on. No row-level security —
    it holds nothing that is not public — so its indexes serve every search shape, and a page
    is chosen here before the listings themselves are read by primary key, under RLS.
    Written only by the trigger on listings (and the bulk seeder); read-only to the app."""

    listing = models.OneToOneField(
        Listing,
        on_delete=models.DO_NOTHING,
        primary_key=True,
        related_name="+",
        verbose_name=_("listing"),
    )
    tenant_id = models.BigIntegerField(verbose_name=_("tenant ID"))
    search_vector = SearchVectorField(verbose_name=_("search vector"))
    longitude = models.FloatField(null=True, verbose_name=_("longitude"))
    latitude = models.FloatField(null=True, verbose_name=_("latitude"))
    city = models.CharField(max_length=100, null=True, verbose_name=_("city"))
    price_cents = models.BigIntegerField(verbose_name=_("price (cents)"))
    beds = models.SmallIntegerField(verbose_name=_("beds"))
    baths = models.SmallIntegerField(verbose_name=_("baths"))
    max_guests = models.SmallIntegerField(verbose_name=_("maximum guests"))
    category_id = models.BigIntegerField(null=True, verbose_name=_("category ID"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    # COALESCE(rating_avg, 0): unrated listings sort last under -rating, and the order has no
    # NULLs for the keyset cursor.
    rating_sort = models.DecimalField(max_digits=3, decimal_places=2, verbose_name=_("rating sort"))
    # A price range compares listings priced in the requested currency only (migration 0015).
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    # The host's stay rules (migration 0023): a search with dates keeps the listings that take
    # its stay, compared as bare columns (apps/listings/selectors.py, apply_search_filters).
    min_nights = models.SmallIntegerField(verbose_name=_("minimum nights"))
    max_nights = models.SmallIntegerField(verbose_name=_("maximum nights"))
    advance_notice_days = models.SmallIntegerField(verbose_name=_("advance notice (days)"))
    booking_window_days = models.SmallIntegerField(verbose_name=_("booking window (days)"))

    class Meta:
        managed = False
        db_table = "listing_search"
        verbose_name = "listing search row"

    def __str__(self) -> str:
        return f"search row of listing {self.listing_id}"
