"""A small JSON Schema checker for the subset openapi.json uses (jsonschema is not a
dependency): $ref, type (also lists with "null"), enum, required, properties,
additionalProperties, items, oneOf, pattern, minimum, maximum, maxLength, format
date and uuid. Returns the problems found, empty when the value fits."""

from __future__ import annotations

import datetime
import json
import re
import uuid
from functools import cache
from typing import Any

from debrief.ballots.api import OPENAPI_PATH


@cache
def document() -> dict[str, Any]:
    return json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = document()
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def problems(value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    schema = _resolve(schema)
    found: list[str] = []
    if "oneOf" in schema:
        matches = [s for s in schema["oneOf"] if not problems(value, s, where)]
        if len(matches) != 1:
            found.append(f"{where}: matches {len(matches)} of oneOf")
        return found
    types = schema.get("type")
    if types is not None:
        names = types if isinstance(types, list) else [types]
        if not any(_TYPES[name](value) for name in names):
            return [f"{where}: {value!r} is not {types}"]
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            found.append(f"{where}: {value!r} does not match {schema['pattern']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            found.append(f"{where}: longer than {schema['maxLength']}")
        fmt = schema.get("format")
        try:
            if fmt == "date":
                datetime.date.fromisoformat(value)
            elif fmt == "uuid":
                uuid.UUID(value)
        except ValueError:
            found.append(f"{where}: {value!r} is not a {fmt}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            found.append(f"{where}: below {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            found.append(f"{where}: above {schema['maximum']}")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                found.append(f"{where}: missing {name!r}")
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in properties:
                found += problems(item, properties[name], f"{where}.{name}")
            elif extra is False:
                found.append(f"{where}: unexpected {name!r}")
            elif isinstance(extra, dict):
                found += problems(item, extra, f"{where}.{name}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            found += problems(item, schema["items"], f"{where}[{index}]")
    return found


def response_schema(path: str, method: str, status: int) -> dict[str, Any]:
    """The documented JSON schema of a response; KeyError when it is not documented."""
    operation = document()["paths"][path][method.lower()]
    response = _resolve(operation["responses"][str(status)])
    return response["content"]["application/json"]["schema"]


def assert_documented(response: Any, path: str, method: str) -> None:
    """The response's status is documented for the operation and its body fits."""
    schema = response_schema(path, method, response.status_code)
    found = problems(response.json(), schema)
    assert not found, found
