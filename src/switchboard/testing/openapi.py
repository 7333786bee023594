"""Responses checked against the 1NCE OpenAPI documents kept in `shared/specs/1nce/` (beside the repository).

`assert_matches(response, V1, "/v1/sims/{iccid}")` finds the operation of the request's method, requires the
response's status among those the spec declares, checks the declared headers, and validates the body with
openapi_schema_validator's OAS30Validator against the declared schema with every `$ref` resolved (or requires an
empty body where the spec declares none). Two deliberate differences from a literal reading of the documents:

- `oneOf` is checked as `anyOf`: 1NCE's alternatives (the v2 event `detail`) declare no required keys, so every
  object matches several of them and a literal `oneOf` would refuse every body;
- `strict` (the default) refuses keys a schema does not declare, so that a misspelt field name fails. Known,
  documented deviations of the real API (the v1 location's `iso_code`) are allowed by name with `undeclared`.

`formats` checks `date-time` values as RFC 3339; pass `formats=False` for v1, whose real dates are not (§8).
"""

from __future__ import annotations

import copy
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import FormatChecker
from jsonschema.exceptions import best_match
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from rfc3339_validator import validate_rfc3339

# The specs live beside the repository (`../shared/specs/1nce`); SWITCHBOARD_1NCE_SPECS points elsewhere.
SPECS = Path(
    os.environ.get("SWITCHBOARD_1NCE_SPECS") or Path(__file__).resolve().parents[3].parent / "shared" / "specs" / "1nce"
)
V1 = "1nce-sim-management-openapi.yml"
V2 = "1nce-sim-management-v2-openapi.yml"
JSON_TYPES = ("application/json", "application/json;charset=UTF-8", "*/*")

_formats = FormatChecker()
for _name, _check in oas30_format_checker.checkers.items():
    _formats.checkers[_name] = _check
_formats.checks("date-time")(lambda value: not isinstance(value, str) or validate_rfc3339(value))


@cache
def document(name: str) -> dict[str, Any]:
    """The parsed spec, read once per test run."""
    path = SPECS / name
    if not path.exists():
        message = f"{path} is missing: set SWITCHBOARD_1NCE_SPECS to the folder with 1NCE's OpenAPI files"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return yaml.safe_load(path.read_text())


def _resolve(node: Any, root: dict[str, Any], trail: tuple[str, ...] = ()) -> Any:
    if isinstance(node, list):
        return [_resolve(item, root, trail) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = node["$ref"]
        if ref in trail:
            raise ValueError(f"recursive $ref {ref}")
        target: Any = root
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        return _resolve(target, root, (*trail, ref))
    return {key: _resolve(value, root, trail) for key, value in node.items()}


def _tighten(node: Any, undeclared: frozenset[str], strict: bool) -> Any:
    """oneOf → anyOf everywhere; with `strict`, objects accept only their declared keys (and `undeclared`)."""
    if isinstance(node, list):
        return [_tighten(item, undeclared, strict) for item in node]
    if not isinstance(node, dict):
        return node
    node = {("anyOf" if key == "oneOf" else key): _tighten(value, undeclared, strict) for key, value in node.items()}
    if strict and "properties" in node and "additionalProperties" not in node:
        node["properties"] = {**{key: {} for key in undeclared}, **node["properties"]}
        node["additionalProperties"] = False
    return node


@cache
def _operation(name: str, path: str, method: str) -> dict[str, Any]:
    spec = document(name)
    try:
        return _resolve(spec["paths"][path][method], spec)
    except KeyError:
        raise AssertionError(f"{method.upper()} {path} is not in {name}") from None


@cache
def response_schema(
    name: str, path: str, method: str, status: int, *, strict: bool = True, undeclared: frozenset[str] = frozenset()
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The body schema (None: the spec declares no body) and the declared headers of one response."""
    responses = _operation(name, path, method)["responses"]
    declared = responses.get(str(status))
    if declared is None:
        raise AssertionError(f"{method.upper()} {path} in {name} declares no {status}; it has {sorted(responses)}")
    content = declared.get("content") or {}
    schema = next((content[t]["schema"] for t in JSON_TYPES if t in content), None)
    tightened = _tighten(copy.deepcopy(schema), undeclared, strict) if schema is not None else None
    return tightened, declared.get("headers", {})


def assert_matches(
    response,
    name: str,
    path: str,
    *,
    strict: bool = True,
    formats: bool = True,
    undeclared: tuple[str, ...] = (),
) -> Any:
    """Fail unless the Django test response is one the spec declares; returns the parsed body."""
    method = response.request["REQUEST_METHOD"].lower()
    schema, headers = response_schema(
        name, path, method, response.status_code, strict=strict, undeclared=frozenset(undeclared)
    )
    for header, spec in headers.items():
        assert header in response, f"missing header {header}"
        if spec.get("schema", {}).get("type") == "integer":
            assert response[header].isdigit(), f"{header}: {response[header]!r} is not an integer"
    if schema is None:
        assert response.content == b"", f"the spec declares no body, got {response.content[:200]!r}"
        return None
    body = json.loads(response.content)
    _validate(body, schema, formats=formats, what=f"{method.upper()} {path} ({response.status_code})")
    return body


@cache
def _component(name: str, component: str, strict: bool, undeclared: frozenset[str]) -> dict[str, Any]:
    spec = document(name)
    return _tighten(_resolve(spec["components"]["schemas"][component], spec), undeclared, strict)


def assert_component(
    instance: Any,
    name: str,
    component: str,
    *,
    strict: bool = True,
    formats: bool = True,
    undeclared: tuple[str, ...] = (),
) -> None:
    """Fail unless `instance` fits the spec's `#/components/schemas/<component>` (for payloads the spec gets wrong,
    such as the selectable limits, which it declares as the global limits object)."""
    schema = _component(name, component, strict, frozenset(undeclared))
    _validate(instance, schema, formats=formats, what=component)


def _validate(instance: Any, schema: dict[str, Any], *, formats: bool, what: str) -> None:
    validator = OAS30Validator(schema, format_checker=_formats if formats else None)
    failure = best_match(validator.iter_errors(instance))
    if failure is not None:
        where = "/".join(str(p) for p in failure.absolute_path)
        raise AssertionError(f"{what} at /{where}: {failure.message}")
