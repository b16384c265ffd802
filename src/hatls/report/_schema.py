"""The published JSON Schemas: the report's and the drift's (shipped files) and the inventory's data
model."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def report_schema() -> dict[str, Any]:
    text = resources.files("hatls.report").joinpath("report.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def drift_schema() -> dict[str, Any]:
    """The published JSON Schema of ``drift_to_json``'s output (shipped as drift.schema.json)."""
    text = resources.files("hatls.report").joinpath("drift.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def inventory_schema() -> dict[str, Any]:
    """The shape of ``inputs.inventory`` in a report (the resolved inventory, no secrets)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "hatls resolved inventory (report inputs.inventory); the file format is docs/inventory.md",
        "type": "object",
        "required": ["version", "path", "sha256", "scan", "pairs"],
        "properties": {
            "version": {"const": 1},
            "path": {"type": "string"},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "scan": {"type": "object"},
            "client": {"type": ["object", "null"]},
            "pairs": {"type": "array", "minItems": 1,
                      "items": {"type": "object", "required": ["name", "primary"]}},
        },
    }
