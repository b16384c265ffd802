"""A saved report read back as untrusted input: checked whole before any of it is used.

``render``, ``diff``, ``export``, ``sign`` and ``scan --baseline`` read reports that anyone may
have edited. This module turns the bytes into a `Report` or one `ReportInvalid` naming the JSON
path at fault; ``hatls.files`` adds the file rules (a regular file, a size cap) in front of it.

The report is read the memory-lean way (``_json_stream``): the top-level members one by one, and
each endpoint and finding parsed, checked and turned into its typed object before the next is
read, so neither the whole text nor the whole parse is ever held beside the model.

Validation is structural, in the typed loader (``_codec.decode``), per member and per item, not by
a JSON Schema validator at run time: the loader checks every value's type anyway, and after a
failure looks for the JSON path of the value at fault, so a good report loads as fast as without
validation, while
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
import itertools
import json
import re
from collections.abc import Callable
from datetime import UTC
from typing import Any, NoReturn

from hatls.findings import Finding, Status
from hatls.observations import EndpointObservation
from hatls.report._codec import DecodeError, decode_checked, endpoint_from_json, summary_renames
from hatls.report._drift import Drift
from hatls.report._json_stream import Buffer, parse_object, parse_value, starts_object
from hatls.report._model import SCHEMA_ID, Report, ScanMeta, ScanStatus, Summary, summarize
from hatls.rules import REASON_KEY, ROOT_RULE, RULES_KEY, is_internal
from hatls.waivers import WaiverOutcome, waivers_from_data

# A report nests about eight levels deep (endpoint → chain → certificate → san); evidence and the
# inventory a few more. Far beyond that is a crafted file, and the renderers recurse on it.
MAX_DEPTH = 64

# Any JSON escape of a UTF-16 surrogate (\uD800-\uDFFF), paired or not: a plain search (a few
# ms for 10 MB) that tells whether the exact check is needed. hatls writes such characters as
# UTF-8, so only a report from elsewhere pays for the walk that finds a lone one and its path.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_ESCAPE_CHARS = 4


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


class EscapeScan:
    """Fed a file's bytes piece by piece (as they are hashed), tells whether any piece holds a
    surrogate escape: only then are the parsed strings walked for a lone surrogate."""

    def __init__(self) -> None:
        self.seen = False
        self._tail = b""

    def feed(self, piece: bytes) -> None:
        if not self.seen:
            # The last few bytes of the previous piece: an escape cut in two is still found.
            self.seen = _SURROGATE_ESCAPE.search(self._tail + piece[:_ESCAPE_CHARS]) is not None \
                or _SURROGATE_ESCAPE.search(piece) is not None
            self._tail = piece[-(_ESCAPE_CHARS - 1):]


# The strict parse: NaN, Infinity and -Infinity are not JSON numbers (json accepts them).
_STRICT = json.JSONDecoder(parse_constant=_no_constant)


def _parsed(data: Buffer, converters: dict[str, Callable[[Any], Any]],
            done: Callable[[int], None] | None) -> dict[str, Any]:
    """The top-level object, its endpoints and findings converted item by item as they are read;
    anything that is not strict UTF-8 JSON is a ReportInvalid at ``$``."""
    try:
        if not starts_object(data):
            # Parsed whole only to say what it is instead (a report file is an object).
            _object(parse_value(data, _STRICT), "$")
        return parse_object(data, converters, done=done, decoder=_STRICT)
    except RecursionError:
        _invalid("$", f"nested deeper than {MAX_DEPTH} levels")
    except UnicodeDecodeError as exc:
        _invalid("$", f"not UTF-8 text ({exc.reason})")
    except json.JSONDecodeError as exc:
        _invalid("$", f"not JSON: {exc.msg}")


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


def report_from_buffer(data: Buffer, *, surrogates: bool = True,
                       done: Callable[[int], None] | None = None) -> Report:
    """The report in ``data`` (UTF-8 JSON bytes, or a memory map of them), validated as it is
    parsed; the summary recomputed from the findings. ``surrogates``: whether the bytes hold a
    surrogate escape (``EscapeScan``); when False, strings are not walked for a lone one.
    ``done``: told which bytes were parsed (``_json_stream.parse_object``)."""

    def items(name: str, convert: Callable[[Any, str], Any]) -> Callable[[Any], Any]:
        index = itertools.count()

        def item(value: Any) -> Any:
            path = f"$.{name}[{next(index)}]"
            _check_tree(value, path, 2, surrogates=surrogates)
            return convert(value, path)

        return item

    top = _parsed(data, {"endpoints": items("endpoints", _endpoint),
                         "findings": items("findings", _finding)}, done)
    for key, value in top.items():
        # A tuple is a list of items already checked and converted; the rest is checked here.
        if type(value) is not tuple:
            if surrogates and not _encodable(key):
                _invalid("$", "a key holds a lone UTF-16 surrogate")
            _check_tree(value, f"$.{key}", 1, surrogates=surrogates)
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
    endpoints: tuple[EndpointObservation, ...] = _converted(top, "endpoints")
    findings: tuple[Finding, ...] = _converted(top, "findings")
    drift = top.get("drift")
    if drift is not None:
        _typed_drift(drift)
    waivers: tuple[WaiverOutcome, ...] = _typed(tuple[WaiverOutcome, ...], top.get("waivers", []),
                                                 "$.waivers")
    report = Report(schema=SCHEMA_ID, tool_name="hatls", tool_version=version, scan=scan,
                    inputs=inputs, summary=summary, endpoints=endpoints, findings=findings,
                    drift=drift, waivers=waivers)
    _check_waived(report)
    return dataclasses.replace(report, summary=recomputed_summary(report))


def _check_waived(report: Report) -> None:
    """A finding's ``waiver`` stops it breaking compliance, so it is trusted no more than the
    summary is: only on a fail or warn, and only where a waiver of ``inputs.waivers`` that was
    live on the scan's start day covers it (an edited report cannot waive its way to green)."""
    try:
        given = waivers_from_data(report.inputs.get("waivers"))
    except ValueError as exc:
        _invalid("$.inputs.waivers", str(exc)[:200])
    today = report.scan.started.astimezone(UTC).date()
    for index, finding in enumerate(report.findings):
        if finding.waiver is None:
            continue
        path = f"$.findings[{index}].waiver"
        if finding.status not in (Status.FAIL, Status.WARN):
            _invalid(path, "only a fail or warn finding can be waived")
        if not any(w.covers(finding) and w.ref() == finding.waiver and not w.expired(today)
                   for w in given):
            _invalid(path, "no waiver of $.inputs.waivers that was live at the scan covers it")


def _converted(top: dict[str, Any], name: str) -> Any:
    value = _field(top, name, "$")
    if type(value) is not tuple:   # not an array: parse_object left it as it was
        _list(value, f"$.{name}")
    return value


def _finding(value: Any, path: str) -> Finding:
    finding: Finding = _typed(Finding, value, path)
    if RULES_KEY in finding.evidence or REASON_KEY in finding.evidence:
        _check_folded(finding, f"{path}.evidence")
    return finding


_RULE_ID = re.compile(r"(GHA|TLS)-\d{3}")


def _check_folded(finding: Finding, path: str) -> None:
    """Skips folded into a TLS-001 finding (rules/_fold.py) are counted in the summary and listed
    again by diff and metrics: only where the engine puts them, and only rule IDs."""
    if finding.rule != ROOT_RULE or finding.status not in (Status.ERROR, Status.WARN):
        _invalid(f"{path}.{RULES_KEY}", "only a TLS-001 error or warn holds folded skips")
    rules = _list(finding.evidence.get(RULES_KEY), f"{path}.{RULES_KEY}")
    for index, rule in enumerate(rules):
        if type(rule) is not str or not _RULE_ID.fullmatch(rule):
            _invalid(f"{path}.{RULES_KEY}[{index}]", "expected a rule ID such as TLS-010")
    if type(finding.evidence.get(REASON_KEY)) is not str:
        _invalid(f"{path}.{REASON_KEY}", "expected a string (why the folded checks were skipped)")


def _endpoint(value: Any, path: str) -> EndpointObservation:
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
    scan = EscapeScan()
    scan.feed(data)
    return report_from_buffer(data, surrogates=scan.seen)


def loads(text: str | bytes) -> Report:
    """A report from its JSON text (or its UTF-8 bytes): ``hatls.load_report``, the inverse of
    ``dumps``. Read as any saved report is, validated (``report_from_buffer``: there is one
    reader, so the Python API cannot trust a summary the command would recompute); a report that
    does not fit is a ReportInvalid (a ValueError) naming the JSON path at fault. A report file is
    read by ``hatls.files.read_report``, which adds the file rules (a regular file, a size cap)."""
    return report_from_bytes(text.encode("utf-8") if isinstance(text, str) else text)
