from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.core.api.routers import MAX_ID


class RejectUnknownFieldsMixin:
    """A client that sends a field we do not accept (unknown, or server-owned like owner,
    status, tenant, id, timestamps) gets a 400 naming it, instead of a silent ignore.

    The one mechanism for every input serializer, nested ones included (it runs where the
    serializer reads its own object, not only at the root). Unknown fields are reported with
    the other field errors of the same object. `refused_fields` gives the message of a field
    refused for a reason worth telling (where to change it instead). The schema marks these
    serializers `additionalProperties: false` (HavreAutoSchema)."""

    refused_fields: dict[str, str] = {}

    def to_internal_value(self, data):
        refused = {}
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            refused = {
                name: [self.refused_fields.get(name, _("This field cannot be set."))]
                for name in sorted(set(data) - writable)
            }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if refused and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**refused, **exc.detail}) from exc
            raise
        if refused:
            raise serializers.ValidationError(refused)
        return value


class HttpUrlField(serializers.URLField):
    """http(s) URLs only (no javascript:, data:, ftp:...)."""

    default_error_messages = {"invalid": _("Enter an http:// or https:// URL.")}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not value.lower().startswith(("http://", "https://")):
            self.fail("invalid")
        return value


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. booking_conflict.")
    message = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.JSONField(),
        help_text="Per-field messages: a list of strings, or for nested and list fields an "
        "object of the same shape keyed by sub-field or index.",
    )


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API (for the schema)."""

    error = ErrorDetailSerializer()


class BoundedListField(serializers.ListField):
    """A list of at most `max_length` items (maxItems in the schema), its duplicates removed
    (the first of each kept, in order). The length is checked before any item is: 100,000
    items are one refusal, not 100,000 validations."""

    def __init__(self, *, max_length: int, **kwargs):
        super().__init__(max_length=max_length, **kwargs)

    def run_child_validation(self, data):
        if len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return list(dict.fromkeys(super().run_child_validation(data)))


class PrimaryKeyListField(BoundedListField):
    """Ids of rows of `queryset`, given as a list of integers, returned as those rows. Every id
    is checked in ONE set-based query, whatever the length of the list (DRF's
    PrimaryKeyRelatedField(many=True) runs one SELECT per item)."""

    default_error_messages = {"does_not_exist": _("Unknown ids: {ids}.")}

    def __init__(self, *, queryset, max_length: int, **kwargs):
        self.queryset = queryset
        child = serializers.IntegerField(min_value=1, max_value=MAX_ID)
        super().__init__(child=child, max_length=max_length, **kwargs)

    def run_child_validation(self, data):
        ids = super().run_child_validation(data)
        rows = self.queryset.in_bulk(ids) if ids else {}
        missing = [pk for pk in ids if pk not in rows]
        if missing:
            self.fail("does_not_exist", ids=", ".join(map(str, missing)))
        return [rows[pk] for pk in ids]
