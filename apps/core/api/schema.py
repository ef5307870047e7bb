"""OpenAPI: every operation documents the errors any request may meet."""

from drf_spectacular.openapi import AutoSchema

from apps.core.api.serializers import ErrorSerializer, RejectUnknownFieldsMixin

# 401: a bad or revoked token, even on public endpoints; 403: not allowed; 404: unknown or
# invisible object, or an invalid page cursor; 429: throttled.
COMMON_ERRORS = ("400", "401", "403", "404", "429")
BODY_ERRORS = ("413", "415")


class HavreAutoSchema(AutoSchema):
    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if isinstance(serializer, RejectUnknownFieldsMixin):
            # The serializer answers 400 to any other field: say so to clients and fuzzers.
            schema["additionalProperties"] = False
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = COMMON_ERRORS + (BODY_ERRORS if self.method in ("POST", "PUT", "PATCH") else ())
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    ErrorSerializer, code, direction=direction
                )
        return responses
