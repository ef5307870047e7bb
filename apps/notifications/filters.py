"""Query parameters of the notification inbox (django-filter validates them; the selector
filters)."""

from django_filters import rest_framework as filters


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(help_text="true: only unread notifications (read_at null).")

    class Meta:
        fields: list[str] = []

    def selector_kwargs(self) -> dict:
        """The valid filters, as keyword arguments of selectors.notification_inbox."""
        return {"unread": bool(self.form.cleaned_data.get("unread"))}
