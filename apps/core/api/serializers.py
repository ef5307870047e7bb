from rest_framework import serializers


class RejectUnknownFieldsMixin:
    """A client that sends a field we do not accept (unknown, or server-owned like owner,
    status, tenant, id, timestamps) gets a 400 naming it, instead of a silent ignore."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if isinstance(self.initial_data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(self.initial_data) - writable)
            if unknown:
                raise serializers.ValidationError(
                    {name: ["This field cannot be set."] for name in unknown}
                )
        return attrs


class HttpUrlField(serializers.URLField):
    """http(s) URLs only (no javascript:, data:, ftp:...)."""

    default_error_messages = {"invalid": "Enter an http:// or https:// URL."}

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
