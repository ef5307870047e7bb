"""Query parameters of the notification inbox (django-filter validates them; the selector
filters)."""

from django_filters import rest_framework as filters

from apps.core.filters import one_of_filter


class NotificationFilter(filters.FilterSet):
    unread = one_of_filter(
        ("true", "false"),
        help_text="true: only unread notifications (read_at null); false or absent: all.",
    )

    class Meta:
        fields: list[str] = []

    def selector_kwargs(self) -> dict:
        """The valid filters, as keyword arguments of selectors.notification_inbox."""
        return {"unread": self.form.cleaned_data.get("unread") == "true"}
