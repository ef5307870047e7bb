"""Every JSON request body of the API is strict: the schema says `additionalProperties: false`
for it and for every object nested in it, and the serializers behind answer 400 naming any
other field (RejectUnknownFieldsMixin). A new endpoint with a loose serializer fails here."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def loose_objects(schema: dict, node, where: str, seen: set) -> list[str]:
    """Paths of the object schemas under `node` that allow properties they do not list."""
    if isinstance(node, list):
        return [p for item in node for p in loose_objects(schema, item, where, seen)]
    if not isinstance(node, dict):
        return []
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen.add(name)
        return loose_objects(schema, schema["components"]["schemas"][name], name, seen)
    found = []
    if "properties" in node and node.get("additionalProperties") is not False:
        found.append(where)
    for key in ("properties", "items", "allOf", "oneOf", "anyOf"):
        if key in node:
            children = node[key].values() if key == "properties" else node[key]
            if isinstance(children, dict):
                children = [children]
            found += [p for child in children for p in loose_objects(schema, child, where, seen)]
    return found


def test_every_request_body_refuses_fields_it_does_not_list():
    schema = APIClient().get("/api/schema/?format=json").json()
    bodies = {
        # JSON, but for the one upload (multipart: a listing's photo).
        f"{method.upper()} {path}": operation["requestBody"]["content"].get(
            "application/json", operation["requestBody"]["content"].get("multipart/form-data")
        )
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    }
    assert len(bodies) >= 10, sorted(bodies)

    loose = {
        name: found
        for name, content in bodies.items()
        if (found := loose_objects(schema, content["schema"], name, set()))
    }

    assert loose == {}
