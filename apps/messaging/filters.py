"""Query parameters of the messages list (django-filter validates them; the selector filters)."""

from django_filters import rest_framework as filters

from apps.core.filters import one_of_filter

BOXES = ("inbox", "sent", "archived")


class MessageFilter(filters.FilterSet):
    box = one_of_filter(
        BOXES,
        help_text="inbox (default): received, not archived, not spam; sent; archived: "
        "received and archived.",
    )
    unread = filters.BooleanFilter(help_text="true: only unread messages.")

    class Meta:
        fields: list[str] = []

    def selector_kwargs(self) -> dict:
        """The valid filters, as keyword arguments of selectors.message_box."""
        data = self.form.cleaned_data
        return {"box": data.get("box") or "inbox", "unread": bool(data.get("unread"))}
