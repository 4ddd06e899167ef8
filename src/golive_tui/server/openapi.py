"""The API's OpenAPI document, saying more exactly than FastAPI derives what the server
accepts."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from golive_tui.domain.ops import MAX_STORED_INT
from golive_tui.domain.wire import PushRequest


class GoliveApi(FastAPI):
    """FastAPI, with an OpenAPI document that says what the server accepts more exactly."""

    def openapi(self) -> dict[str, Any]:
        schema = super().openapi()
        _read_bodies(schema)
        _parameters_never_null(schema)
        _exact_client_seq_bound(schema)
        return schema


#: bodies that a route reads itself (to read them faster), named in its ``openapi_extra``
READ_BODIES: tuple[type[BaseModel], ...] = (PushRequest,)
_REF = re.compile(r'"#/components/schemas/([^"]+)"')


def _read_bodies(schema: dict[str, Any]) -> None:
    """Add the schemas of :data:`READ_BODIES`, which the framework does not see, as it
    writes them for a body it reads (from an app of one route per body). Idempotent."""
    probe = FastAPI()
    for index, model in enumerate(READ_BODIES):
        probe.add_api_route(f"/{index}", _declared(model), methods=["POST"])
    written = probe.openapi().get("components", {}).get("schemas", {})
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    wanted = [model.__name__ for model in READ_BODIES]
    while wanted:  # the bodies' schemas and those they refer to, not the probe's own
        name = wanted.pop()
        if name in components or name not in written:
            continue
        components[name] = written[name]
        wanted += _REF.findall(json.dumps(written[name]))


def _declared(model: type[BaseModel]) -> Any:
    def route(body: Any) -> None:
        """A route that declares ``model`` as its body."""

    route.__annotations__ = {"body": model, "return": None}
    return route


def _exact_client_seq_bound(schema: dict[str, Any]) -> None:
    """Write the op's ``client_seq`` bound as the integer it is. Idempotent.

    FastAPI's schema writes numeric bounds as floats, and 2**63 - 1 as a float is 2**63,
    one past what the server accepts (:data:`~golive_tui.domain.ops.MAX_STORED_INT`).
    """
    op = schema.get("components", {}).get("schemas", {}).get("Op", {}).get("properties", {})
    if "client_seq" in op:
        op["client_seq"]["maximum"] = MAX_STORED_INT


def _parameters_never_null(schema: dict[str, Any]) -> None:
    """Drop the ``null`` that FastAPI derives from ``X | None`` for headers and query values.

    Such a value is text on the wire, never JSON ``null``: an optional one is left out, and
    the text "null" is not a valid value of it. Idempotent.
    """
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", ()):
                value = parameter.get("schema", {})
                branches = value.get("anyOf")
                if not isinstance(branches, list) or {"type": "null"} not in branches:
                    continue
                kept = [branch for branch in branches if branch != {"type": "null"}]
                del value["anyOf"]
                if len(kept) == 1:
                    value.update(kept[0])
                else:
                    value["anyOf"] = kept
