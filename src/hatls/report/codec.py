"""The one place the report model becomes JSON and back: ``load(dump(r)) == r``.

Frozen dataclasses are encoded field by field and decoded by their type hints, so a new field needs
no codec change. Where REPORT.md wants a different shape than the model (protocols and ciphers as
objects keyed by version, summary counts named by status, ``tool`` as an object) the mapping is
spelled out here.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from hatls.observations import EndpointObservation
from hatls.report.model import Report, ScanMeta, Summary
from hatls.rules.model import Finding

_SUMMARY_RENAMES = {"passed": "pass", "failed": "fail", "warned": "warn", "errored": "error"}
_KEYED_BY_VERSION = ("protocols", "ciphers")


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, Mapping):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, tuple | list | frozenset | set):
        items = sorted(value) if isinstance(value, frozenset | set) else value
        return [encode(v) for v in items]
    return value


def decode(tp: Any, data: Any) -> Any:
    """Rebuild a value of type ``tp`` from its JSON form (the inverse of ``encode``)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if data is None and type(None) in args:
            return None
        for arg in args:
            if arg is type(None):
                continue
            try:
                return decode(arg, data)
            except (TypeError, ValueError, KeyError):
                continue
        raise ValueError(f"{data!r} fits none of {tp}")
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(decode(args[0], v) for v in _as_list(data))
        return tuple(decode(a, v) for a, v in zip(args, _as_list(data), strict=True))
    if origin is frozenset:
        return frozenset(decode(typing.get_args(tp)[0], v) for v in _as_list(data))
    if origin in (dict, Mapping, typing.Mapping) or tp is dict:
        if not isinstance(data, dict):
            raise TypeError(f"expected an object, got {type(data).__name__}")
        args = typing.get_args(tp)
        return {k: decode(args[1], v) if args else v for k, v in data.items()}
    if tp is Any:
        return data
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _decode_dataclass(tp, data)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(data)
    if tp is datetime:
        return parse_time(data)
    if tp is float and isinstance(data, int | float) and not isinstance(data, bool):
        return float(data)
    if tp in (str, int, bool) and type(data) is tp:
        return data
    raise TypeError(f"expected {tp}, got {data!r}"[:200])


def _as_list(data: Any) -> list[Any]:
    if not isinstance(data, list):
        raise TypeError(f"expected a list, got {type(data).__name__}")
    return data


def _decode_dataclass(cls: type, data: Any) -> Any:
    if not isinstance(data, dict):
        raise TypeError(f"expected an object for {cls.__name__}")
    hints = typing.get_type_hints(cls)
    kwargs = {f.name: decode(hints[f.name], data[f.name])
              for f in dataclasses.fields(cls) if f.name in data}
    return cls(**kwargs)


def _endpoint_to_json(obs: EndpointObservation) -> dict[str, Any]:
    out: dict[str, Any] = encode(obs)
    for name in _KEYED_BY_VERSION:
        value = getattr(obs, name)
        out[name] = None if value is None else {k: encode(v) for k, v in value}
    return out


def _endpoint_from_json(data: dict[str, Any]) -> EndpointObservation:
    fixed = dict(data)
    for name in _KEYED_BY_VERSION:
        if isinstance(fixed.get(name), dict):
            fixed[name] = [[k, v] for k, v in fixed[name].items()]
    value: EndpointObservation = decode(EndpointObservation, fixed)
    return value


def report_to_json(report: Report) -> dict[str, Any]:
    summary = {_SUMMARY_RENAMES.get(k, k): v for k, v in encode(report.summary).items()}
    data: dict[str, Any] = {
        "schema": report.schema,
        "tool": {"name": report.tool_name, "version": report.tool_version},
        "scan": encode(report.scan),
        "inputs": encode(report.inputs),
        "summary": summary,
        "endpoints": [_endpoint_to_json(e) for e in report.endpoints],
        "findings": [encode(f) for f in report.findings],
    }
    if report.drift is not None:   # only with a baseline: reports without one stay as they were
        data["drift"] = encode(report.drift)
    return data


def report_from_json(data: dict[str, Any]) -> Report:
    summary = {({v: k for k, v in _SUMMARY_RENAMES.items()}).get(k, k): v
               for k, v in data["summary"].items()}
    return Report(
        schema=data["schema"],
        tool_name=data["tool"]["name"],
        tool_version=data["tool"]["version"],
        scan=decode(ScanMeta, data["scan"]),
        inputs=data["inputs"],
        summary=decode(Summary, summary),
        endpoints=tuple(_endpoint_from_json(e) for e in data["endpoints"]),
        findings=tuple(decode(Finding, f) for f in data["findings"]),
        drift=data.get("drift"),
    )


def dumps(report: Report) -> str:
    return json.dumps(report_to_json(report), indent=2, ensure_ascii=False) + "\n"


def loads(text: str) -> Report:
    return report_from_json(json.loads(text))
