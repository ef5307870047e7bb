from decimal import Decimal

from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api.serializers import (
    BoundedListField,
    HttpUrlField,
    PrimaryKeyListField,
    RejectUnknownFieldsMixin,
)
from apps.core.dates import HORIZON_DAYS, validate_query_date
from apps.listings.models import (
    CURRENCIES,
    MAX_ADVANCE_NOTICE_DAYS,
    MAX_DISCOUNT_PERCENT,
    MAX_PHOTOS,
    MAX_PREPARATION_DAYS,
    MAX_PRICE_CENTS,
    MAX_STAY_NIGHTS,
    Amenity,
    CancellationPolicy,
    Category,
    Listing,
    ListingPhoto,
    ListingPriceOverride,
    ListingVersion,
    Tag,
)
from apps.listings.pricing import MAX_QUOTE_NIGHTS
from apps.listings.selectors import distance_km
from apps.listings.services import MAX_AMENITIES, MAX_TAGS


class OwnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


# Categories, amenities and tags are named in both languages (name_fr, name_en); the API shows
# one `name`, the request's language's (docs/setup.md, "Languages").
NAME_HELP = "In the request's language: the user's preferences.language, else Accept-Language."


def name_field() -> serializers.CharField:
    return serializers.CharField(read_only=True, help_text=NAME_HELP)


class CategoryBriefSerializer(serializers.ModelSerializer):
    name = name_field()

    class Meta:
        model = Category
        fields = ["id", "name", "slug"]


class AmenitySerializer(serializers.ModelSerializer):
    name = name_field()

    class Meta:
        model = Amenity
        fields = ["id", "name", "icon", "category"]


class TagSerializer(serializers.ModelSerializer):
    name = name_field()

    class Meta:
        model = Tag
        fields = ["id", "name", "slug"]


class CategoryTreeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text=NAME_HELP)
    slug = serializers.CharField()
    parent_id = serializers.IntegerField(allow_null=True)
    children = serializers.ListField(child=serializers.DictField())


class ListingCardSerializer(serializers.ModelSerializer):
    """A search result."""

    owner = OwnerSerializer()
    category = CategoryBriefSerializer(allow_null=True)
    amenities = AmenitySerializer(many=True)
    tags = TagSerializer(many=True)
    photo = serializers.SerializerMethodField()
    saved = serializers.BooleanField(
        help_text="Whether one of the caller's wishlists holds the listing; always false for "
        "an anonymous caller."
    )

    distance_km = serializers.FloatField(
        required=False,
        help_text="Only in a search around a point (lat, lng, radius_km): the great-circle "
        "distance from that point, in kilometres (to the metre).",
    )

    class Meta:
        model = Listing
        fields = [
            "id", "title", "price_cents", "currency", "city", "beds", "baths", "max_guests",
            "latitude", "longitude", "photo", "rating_avg", "review_count", "owner", "category",
            "amenities", "tags", "created_at", "saved", "distance_km",
        ]  # fmt: skip
        read_only_fields = fields

    def get_photo(self, listing) -> str | None:
        return None  # for the schema: to_representation serves the rows

    def to_representation(self, row):
        # The hot path of every read: a plain dict from a selector's row (selectors.CARD_FIELDS
        # and relations()), same fields and formats as the declared ones — DRF's field-by-field
        # machinery and model instances cost more than the query.
        return listing_card(row)


def listing_card(row: dict, *, chord: float | None = None) -> dict:
    """A search card, from a selectors.listing_card_rows() row; with `distance_km` when the
    search is around a point (`chord`: selectors.Near)."""
    card = {**_listing_summary(row), "saved": row["saved"]}
    if chord is not None:
        card["distance_km"] = distance_km(chord)
    return card


def _listing_summary(row: dict) -> dict:
    category_id = row["category_id"]
    return {
        "id": row["id"],
        "title": row["title"],
        "price_cents": row["price_cents"],
        "currency": row["currency"],
        "city": row["city"],
        "beds": row["beds"],
        "baths": row["baths"],
        "max_guests": row["max_guests"],
        "latitude": _decimal(row["latitude"]),
        "longitude": _decimal(row["longitude"]),
        "photo": photo_url(row["relations"]["photos"][0]) if row["relations"]["photos"] else None,
        "rating_avg": _decimal(row["rating_avg"]),
        "review_count": row["review_count"],
        "owner": {"id": row["owner_id"], "name": row["owner_name"]},
        "category": (
            {"id": category_id, "name": row["category_name"], "slug": row["category_slug"]}
            if category_id is not None
            else None
        ),
        "amenities": row["relations"]["amenities"],
        "tags": row["relations"]["tags"],
        "created_at": _datetime(row["created_at"]),
    }


# A listing's prices beyond the nightly one (apps/listings/pricing.py), and its calendar
# rules (stay_problems; PostgreSQL's bookings guard).
PRICING_FIELDS = (
    "cleaning_fee_cents", "extra_guest_fee_cents", "guests_included", "weekly_discount_percent",
    "monthly_discount_percent", "cancellation_policy", "instant_book",
    "min_nights", "max_nights", "advance_notice_days", "preparation_days", "booking_window_days",
)  # fmt: skip


def listing_whole(row: dict) -> dict:
    return {
        **_listing_summary(row),
        **{name: row[name] for name in PRICING_FIELDS},
        "description": row["description"],
        "area": _decimal(row["area"]),
        "floor": row["floor"],
        "address": row["address"],
        "photos": [photo_url(photo) for photo in row["relations"]["photos"]],
        "status": row["status"],
        "is_active": row["is_active"],
        "slug": row["slug"],
        "meta_title": row["meta_title"],
        "meta_description": row["meta_description"],
        "updated_at": _datetime(row["updated_at"]),
        "deleted_at": None if row["deleted_at"] is None else _datetime(row["deleted_at"]),
    }


def photo_url(photo: dict) -> str:
    """A photo of listing_relations(): its outside URL, or its file's in the storage."""
    return photo["url"] or default_storage.url(photo["file"])


def _decimal(value) -> float | None:
    # A JSON number, as DRF renders a DecimalField (COERCE_DECIMAL_TO_STRING is off): the
    # columns hold at most 10 significant digits, which a double keeps exactly in print.
    return None if value is None else float(value)


def _datetime(value) -> str:
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class ListingSerializer(ListingCardSerializer):
    """A whole listing, from a selectors.listing_rows() row."""

    photos = serializers.ListField(
        child=serializers.CharField(),
        help_text="Its photos' URLs, cover first: absolute, or a path on this site for "
        "uploads in its own storage (GET /listings/{id}/photos/ has their ids, sizes and "
        "thumbnails).",
    )

    class Meta:
        model = Listing
        fields = [
            "id", "title", "description", "price_cents", "currency", "beds", "baths", "area",
            "floor", "max_guests", "latitude", "longitude", "address", "city", "photos", "photo",
            "status", "is_active", "slug", "meta_title", "meta_description", "rating_avg",
            "review_count", "owner", "category", "amenities", "tags", "created_at", "updated_at",
            "deleted_at", *PRICING_FIELDS,
        ]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, row):
        return listing_whole(row)


class ListingWriteSerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    """What an owner may set. Everything else (owner, status, tenant, ratings, ids,
    timestamps) belongs to the server."""

    title = serializers.CharField(min_length=5, max_length=200)
    description = serializers.CharField(
        max_length=2000, allow_blank=True, allow_null=True, required=False
    )
    price_cents = serializers.IntegerField(min_value=100, max_value=100_000_000)
    currency = serializers.ChoiceField(choices=CURRENCIES, default="EUR")
    beds = serializers.IntegerField(min_value=0, max_value=50)
    baths = serializers.IntegerField(min_value=0, max_value=50)
    max_guests = serializers.IntegerField(min_value=1, max_value=50, default=2)
    area = serializers.DecimalField(
        max_digits=8, decimal_places=2, min_value=Decimal("1"), max_value=Decimal("100000"),
        required=False, allow_null=True,
    )  # fmt: skip
    floor = serializers.IntegerField(min_value=-5, max_value=200, required=False, allow_null=True)
    latitude = serializers.DecimalField(
        max_digits=10, decimal_places=8, min_value=Decimal("-90"), max_value=Decimal("90"),
        required=False, allow_null=True,
    )  # fmt: skip
    longitude = serializers.DecimalField(
        max_digits=11, decimal_places=8, min_value=Decimal("-180"), max_value=Decimal("180"),
        required=False, allow_null=True,
    )  # fmt: skip
    photos = BoundedListField(
        child=HttpUrlField(max_length=500), max_length=MAX_PHOTOS, required=False,
        help_text=f"Outside photos: at most {MAX_PHOTOS} http(s) URLs, replacing the listing's "
        "URL photos; uploaded photos (POST /listings/{id}/photos/) stay, before them.",
    )  # fmt: skip
    address = serializers.CharField(
        max_length=255, required=False, allow_null=True, allow_blank=True
    )
    city = serializers.CharField(max_length=100, required=False, allow_null=True, allow_blank=True)
    meta_title = serializers.CharField(
        max_length=60, required=False, allow_null=True, allow_blank=True
    )
    meta_description = serializers.CharField(
        max_length=160, required=False, allow_null=True, allow_blank=True
    )
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), required=False, allow_null=True
    )
    cleaning_fee_cents = serializers.IntegerField(
        min_value=0, max_value=MAX_PRICE_CENTS, required=False, help_text="Once per stay."
    )
    extra_guest_fee_cents = serializers.IntegerField(
        min_value=0, max_value=MAX_PRICE_CENTS, required=False,
        help_text="Per night, for each guest above guests_included.",
    )  # fmt: skip
    guests_included = serializers.IntegerField(
        min_value=1, max_value=50, required=False,
        help_text="Guests the nightly price covers (default 1): at most max_guests.",
    )  # fmt: skip
    weekly_discount_percent = serializers.IntegerField(
        min_value=0, max_value=MAX_DISCOUNT_PERCENT, required=False,
        help_text="Off the nights and extra-guest fees of stays of 7 nights or more.",
    )  # fmt: skip
    monthly_discount_percent = serializers.IntegerField(
        min_value=0, max_value=MAX_DISCOUNT_PERCENT, required=False,
        help_text="Off stays of 28 nights or more, instead of the weekly discount.",
    )  # fmt: skip
    cancellation_policy = serializers.ChoiceField(
        choices=CancellationPolicy.choices, required=False,
        help_text="Frozen on each booking when it is made (default moderate).",
    )  # fmt: skip
    instant_book = serializers.BooleanField(
        required=False,
        help_text="Guests' bookings are confirmed at once, without the host's answer (no "
        "request, no expiry); default false: the host confirms or declines each request.",
    )
    min_nights = serializers.IntegerField(
        min_value=1, max_value=MAX_STAY_NIGHTS, required=False,
        help_text="The shortest stay, in nights (default 1).",
    )  # fmt: skip
    max_nights = serializers.IntegerField(
        min_value=1, max_value=MAX_STAY_NIGHTS, required=False,
        help_text="The longest stay, in nights (default 90; at least min_nights; the "
        "platform's BOOKING_MAX_NIGHTS caps it).",
    )  # fmt: skip
    advance_notice_days = serializers.IntegerField(
        min_value=0, max_value=MAX_ADVANCE_NOTICE_DAYS, required=False,
        help_text="Days between booking and check-in (default 0: same-day check-ins).",
    )  # fmt: skip
    preparation_days = serializers.IntegerField(
        min_value=0, max_value=MAX_PREPARATION_DAYS, required=False,
        help_text="Nights kept free between two stays (default 0); each stay keeps the "
        "value in force when it was booked.",
    )  # fmt: skip
    booking_window_days = serializers.IntegerField(
        min_value=1, max_value=HORIZON_DAYS, required=False,
        help_text="How many days ahead a stay may start (default 365; the platform's "
        "BOOKING_MAX_ADVANCE_DAYS caps it).",
    )  # fmt: skip
    amenities = PrimaryKeyListField(
        queryset=Amenity.objects.all(), max_length=MAX_AMENITIES, required=False,
        help_text=f"Amenity ids (at most {MAX_AMENITIES}): the whole set, replacing the current.",
    )  # fmt: skip
    tags = PrimaryKeyListField(
        queryset=Tag.objects.all(), max_length=MAX_TAGS, required=False,
        help_text=f"Tag ids (at most {MAX_TAGS}): the whole set, replacing the current.",
    )  # fmt: skip

    class Meta:
        model = Listing
        fields = [
            "title", "description", "price_cents", "currency", "beds", "baths", "area", "floor",
            "max_guests", "latitude", "longitude", "photos", "address", "city", "meta_title",
            "meta_description", "category", "amenities", "tags", *PRICING_FIELDS,
        ]  # fmt: skip

    def validate(self, attrs):
        attrs = super().validate(attrs)
        instance = self.instance
        included = attrs.get("guests_included", getattr(instance, "guests_included", 1))
        most = attrs.get("max_guests", getattr(instance, "max_guests", 2))
        if included > most:
            field = "guests_included" if "guests_included" in attrs else "max_guests"
            raise serializers.ValidationError(
                {field: [_("Include at most the maximum guests (%(count)d).") % {"count": most}]}
            )
        shortest = attrs.get("min_nights", getattr(instance, "min_nights", 1))
        longest = attrs.get("max_nights", getattr(instance, "max_nights", 90))
        if longest < shortest:
            field = "max_nights" if "max_nights" in attrs else "min_nights"
            raise serializers.ValidationError(
                {field: [_("The maximum nights are at least the minimum nights.")]}
            )
        lat = attrs.get("latitude", getattr(instance, "latitude", None))
        lng = attrs.get("longitude", getattr(instance, "longitude", None))
        if (lat is None) != (lng is None):
            raise serializers.ValidationError(
                {
                    "longitude" if lng is None else "latitude": [
                        _("Give latitude and longitude together.")
                    ]
                }
            )
        return attrs


class ListingVersionSerializer(serializers.ModelSerializer):
    created_by = OwnerSerializer(allow_null=True)

    class Meta:
        model = ListingVersion
        fields = ["version", "title", "description", "price_cents", "created_at", "created_by"]
        read_only_fields = fields


class AvailabilityQuerySerializer(serializers.Serializer):
    """?from=YYYY-MM-DD&to=YYYY-MM-DD (`from` is a Python keyword, hence get_fields)."""

    to = serializers.DateField(validators=[validate_query_date])

    def get_fields(self):
        return {
            "from": serializers.DateField(validators=[validate_query_date]),
            **super().get_fields(),
        }

    def validate(self, attrs):
        if attrs["to"] <= attrs["from"]:
            raise serializers.ValidationError({"to": [_("Must be after from.")]})
        if (attrs["to"] - attrs["from"]).days > 366:
            raise serializers.ValidationError({"to": [_("Ask for at most a year at once.")]})
        return attrs


class MineQuerySerializer(serializers.Serializer):
    deleted = serializers.BooleanField(default=False)


class UnavailableRangeSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="First unavailable night.")
    end = serializers.DateField(help_text="The day after the last one (exclusive).")


class AvailabilitySerializer(serializers.Serializer):
    listing = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()
    unavailable = UnavailableRangeSerializer(
        many=True,
        help_text="Nights a new stay may not use, merged and within [start, end): booked, "
        "blocked by the host, or kept for preparation between stays — never saying which "
        "or whose.",
    )
    min_nights = serializers.IntegerField(help_text="The shortest stay, in nights.")
    max_nights = serializers.IntegerField(help_text="The longest stay, in nights.")
    earliest_check_in = serializers.DateField(help_text="Today plus the listing's advance notice.")
    latest_check_in = serializers.DateField(help_text="Today plus the listing's booking window.")


class PriceOverrideSerializer(serializers.ModelSerializer):
    start = serializers.DateField(source="start_date", help_text="First night (ISO date).")
    end = serializers.DateField(
        source="end_date", help_text="The day after the last night (exclusive, ISO date)."
    )

    class Meta:
        model = ListingPriceOverride
        fields = ["id", "start", "end", "price_cents", "created_at"]
        read_only_fields = fields


class PriceOverrideCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    start = serializers.DateField(
        validators=[validate_query_date], help_text="First night (ISO date), today or later."
    )
    end = serializers.DateField(
        validators=[validate_query_date],
        help_text="The day after the last night (exclusive), after start, within ten years.",
    )
    price_cents = serializers.IntegerField(
        min_value=100, max_value=MAX_PRICE_CENTS, help_text="The nightly price of these nights."
    )


class QuoteQuerySerializer(serializers.Serializer):
    check_in = serializers.DateField(validators=[validate_query_date], help_text="ISO date.")
    check_out = serializers.DateField(
        validators=[validate_query_date], help_text="ISO date (departure day), after check_in."
    )
    guests = serializers.IntegerField(
        min_value=1,
        max_value=50,
        default=1,
        help_text="How many guests (default 1): above the listing's guests_included, each pays "
        "the extra-guest fee per night; above its max_guests, the stay is not bookable.",
    )

    def validate(self, attrs):
        nights = (attrs["check_out"] - attrs["check_in"]).days
        if nights < 1:
            raise serializers.ValidationError({"check_out": [_("Must be after check_in.")]})
        if nights > MAX_QUOTE_NIGHTS:
            raise serializers.ValidationError(
                {
                    "check_out": [
                        _("Ask for at most %(count)d nights.") % {"count": MAX_QUOTE_NIGHTS}
                    ]
                }
            )
        return attrs


class QuoteLineSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["night", "extra_guests", "discount", "cleaning_fee"],
        help_text="night: one per night, in order; extra_guests, discount and cleaning_fee "
        "appear when not zero.",
    )
    amount_cents = serializers.IntegerField(help_text="Negative for the discount.")
    date = serializers.DateField(required=False, help_text="night: the night.")
    override = serializers.BooleanField(
        required=False, help_text="night: priced by an override rather than the nightly price."
    )
    guests = serializers.IntegerField(required=False, help_text="extra_guests: how many.")
    nights = serializers.IntegerField(required=False, help_text="extra_guests: for how many.")
    unit_cents = serializers.IntegerField(
        required=False, help_text="extra_guests: per guest and night."
    )
    rule = serializers.ChoiceField(
        choices=["weekly", "monthly"], required=False, help_text="discount: which one."
    )
    percent = serializers.IntegerField(required=False, help_text="discount: its rate.")


class FrozenQuoteSerializer(serializers.Serializer):
    """A stay's price (apps/listings/pricing.py), as a booking keeps it."""

    listing = serializers.IntegerField()
    check_in = serializers.DateField()
    check_out = serializers.DateField()
    guests = serializers.IntegerField()
    nights = serializers.IntegerField()
    currency = serializers.CharField()
    cancellation_policy = serializers.ChoiceField(choices=CancellationPolicy.choices)
    lines = QuoteLineSerializer(many=True)
    total_cents = serializers.IntegerField(help_text="The sum of the lines' amount_cents.")


class StayProblemSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The parameter to change (or listing).")
    code = serializers.ChoiceField(
        choices=[
            "too_many_guests", "check_in_past", "check_in_too_far", "stay_too_short",
            "stay_too_long", "listing_not_bookable", "own_listing", "dates_unavailable",
        ]
    )  # fmt: skip
    message = serializers.CharField()


class QuoteSerializer(FrozenQuoteSerializer):
    bookable = serializers.BooleanField(
        help_text="Whether the caller could book this stay now (problems is empty)."
    )
    problems = StayProblemSerializer(many=True, help_text="Why the stay cannot be booked.")


class PhotoSerializer(serializers.ModelSerializer):
    """A photo of a listing."""

    url = serializers.SerializerMethodField(help_text="The image (a signed URL may expire).")
    is_cover = serializers.SerializerMethodField(help_text="Position 0: the listing's cover.")
    thumbnails = serializers.SerializerMethodField(
        help_text='Smaller WebP copies by width in pixels, e.g. {"320": url, "960": url}: '
        "empty until the thumbnail job has run, and always for outside (URL) photos."
    )

    class Meta:
        model = ListingPhoto
        fields = ["id", "url", "width", "height", "position", "is_cover", "thumbnails"]
        read_only_fields = fields

    def get_url(self, photo) -> str:
        return photo.url or default_storage.url(photo.file.name)

    def get_is_cover(self, photo) -> bool:
        return photo.position == 0

    def get_thumbnails(self, photo) -> dict[str, str]:
        return {width: default_storage.url(name) for width, name in photo.thumbnails.items()}


@extend_schema_field(OpenApiTypes.BINARY)
class UploadField(serializers.FileField):
    """A file of a multipart body (the schema says binary, for every client generator)."""


class PhotoUploadSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    image = UploadField(
        allow_empty_file=False,
        help_text="A JPEG, PNG or WebP image of at most 10 MB and 40 megapixels, checked by "
        "its content; it is stored re-encoded, without its metadata (EXIF, GPS).",
    )


class PhotoOrderSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    photos = BoundedListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        max_length=MAX_PHOTOS,
        help_text="The id of each photo of the listing, once each, in the new order (the "
        "first becomes the cover).",
    )
