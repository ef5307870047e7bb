"""Query parameters of the bookings list (django-filter validates them; the selector filters).

Dates: `from` and `to` select the stays that *overlap* [from, to) — a stay from check-in to
check-out (exclusive, the departure day) touches the range when check_in < to and
check_out > from. Either bound may be given alone. This answers "what is booked around these
dates", which a check-in range cannot (a long stay that began before `from`).
"""

from django import forms
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters

from apps.bookings.models import BookingStatus
from apps.core.dates import validate_query_date
from apps.core.filters import one_of_filter

ROLES = ("guest", "host")


class BookingListForm(forms.Form):
    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and end <= start:
            raise forms.ValidationError({"to": _("Must be after from.")})
        return data


class BookingFilter(filters.FilterSet):
    role = one_of_filter(
        ROLES,
        help_text="guest (default): the caller's own stays; host: bookings of the caller's "
        "listings.",
    )
    status = filters.MultipleChoiceFilter(
        choices=BookingStatus.choices,
        help_text="Only these statuses; repeat the parameter for several.",
    )

    class Meta:
        form = BookingListForm
        fields: list[str] = []

    def selector_kwargs(self) -> dict:
        """The valid filters, as keyword arguments of selectors.booking_list."""
        data = self.form.cleaned_data
        return {
            "role": data.get("role") or "guest",
            "statuses": list(data.get("status") or []),
            "date_from": data.get("from"),
            "date_to": data.get("to"),
        }


# `from` is a Python keyword: these two are declared by name.
BookingFilter.base_filters["from"] = filters.DateFilter(
    field_name="check_out",
    validators=[validate_query_date],
    help_text="ISO date: stays ending after this day (overlapping [from, to)); from 1900 "
    "to ten years ahead.",
)
BookingFilter.base_filters["to"] = filters.DateFilter(
    field_name="check_in",
    validators=[validate_query_date],
    help_text="ISO date: stays starting before this day (overlapping [from, to)); from 1900 "
    "to ten years ahead.",
)
