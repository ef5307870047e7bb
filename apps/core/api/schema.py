"""OpenAPI: every operation documents the errors any request may meet."""

from drf_spectacular.openapi import AutoSchema

from apps.core.api.serializers import ErrorSerializer, RejectUnknownFieldsMixin

# 400: invalid input, including a body nested too deep (parse_error) or an invalid page
# cursor (invalid_cursor); 401: a bad or revoked token, even on public endpoints; 403: not
# allowed; 404: unknown or invisible object, or a path id that is not a positive bigint;
# 429: throttled.
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


def add_links(result, generator, request, public):
    """OpenAPI links from what creates or lists a resource to every operation on one of them
    (`{id}`): a client generator — and schemathesis's stateful phase — can follow "create a
    booking, then confirm, cancel or read it" with the id the first response returned.
    A postprocessing hook, so a new resource gets its links without anyone declaring them."""
    paths = result["paths"]
    for source_path, operations in paths.items():
        resource = _resource_of(source_path, paths)
        if resource is None:
            continue
        targets = [
            target
            for target_path, target_operations in paths.items()
            if target_path.startswith(f"{resource}{{id}}/")
            for target in target_operations.values()
        ]
        for method, status, pointer in (("post", "201", "/id"), ("get", "200", "/results/0/id")):
            response = operations.get(method, {}).get("responses", {}).get(status)
            if response is None or not _has_id(result, response, pointer):
                continue
            response["links"] = {
                target["operationId"]: {
                    "operationId": target["operationId"],
                    "parameters": {"id": f"$response.body#{pointer}"},
                }
                for target in targets
            }
    return result


def _resource_of(path: str, paths) -> str | None:
    """The collection a parameterless path lists or creates into: itself, or the nearest parent
    with a `{id}/` below it (/listings/mine/ lists /listings/{id}/)."""
    if "{" in path:
        return None
    candidate = path
    while candidate.count("/") > 2:
        if f"{candidate}{{id}}/" in paths:
            return candidate
        candidate = candidate[: candidate.rstrip("/").rfind("/") + 1]
    return None


def _has_id(result, response, pointer: str) -> bool:
    """The response body has an `id` where the link will read it (paginated: in results)."""
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    schema = _resolved(result, schema)
    if pointer.startswith("/results/"):
        schema = _resolved(result, schema.get("oneOf", [{}])[0])
        schema = _resolved(result, schema.get("properties", {}).get("results", {}).get("items", {}))
    return "id" in schema.get("properties", {})


def _resolved(result, schema: dict) -> dict:
    while "$ref" in schema:
        schema = result["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema
