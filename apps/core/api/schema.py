"""OpenAPI: every operation documents the errors any request may meet, carries its
resource's tag and an operation id a client generator turns into a readable name; hooks name
what generators would otherwise number (page schemas, enum members) and describe path ids."""

import json
import re

from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import get_doc

from apps.core.api.serializers import ErrorSerializer, RejectUnknownFieldsMixin

# 400: invalid input, including a body nested too deep (parse_error) or an invalid page
# cursor (invalid_cursor); 401: a bad or revoked token, even on public endpoints; 403: not
# allowed; 404: unknown or invisible object, or a path id that is not a positive bigint;
# 429: throttled.
COMMON_ERRORS = ("400", "401", "403", "404", "429")
BODY_ERRORS = ("413", "415")


# The first path segment after /api/v1/ is the resource's tag, but for these.
TAG_OF_SEGMENT = {"amenities": "reference", "categories": "reference", "tags": "reference"}
_STANDARD_ACTIONS = {"list", "create", "retrieve", "update", "partial_update", "destroy"}


class HavreAutoSchema(AutoSchema):
    def get_tags(self) -> list[str]:
        segment = self._tokenize_path()[:1] or ["reference"]
        return [TAG_OF_SEGMENT.get(segment[0], segment[0])]

    def get_operation_id(self) -> str:
        # A viewset's own @action is named after its path alone (`bookings_confirm`,
        # `listings_mine`), not `bookings_confirm_create`: the method adds nothing there.
        action = getattr(self.view, "action", None)
        if action and action not in _STANDARD_ACTIONS:
            return "_".join(token.replace("-", "_") for token in self._tokenize_path())
        return super().get_operation_id()

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if isinstance(serializer, RejectUnknownFieldsMixin):
            # The serializer answers 400 to any other field: say so to clients and fuzzers.
            schema["additionalProperties"] = False
            if schema.get("description") == get_doc(RejectUnknownFieldsMixin):
                # The mixin's docstring, inherited: nothing about this body.
                schema.pop("description")
            for name, field in schema["properties"].items():
                # An input's default is the server's to apply: said in words, so that a
                # generator does not make the field required (openapi-typescript types a
                # property with a `default` as always present).
                if "default" in field and name not in schema.get("required", []):
                    default = json.dumps(field.pop("default"))
                    field["description"] = " ".join(
                        filter(None, [field.get("description"), f"Default: {default}."])
                    )
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


class DescribedFilterExtension(DjangoFilterExtension):
    """django-filter parameters keep their help_text, and integer filters their bounds, when
    the filter's type is declared with @extend_schema_field: drf-spectacular's extension then
    takes the declared schema alone, and the parameter lost its description."""

    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        help_text = filter_field.extra.get("help_text")
        for parameter in parameters:
            if help_text and not parameter.get("description"):
                parameter["description"] = str(help_text)
            schema = parameter["schema"]
            if schema.get("type") == "integer":
                for bound, key in (("min_value", "minimum"), ("max_value", "maximum")):
                    if filter_field.extra.get(bound) is not None:
                        schema.setdefault(key, filter_field.extra[bound])
        return parameters


_PAGE_KINDS = {"Cursor page": "CursorPage", "Page-number page": "NumberedPage"}


def name_page_schemas(result, generator, request, public):
    """Each member of a paginated response's `oneOf` becomes a component of its own,
    `<Item>CursorPage` and `<Item>NumberedPage`: inline, every list's cursor page was titled
    "Cursor page", and a generator made one class `CursorPage` of them all (a clash: the
    list responses were dropped from the Python client)."""
    components = result["components"]["schemas"]
    for name in list(components):
        members = components[name].get("oneOf", [])
        if not members or any(member.get("title") not in _PAGE_KINDS for member in members):
            continue
        item = members[0]["properties"]["results"]["items"]["$ref"].rsplit("/", 1)[-1]
        refs = []
        for member in members:
            member_name = f"{item}{_PAGE_KINDS[member['title']]}"
            components[member_name] = {**member, "title": member_name}
            refs.append({"$ref": f"#/components/schemas/{member_name}"})
        components[name]["oneOf"] = refs
    return result


def enum_varname(value: str) -> str:
    """A constant's name for an enum value: `-created_at` → `CREATED_AT_DESC`."""
    descending = value.startswith("-")
    name = re.sub(r"\W+", "_", value.lstrip("-")).strip("_").upper() or "BLANK"
    if name[0].isdigit():
        name = f"VALUE_{name}"
    return f"{name}_DESC" if descending else name


def name_enum_values(result, generator, request, public):
    """`x-enum-varnames` on every string enum (components and parameters), so generated clients
    name the orderings `CREATED_AT_DESC`, not `VALUE_0`."""
    stack = [result]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        values = node.get("enum")
        if values and all(isinstance(value, str) for value in values):
            names = [enum_varname(value) for value in values]
            if len(set(names)) == len(names):
                node.setdefault("x-enum-varnames", names)
        stack.extend(value for key, value in node.items() if key != "enum")
    return result


def describe_parameters(result, generator, request, public):
    """A path id without a description says whose id it is (`/bookings/{id}/` → the booking's
    id); every parameter's description is also its schema's, where generators look for it
    (openapi-python-client's docstrings, openapi-typescript's comments)."""
    for path, operations in result["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and not parameter.get("description"):
                    name = parameter["name"]
                    before = path.split(f"{{{name}}}")[0].rstrip("/").rsplit("/", 1)[-1]
                    resource = re.sub(r"ies$", "y", before).removesuffix("s").replace("_", " ")
                    parameter["description"] = f"The {resource}'s id (a positive integer)."
                schema = parameter.get("schema", {})
                if parameter.get("description") and "$ref" not in schema:
                    schema.setdefault("description", parameter["description"])
    return result
