"""A saved report read back as untrusted input: checked whole before any of it is used.

``render``, ``diff``, ``export``, ``sign`` and ``scan --baseline`` read reports that anyone may
have edited. This module turns the bytes into a `Report` or one `ReportInvalid` naming the JSON
path at fault; ``hatls.files`` adds the file rules (a regular file, a size cap) in front of it.

Validation is structural, in the typed loader (``codec.decode``), not by a JSON Schema validator
at run time: the loader checks every value's type anyway, and after a failure looks for the JSON
path of the value at fault, so a good report loads as fast as before (0.9 s for 17 MB), while
jsonschema takes 5.5 s for the same 17 MB (about 80 s for a 250 MB report of 10,000 endpoints)
and would be a new runtime dependency. What the typed loader cannot see (the ``schema`` name, the
tool name, nesting depth, lone surrogates, NaN) is checked here; tests/test_files.py checks each
case against the shipped schema too, so the two cannot drift apart unnoticed.

The verdict is never read from the file: ``summary`` is recomputed from the findings, ``fail_on``
and ``scan.status``, so a report edited to say ``compliant: true`` above a breaking finding says
"not compliant" again, and an interrupted report is never compliant.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any, NoReturn

from hatls.report.codec import DecodeError, decode_checked, endpoint_from_json, summary_renames
from hatls.report.diff_model import Drift
from hatls.report.model import SCHEMA_ID, Report, ScanMeta, ScanStatus, Summary, summarize
from hatls.rules.engine import is_internal
from hatls.rules.model import Finding

# A report nests about eight levels deep (endpoint → chain → certificate → san); evidence and the
# inventory a few more. Far beyond that is a crafted file, and the renderers recurse on it.
MAX_DEPTH = 64

# Any JSON escape of a UTF-16 surrogate (\uD800-\uDFFF), paired or not: a plain search (a few
# ms for 10 MB) that tells whether the exact check is needed. hatls writes such characters as
# UTF-8, so only a report from elsewhere pays for the walk that finds a lone one and its path.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class ReportInvalid(ValueError):
    """Not a hatls report this version can use; ``str()`` is one line with the JSON path."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}"[:500])
        self.path = path
        self.problem = problem


def _invalid(path: str, problem: str) -> NoReturn:
    raise ReportInvalid(path, problem)


def _no_constant(name: str) -> NoReturn:
    _invalid("$", f"{name} is not a JSON number")


def parse_json(data: bytes) -> Any:
    """The JSON value of ``data``, strictly: UTF-8, no NaN, nesting bounded, no lone surrogate."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        _invalid("$", f"not UTF-8 text (byte {exc.start})")
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        _invalid("$", f"nested deeper than {MAX_DEPTH} levels")
    except json.JSONDecodeError as exc:
        _invalid("$", f"not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")
    _check_tree(value, "$", 0, surrogates=_SURROGATE_ESCAPE.search(text) is not None)
    return value


def _check_tree(value: Any, path: str, depth: int, *, surrogates: bool) -> None:
    if depth > MAX_DEPTH:
        _invalid(path, f"nested deeper than {MAX_DEPTH} levels")
    if type(value) is str:
        if surrogates and not _encodable(value):
            _invalid(path, "a lone UTF-16 surrogate (\\ud800-\\udfff) is not text")
    elif type(value) is dict:
        for key, item in value.items():
            if surrogates and not _encodable(key):
                _invalid(path, "a key holds a lone UTF-16 surrogate")
            if type(item) in (dict, list) or surrogates:
                _check_tree(item, f"{path}.{key}", depth + 1, surrogates=surrogates)
    elif type(value) is list:
        for index, item in enumerate(value):
            if type(item) in (dict, list) or surrogates:
                _check_tree(item, f"{path}[{index}]", depth + 1, surrogates=surrogates)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _object(value: Any, path: str) -> dict[str, Any]:
    if type(value) is not dict:
        _invalid(path, f"expected an object, got {_kind(value)}")
    return value


def _list(value: Any, path: str) -> list[Any]:
    if type(value) is not list:
        _invalid(path, f"expected an array, got {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
            type(None): "null"}.get(type(value), "a number")


def _field(data: dict[str, Any], key: str, path: str) -> Any:
    if key not in data:
        _invalid(path, f"required field {key!r} is missing")
    return data[key]


def _typed(tp: Any, value: Any, path: str) -> Any:
    try:
        return decode_checked(tp, value)
    except DecodeError as exc:
        _invalid(exc.where(path), exc.problem)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        _invalid(path, str(exc)[:200])


def report_from_data(data: Any) -> Report:
    """The report in ``data`` (parsed JSON), validated; the summary recomputed from the findings."""
    top = _object(data, "$")
    schema = _field(top, "schema", "$")
    if schema != SCHEMA_ID:
        _invalid("$.schema", f"expected {SCHEMA_ID!r}, got {schema!r}"[:200])
    tool = _object(_field(top, "tool", "$"), "$.tool")
    if _field(tool, "name", "$.tool") != "hatls":
        _invalid("$.tool.name", "expected 'hatls'")
    version = _field(tool, "version", "$.tool")
    if type(version) is not str:
        _invalid("$.tool.version", f"expected a string, got {_kind(version)}")
    scan: ScanMeta = _typed(ScanMeta, _field(top, "scan", "$"), "$.scan")
    inputs = _object(_field(top, "inputs", "$"), "$.inputs")
    for key in ("inventory", "policy"):
        _object(_field(inputs, key, "$.inputs"), f"$.inputs.{key}")
    renames = summary_renames()
    stored = _object(_field(top, "summary", "$"), "$.summary")
    summary: Summary = _typed(Summary, {renames.get(k, k): v for k, v in stored.items()}, "$.summary")
    endpoints = tuple(_endpoint(item, f"$.endpoints[{i}]")
                      for i, item in enumerate(_list(_field(top, "endpoints", "$"), "$.endpoints")))
    findings: tuple[Finding, ...] = tuple(
        _typed(Finding, item, f"$.findings[{i}]")
        for i, item in enumerate(_list(_field(top, "findings", "$"), "$.findings")))
    drift = top.get("drift")
    if drift is not None:
        _typed_drift(drift)
    report = Report(schema=SCHEMA_ID, tool_name="hatls", tool_version=version, scan=scan,
                    inputs=inputs, summary=summary, endpoints=endpoints, findings=findings,
                    drift=drift)
    return dataclasses.replace(report, summary=recomputed_summary(report))


def _endpoint(value: Any, path: str) -> Any:
    try:
        return endpoint_from_json(_object(value, path))
    except DecodeError as exc:
        _invalid(exc.where(path), exc.problem)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        _invalid(path, str(exc)[:200])


def _typed_drift(value: Any) -> None:
    # Kept as data in the report, but it must read back as a Drift (what the HTML shows of it).
    _typed(Drift, _object(value, "$.drift"), "$.drift")


def recomputed_summary(report: Report) -> Summary:
    """The summary from the findings, ``fail_on`` and ``scan.status`` alone, as the scan made it.

    Never from the file's own ``summary`` (only ``pairs`` is taken from it: a count, no verdict).
    An interrupted scan did not look at everything, so it is never compliant."""
    summary = summarize(pairs=report.summary.pairs, endpoints=report.endpoints,
                        findings=report.findings, fail_on=report.scan.fail_on,
                        internal_errors=sum(map(is_internal, report.findings)),
                        complete=report.scan.status is ScanStatus.COMPLETE)
    return summary


def report_from_bytes(data: bytes) -> Report:
    """``data`` as a validated report, or ReportInvalid naming the JSON path at fault."""
    return report_from_data(parse_json(data))
