"""Query parameters of the public listing search (django-filter validates them; the search
itself is the selector's job)."""

from django import forms
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from apps.core.api.routers import MAX_ID
from apps.core.dates import validate_query_date
from apps.listings.models import CURRENCIES
from apps.listings.selectors import (
    DEFAULT_ORDERING,
    DEFAULT_SEARCH_CURRENCY,
    DISTANCE,
    MAX_RADIUS_KM,
    ORDERINGS,
    RELEVANCE,
    SEARCH_CANDIDATES,
    Near,
    default_ordering,
)

MAX_STAY_SEARCH_DAYS = 366


class CommaSeparatedIntegersField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return []
        try:
            numbers = [int(part) for part in value.split(",") if part.strip()]
        except ValueError as exc:
            raise forms.ValidationError(_("Give comma-separated ids, e.g. 1,4,7.")) from exc
        if len(numbers) > 20 or any(not 1 <= n <= MAX_ID for n in numbers):
            raise forms.ValidationError(_("Give at most 20 positive ids."))
        return sorted(set(numbers))


class BBoxField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            min_lng, min_lat, max_lng, max_lat = (float(part) for part in value.split(","))
        except ValueError as exc:
            raise forms.ValidationError(_("bbox is min_lng,min_lat,max_lng,max_lat.")) from exc
        if not (-180 <= min_lng < max_lng <= 180 and -90 <= min_lat < max_lat <= 90):
            raise forms.ValidationError(
                _(
                    "bbox corners must be ordered (min < max) and within longitude ±180, "
                    "latitude ±90."
                )
            )
        return (min_lng, min_lat, max_lng, max_lat)


@extend_schema_field(OpenApiTypes.STR)
class CommaSeparatedIntegersFilter(filters.Filter):
    field_class = CommaSeparatedIntegersField


@extend_schema_field(OpenApiTypes.STR)
class BBoxFilter(filters.Filter):
    field_class = BBoxField


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(filters.NumberFilter):
    """Whole numbers only: `guests=1.5` is a 400, not silently 1."""

    field_class = forms.IntegerField


@extend_schema_field(OpenApiTypes.DOUBLE)
class FloatFilter(filters.NumberFilter):
    """A finite decimal number (`nan` and `inf` are a 400)."""

    field_class = forms.FloatField


class PositiveRadiusField(forms.FloatField):
    def validate(self, value):
        super().validate(value)
        if value is not None and value <= 0:
            raise forms.ValidationError(_("Must be more than 0."))


@extend_schema_field(OpenApiTypes.DOUBLE)
class RadiusFilter(FloatFilter):
    field_class = PositiveRadiusField


# A search around a point takes its three parameters together.
POINT_PARAMETERS = ("lat", "lng", "radius_km")


class ListingSearchForm(forms.Form):
    def clean(self):
        data = super().clean()
        start, end = data.get("available_from"), data.get("available_to")
        if bool(start) != bool(end):
            raise forms.ValidationError(
                {
                    "available_to" if start else "available_from": _(
                        "Give both available_from and available_to."
                    )
                }
            )
        if start and end:
            if end <= start:
                raise forms.ValidationError({"available_to": _("Must be after available_from.")})
            if (end - start).days > MAX_STAY_SEARCH_DAYS:
                raise forms.ValidationError({"available_to": _("Search at most a year at once.")})
        if data.get("ordering") == RELEVANCE and not data.get("q"):
            raise forms.ValidationError({"ordering": _("Ordering by relevance needs q.")})
        given = [name for name in POINT_PARAMETERS if data.get(name) is not None]
        invalid = [name for name in POINT_PARAMETERS if name in self.errors]
        if given and not invalid and len(given) < len(POINT_PARAMETERS):
            missing = next(name for name in POINT_PARAMETERS if name not in given)
            raise forms.ValidationError({missing: _("Give lat, lng and radius_km together.")})
        if data.get("ordering") == DISTANCE and not given and not invalid:
            raise forms.ValidationError(
                {"ordering": _("Ordering by distance needs lat, lng and radius_km.")}
            )
        low, high = data.get("min_price"), data.get("max_price")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError({"max_price": _("Must be at least min_price.")})
        return data


class ListingSearchFilter(filters.FilterSet):
    city = filters.CharFilter(max_length=100, help_text="Exact city name, e.g. Paris.")
    category = IntegerFilter(
        min_value=1,
        max_value=MAX_ID,
        help_text="A category id: that category and all its descendants.",
    )
    min_price = IntegerFilter(
        min_value=0,
        max_value=100_000_000,
        help_text="Lowest nightly price, in cents of `currency` (12000 = 120.00): only listings "
        "priced in that currency match (prices are never converted). The listing's nightly "
        "price (price_cents), not a stay's: price overrides, fees and discounts depend on the "
        "dates and guests, which GET /listings/{id}/quote/ prices.",
    )
    max_price = IntegerFilter(
        min_value=0,
        max_value=100_000_000,
        help_text="Highest nightly price (price_cents, as min_price), in cents of `currency`; "
        "at least min_price.",
    )
    currency = filters.ChoiceFilter(
        choices=[(code, code) for code in CURRENCIES],
        empty_label=None,
        help_text="Only listings priced in this currency (ISO 4217). With min_price or "
        f"max_price it defaults to {DEFAULT_SEARCH_CURRENCY}: a price range compares prices in "
        "one currency, never 12,000 USD cents with 12,000 EUR cents.",
    )
    beds = IntegerFilter(min_value=0, max_value=50, help_text="At least this many beds.")
    baths = IntegerFilter(min_value=0, max_value=50, help_text="At least this many bathrooms.")
    guests = IntegerFilter(min_value=1, max_value=50, help_text="Fits at least this many guests.")
    amenities = CommaSeparatedIntegersFilter(
        help_text="Amenity ids, comma-separated, at most 20 (e.g. `1,4,7`): listings having "
        "all of them."
    )
    tags = CommaSeparatedIntegersFilter(
        help_text="Tag ids (not slugs: ids are stable when a tag is renamed), comma-separated, "
        "at most 20 (e.g. `2,5`): listings having all of them."
    )
    q = filters.CharFilter(
        max_length=200,
        help_text="Full-text search in title and description (French stemming, accents "
        'ignored: chateau finds Château; web-search syntax: "exact phrase", -excluded, or). '
        f"Ordered by {RELEVANCE}, the {SEARCH_CANDIDATES} most recently created matching "
        "listings are ranked (all of them when fewer match), best match first; older matches "
        "are left out of a relevance search. Other orderings return every match.",
    )
    bbox = BBoxFilter(
        help_text="Bounding box `min_lng,min_lat,max_lng,max_lat` in decimal degrees (WGS 84), "
        "e.g. `2.22,48.81,2.47,48.90` for Paris; min < max, longitudes within ±180, latitudes "
        "within ±90."
    )
    lat = FloatFilter(
        min_value=-90,
        max_value=90,
        help_text="Latitude of the point to search around, in decimal degrees (WGS 84, -90 to "
        "90), with lng and radius_km (all three or none): only listings within radius_km of "
        "it, each card with its distance_km. Combines with every other filter.",
    )
    lng = FloatFilter(
        min_value=-180,
        max_value=180,
        help_text="Longitude of the point, in decimal degrees (-180 to 180), with lat and "
        "radius_km.",
    )
    radius_km = RadiusFilter(
        max_value=MAX_RADIUS_KM,
        help_text=f"Radius around lat, lng in kilometres along the Earth's surface (more than "
        f"0, at most {MAX_RADIUS_KM}), with lat and lng.",
    )
    available_from = filters.DateFilter(
        validators=[validate_query_date],
        help_text="Check-in date (ISO 8601; from 1900 to ten years ahead), with available_to: "
        "only listings that a guest could book for that stay — no booking (with its "
        "preparation nights) or host's block on its nights, and the host's rules take it: "
        "nights (available_to - available_from) from the listing's min_nights to max_nights, "
        "check-in at least advance_notice_days and at most booking_window_days after today "
        "(UTC). A check-in before today finds nothing.",
    )
    available_to = filters.DateFilter(
        validators=[validate_query_date],
        help_text="Check-out date, with available_from: after it, at most "
        f"{MAX_STAY_SEARCH_DAYS} nights later.",
    )
    ordering = filters.ChoiceFilter(
        choices=[(key, key) for key in ORDERINGS],
        empty_label=None,
        help_text=f"Sort order; default {RELEVANCE} (best match first) when q is given, else "
        f"{DISTANCE} (nearest first) when lat, lng and radius_km are, else {DEFAULT_ORDERING}. "
        "price_cents sorts by the nightly price (not a stay's quote). -rating puts unrated "
        f"listings last; {RELEVANCE} needs q, {DISTANCE} a point. Ties are broken by id, so "
        "cursor pages are stable.",
    )

    class Meta:
        form = ListingSearchForm
        fields: list[str] = []

    def search_kwargs(self) -> dict:
        """The valid, non-empty filters, as keyword arguments of selectors.listing_search."""
        data = {
            key: value
            for key, value in self.form.cleaned_data.items()
            if value not in (None, "", []) and key not in ("ordering", *POINT_PARAMETERS)
        }
        if self.near is not None:
            data["near"] = self.near
        return data

    @property
    def near(self) -> Near | None:
        data = self.form.cleaned_data
        if data.get("lat") is None:
            return None
        return Near(latitude=data["lat"], longitude=data["lng"], radius_km=data["radius_km"])

    @property
    def chosen_ordering(self) -> str:
        if self.form.cleaned_data.get("ordering"):
            return self.form.cleaned_data["ordering"]
        return default_ordering(q=self.form.cleaned_data.get("q"), near=self.near)
