"""Query parameters of the public listing search (django-filter validates them; the search
itself is the selector's job)."""

from django import forms
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from apps.listings.selectors import DEFAULT_ORDERING, ORDERINGS

MAX_STAY_SEARCH_DAYS = 366


class CommaSeparatedIntegersField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return []
        try:
            numbers = [int(part) for part in value.split(",") if part.strip()]
        except ValueError as exc:
            raise forms.ValidationError("Give comma-separated ids, e.g. 1,4,7.") from exc
        if len(numbers) > 20 or any(n < 1 for n in numbers):
            raise forms.ValidationError("Give at most 20 positive ids.")
        return sorted(set(numbers))


class BBoxField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            min_lng, min_lat, max_lng, max_lat = (float(part) for part in value.split(","))
        except ValueError as exc:
            raise forms.ValidationError("bbox is min_lng,min_lat,max_lng,max_lat.") from exc
        if not (-180 <= min_lng < max_lng <= 180 and -90 <= min_lat < max_lat <= 90):
            raise forms.ValidationError(
                "bbox corners must be ordered (min < max) and within longitude ±180, latitude ±90."
            )
        return (min_lng, min_lat, max_lng, max_lat)


@extend_schema_field(OpenApiTypes.STR)
class CommaSeparatedIntegersFilter(filters.Filter):
    field_class = CommaSeparatedIntegersField


@extend_schema_field(OpenApiTypes.STR)
class BBoxFilter(filters.Filter):
    field_class = BBoxField


class ListingSearchForm(forms.Form):
    def clean(self):
        data = super().clean()
        start, end = data.get("available_from"), data.get("available_to")
        if bool(start) != bool(end):
            raise forms.ValidationError(
                {
                    "available_to"
                    if start
                    else "available_from": "Give both available_from and available_to."
                }
            )
        if start and end:
            if end <= start:
                raise forms.ValidationError({"available_to": "Must be after available_from."})
            if (end - start).days > MAX_STAY_SEARCH_DAYS:
                raise forms.ValidationError({"available_to": "Search at most a year at once."})
        low, high = data.get("min_price"), data.get("max_price")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError({"max_price": "Must be at least min_price."})
        return data


class ListingSearchFilter(filters.FilterSet):
    city = filters.CharFilter(max_length=100, help_text="Exact city name, e.g. Paris.")
    category = filters.NumberFilter(
        min_value=1, help_text="A category id: that category and all its descendants."
    )
    min_price = filters.NumberFilter(min_value=0, max_value=100_000_000, help_text="Cents.")
    max_price = filters.NumberFilter(min_value=0, max_value=100_000_000, help_text="Cents.")
    beds = filters.NumberFilter(min_value=0, max_value=50, help_text="At least this many beds.")
    baths = filters.NumberFilter(min_value=0, max_value=50, help_text="At least this many baths.")
    guests = filters.NumberFilter(min_value=1, max_value=50, help_text="Fits this many guests.")
    amenities = CommaSeparatedIntegersFilter(
        help_text="Amenity ids, comma-separated; all required."
    )
    tags = CommaSeparatedIntegersFilter(help_text="Tag ids, comma-separated; all required.")
    q = filters.CharFilter(max_length=200, help_text="Full-text search in title and description.")
    bbox = BBoxFilter(help_text="min_lng,min_lat,max_lng,max_lat")
    available_from = filters.DateFilter(help_text="Free from this date (ISO 8601)...")
    available_to = filters.DateFilter(help_text="...until this date (check-out day).")
    ordering = filters.ChoiceFilter(
        choices=[(key, key) for key in ORDERINGS],
        empty_label=None,
        help_text=f"Sort order; default {DEFAULT_ORDERING}.",
    )

    class Meta:
        form = ListingSearchForm
        fields: list[str] = []

    def search_kwargs(self) -> dict:
        """The valid, non-empty filters, as keyword arguments of selectors.listing_search."""
        data = {
            key: value
            for key, value in self.form.cleaned_data.items()
            if value not in (None, "", []) and key != "ordering"
        }
        for key in ("category", "min_price", "max_price", "beds", "baths", "guests"):
            if key in data:
                data[key] = int(data[key])
        return data

    @property
    def chosen_ordering(self) -> str:
        return self.form.cleaned_data.get("ordering") or DEFAULT_ORDERING
