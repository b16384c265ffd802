"""The one place the report model becomes JSON and back: ``load(dump(r)) == r``.

Frozen dataclasses are encoded field by field and decoded by their type hints, so a new field needs
no codec change. Where docs/report.md wants a different shape than the model (protocols and ciphers as
objects keyed by version, summary counts named by status, ``tool`` as an object) the mapping is
spelled out here.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import hashlib
import json
import mmap
import os
import re
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from hatls.findings import Finding
from hatls.json_shape import SHAPE, Shape, Shared
from hatls.observations import EndpointObservation
from hatls.report._json_stream import Buffer
from hatls.report._model import Report

_SUMMARY_RENAMES = {"passed": "pass", "failed": "fail", "warned": "warn", "errored": "error"}
_KEYED_BY_VERSION = ("protocols", "ciphers", "cipher_order", "groups_by_version")


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


# The one form ``rfc3339`` writes and the shipped schema's ``time`` allows.
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


class DecodeError(ValueError):
    """A JSON value that does not fit the model, with the JSON path where it went wrong.

    A ValueError, so a union's decoder still tries its next alternative after one."""

    def __init__(self, path: tuple[str | int, ...], problem: str) -> None:
        super().__init__(problem)
        self.path = path
        self.problem = problem

    def within(self, step: str | int) -> DecodeError:
        return DecodeError((step, *self.path), self.problem)

    def where(self, root: str = "$") -> str:
        return root + "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in self.path)


_DECODE_ERRORS = (TypeError, ValueError, KeyError, AttributeError)


def decode_checked(tp: Any, data: Any) -> Any:
    """``decode``, but a failure is a DecodeError naming the JSON path of the value at fault.

    The path is looked for only after a failure (``locate_error``), so a good report decodes as
    fast as with ``decode`` itself."""
    try:
        return decode(tp, data)
    except _DECODE_ERRORS:
        raise locate_error(tp, data) from None


def locate_error(tp: Any, data: Any) -> DecodeError:
    """Where ``decode(tp, data)`` fails: the deepest part that fails on its own, and why."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    children: list[tuple[str | int, Any, Any]] = []
    if origin in (typing.Union, types.UnionType) and data is not None:
        kinds = [arg for arg in args if arg is not type(None)]
        if len(kinds) == 1:
            return locate_error(kinds[0], data)
    elif origin in (tuple, frozenset) and isinstance(data, list):
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            children = [(i, a, v) for i, (a, v) in enumerate(zip(args, data, strict=False))]
        else:
            children = [(i, args[0], v) for i, v in enumerate(data)]
    elif origin in (dict, Mapping, typing.Mapping) and isinstance(data, dict) and args:
        children = [(k, args[1], v) for k, v in data.items()]
    elif isinstance(tp, type) and dataclasses.is_dataclass(tp) and isinstance(data, dict):
        _field_names(tp)   # learns whether the class is shaped
        if tp in _SHAPED:
            return _locate_shaped(tp, _SHAPED[tp], data)
        children = [(name, field_tp, data[name]) for name, field_tp in _typed_fields(tp)
                    if name in data]
    for step, child_tp, child in children:
        try:
            decode(child_tp, child)
        except _DECODE_ERRORS:
            return locate_error(child_tp, child).within(step)
    try:
        decode(tp, data)
    except _DECODE_ERRORS as exc:
        return DecodeError((), str(exc)[:200])
    return DecodeError((), "does not fit the report model")


_FIELD_NAMES: dict[type, tuple[str, ...] | None] = {}


def _field_names(cls: type) -> tuple[str, ...] | None:
    """A dataclass's field names, looked up once per class (encode runs a million times)."""
    if cls not in _FIELD_NAMES:
        is_data = dataclasses.is_dataclass(cls)
        _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls)) if is_data else None
        if is_data and (plan := _plan(cls)) is not None:
            _SHAPED[cls] = plan
    return _FIELD_NAMES[cls]


# -- shaped classes (json_shape): fields in sections, left out at their default, shared values --


@dataclasses.dataclass(frozen=True, slots=True)
class _Field:
    name: str
    steps: tuple[str, ...]      # where in the JSON object: (key,) or (section, key)
    shape: Shape | None
    default: Any                # dataclasses.MISSING when the field has none


@dataclasses.dataclass(frozen=True, slots=True)
class _Plan:
    fields: tuple[_Field, ...]
    shared: Shared | None       # the class's values are written as a key into a table
    tables: tuple[str, ...]     # the tables of shared values this class's JSON holds


# The classes whose JSON is not the plain field-by-field form, and how (filled by _field_names).
_SHAPED: dict[type, _Plan] = {}
# The tables of shared values open while an object that holds them is encoded or decoded.
_TABLES: contextvars.ContextVar[Mapping[str, dict[str, Any]]] = contextvars.ContextVar(
    "hatls_json_tables", default=types.MappingProxyType({}))


def _plan(cls: type) -> _Plan | None:
    shared = getattr(cls, "JSON_SHARED", None)
    tables = tuple(getattr(cls, "JSON_TABLES", ()))
    fields = []
    for f in dataclasses.fields(cls):
        shape = f.metadata.get(SHAPE)
        steps = (f.name,) if shape is None else (
            *((shape.section,) if shape.section else ()), shape.name or f.name)
        default = (f.default_factory() if f.default_factory is not dataclasses.MISSING
                   else f.default)
        fields.append(_Field(name=f.name, steps=steps, shape=shape, default=default))
    if shared is None and not tables and all(f.shape is None for f in fields):
        return None
    return _Plan(fields=tuple(fields), shared=shared, tables=tables)


def _encode_shaped(value: Any, plan: _Plan) -> Any:
    if plan.shared is not None and plan.shared.table in (tables := _TABLES.get()):
        key = getattr(value, plan.shared.key)
        tables[plan.shared.table][key] = encode(getattr(value, plan.shared.value))
        return key
    opened: dict[str, dict[str, Any]] = {name: {} for name in plan.tables}
    token = _TABLES.set({**_TABLES.get(), **opened}) if opened else None
    try:
        out: dict[str, Any] = {}
        for f in plan.fields:
            item = getattr(value, f.name)
            if f.shape is not None and f.shape.omit_default and item == f.default:
                continue
            target = out
            for step in f.steps[:-1]:
                target = target.setdefault(step, {})
            target[f.steps[-1]] = encode(item)
    finally:
        if token is not None:
            _TABLES.reset(token)
    return out | {name: dict(sorted(table.items())) for name, table in opened.items()}


def _decode_shaped(cls: type, plan: _Plan, data: Any) -> Any:
    if plan.shared is not None and isinstance(data, str):
        table = _TABLES.get().get(plan.shared.table)
        if table is None or data not in table:
            raise KeyError(f"{data!r} is not in the report's {plan.shared.table}"[:200])
        return cls(**{plan.shared.key: data, plan.shared.value: table[data]})
    if not isinstance(data, dict):
        raise TypeError(f"expected an object for {cls.__name__}, got {type(data).__name__}")
    token = None
    if plan.tables:
        opened = {name: decode(dict[str, Any], data[name]) for name in plan.tables}
        token = _TABLES.set({**_TABLES.get(), **opened})
    try:
        hints = dict(_typed_fields(cls))
        kwargs = {f.name: decode(hints[f.name], found) for f in plan.fields
                  if (found := _lookup(data, f.steps)) is not _ABSENT}
    finally:
        if token is not None:
            _TABLES.reset(token)
    try:
        return cls(**kwargs)
    except TypeError as exc:  # a required field is missing, or __post_init__ refused a value
        raise TypeError(f"{cls.__name__}: {exc}"[:200]) from None


_ABSENT = object()


def _locate_shaped(cls: type, plan: _Plan, data: dict[str, Any]) -> DecodeError:
    """``locate_error`` for a shaped class: fields where its JSON keeps them, tables open."""
    token = None
    try:
        if plan.tables:
            for name in plan.tables:
                try:
                    decode(dict[str, Any], data[name])
                except _DECODE_ERRORS as exc:
                    return DecodeError((name,), f"expected an object: {exc}"[:200])
            token = _TABLES.set({**_TABLES.get(), **{n: data[n] for n in plan.tables}})
        hints = dict(_typed_fields(cls))
        for f in plan.fields:
            found = _lookup(data, f.steps)
            if found is _ABSENT:
                continue
            try:
                decode(hints[f.name], found)
            except _DECODE_ERRORS:
                error = locate_error(hints[f.name], found)
                for step in reversed(f.steps):
                    error = error.within(step)
                return error
        try:
            decode(cls, data)
        except _DECODE_ERRORS as exc:
            return DecodeError((), str(exc)[:200])
    finally:
        if token is not None:
            _TABLES.reset(token)
    return DecodeError((), "does not fit the report model")


def _lookup(data: Mapping[str, Any], steps: tuple[str, ...]) -> Any:
    for step in steps:
        if not isinstance(data, dict) or step not in data:
            return _ABSENT
        data = data[step]
    return data


_PLAIN = frozenset({str, int, float, bool, type(None)})


def encode(value: Any) -> Any:
    cls = type(value)
    if cls in _PLAIN:
        return value
    names = _field_names(cls)
    if names is not None:
        if cls in _SHAPED:
            return _encode_shaped(value, _SHAPED[cls])
        return {name: encode(getattr(value, name)) for name in names}
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
    if tp is str or tp is int or tp is bool:
        if type(data) is tp:
            return data
        raise TypeError(f"expected {tp}, got {data!r}"[:200])
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if data is None and type(None) in args:
            return None
        kinds = [arg for arg in args if arg is not type(None)]
        if len(kinds) == 1:   # ``X | None``: X's own error says where, better than "fits none"
            return decode(kinds[0], data)
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
        items = _as_list(data)
        if len(items) != len(args):
            raise TypeError(f"expected {len(args)} items, got {len(items)}")
        return tuple(decode(a, v) for a, v in zip(args, items, strict=True))
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
        if not isinstance(data, str) or not _TIME.fullmatch(data):
            raise TypeError(f"expected a time such as 2026-01-31T12:00:00Z, got {data!r}"[:200])
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


@functools.cache
def _typed_fields(cls: type) -> tuple[tuple[str, Any], ...]:
    # get_type_hints evaluates every annotation: once per class, not once per object decoded.
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))


def _decode_dataclass(cls: type, data: Any) -> Any:
    if cls not in _FIELD_NAMES:
        _field_names(cls)   # learns whether the class is shaped
    if (plan := _SHAPED.get(cls)) is not None:
        return _decode_shaped(cls, plan, data)
    if not isinstance(data, dict):
        raise TypeError(f"expected an object for {cls.__name__}, got {type(data).__name__}")
    kwargs = {name: decode(tp, data[name]) for name, tp in _typed_fields(cls) if name in data}
    try:
        return cls(**kwargs)
    except TypeError as exc:  # a required field is missing, or __post_init__ refused a value
        raise TypeError(f"{cls.__name__}: {exc}"[:200]) from None


def _endpoint_to_json(obs: EndpointObservation) -> dict[str, Any]:
    out: dict[str, Any] = encode(obs)
    for name in _KEYED_BY_VERSION:
        value = getattr(obs, name)
        out[name] = None if value is None else {k: encode(v) for k, v in value}
    return out


def summary_renames() -> dict[str, str]:
    """JSON summary key -> model field name ("pass" -> "passed", ...)."""
    return {v: k for k, v in _SUMMARY_RENAMES.items()}


def endpoint_from_json(data: dict[str, Any]) -> EndpointObservation:
    """One endpoint of a report's ``endpoints`` (protocols and ciphers keyed by version); a
    failure is a DecodeError with the path (``protocols[0][1]``: the first version's value)."""
    try:
        return _endpoint_from_json(data)
    except _DECODE_ERRORS:
        raise locate_error(EndpointObservation, _as_fields(data)) from None


def _as_fields(data: dict[str, Any]) -> dict[str, Any]:
    fixed = dict(data)
    for name in _KEYED_BY_VERSION:
        if isinstance(fixed.get(name), dict):
            fixed[name] = [[k, v] for k, v in fixed[name].items()]
    return fixed


def _endpoint_from_json(data: dict[str, Any]) -> EndpointObservation:
    value: EndpointObservation = decode(EndpointObservation, _as_fields(data))
    return value


def _without_null(data: dict[str, Any], key: str) -> dict[str, Any]:
    """Optional parts (a finding's waiver, the scan's labels) only where set: most findings
    have no waiver, and a report without them reads as it did before they existed."""
    if data.get(key, 0) is None:
        del data[key]
    return data


def _finding_to_json(finding: Finding) -> dict[str, Any]:
    return _without_null(encode(finding), "waiver")


def _head(report: Report) -> dict[str, Any]:
    summary = {_SUMMARY_RENAMES.get(k, k): v for k, v in encode(report.summary).items()}
    return {
        "schema": report.schema,
        "tool": {"name": report.tool_name, "version": report.tool_version},
        "scan": _without_null(_scan_to_json(report), "report"),
        "inputs": encode(report.inputs),
        "summary": summary,
    }


def _scan_to_json(report: Report) -> dict[str, Any]:
    scan: dict[str, Any] = encode(report.scan)
    if scan["zones"] is None:   # only zone scans and merges: other reports stay as they were
        del scan["zones"]
    return scan


def _tail(report: Report) -> dict[str, Any]:
    # Each only when there is one: reports without a baseline or waivers stay as they were.
    tail: dict[str, Any] = {}
    if report.drift is not None:
        tail["drift"] = encode(report.drift)
    if report.waivers:
        tail["waivers"] = encode(report.waivers)
    return tail


def _lists(report: Report) -> dict[str, Iterable[dict[str, Any]]]:
    """The two long lists, encoded one item at a time (a 10,000-endpoint report is ~250 MB)."""
    return {"endpoints": (_endpoint_to_json(e) for e in report.endpoints),
            "findings": (_finding_to_json(f) for f in report.findings)}


def report_to_json(report: Report) -> dict[str, Any]:
    lists = {key: list(items) for key, items in _lists(report).items()}
    return {**_head(report), **lists, **_tail(report)}


def iter_json(report: Report) -> Iterator[str]:
    """The text of ``dumps`` in pieces, one endpoint or finding at a time: a writer that takes
    them as they come never holds the whole report as JSON (see ``write_json``)."""
    sections = [*_head(report).items(), *_lists(report).items(), *_tail(report).items()]
    yield "{"
    for index, (key, value) in enumerate(sections):
        yield f'{"," if index else ""}\n  {_escape(key)}: '
        if key in ("endpoints", "findings"):
            yield from _iter_list(value, "  ")
        else:
            yield json_text(value, "  ")
    yield "\n}\n"


def _iter_list(items: Iterable[Any], pad: str) -> Iterator[str]:
    inner = pad + "  "
    empty = True
    for item in items:
        yield f'{"[" if empty else ","}\n{inner}{json_text(item, inner)}'
        empty = False
    yield "[]" if empty else f"\n{pad}]"


def write_json(report: Report, handle: typing.TextIO) -> None:
    """Write ``dumps(report)`` to an open text file without building it in memory first."""
    for piece in iter_json(report):
        handle.write(piece)


def dumps(report: Report) -> str:
    return "".join(iter_json(report))


@contextlib.contextmanager
def mapped(fd: int, *, size: int | None = None, scan: Callable[[bytes], None] | None = None,
           ) -> Iterator[tuple[Buffer, str, Callable[[int], None]]]:
    """An open file's first ``size`` bytes (default: all) as a read-only memory map, their
    SHA-256, and ``done(offset)`` for a parser to say which pages it has finished with.

    The pages already hashed or parsed are let go as it goes: a 30 MB report is never held in
    memory as bytes beside its model. Hash and model come from the same open file, so they
    describe the same bytes even if the path is replaced. ``scan`` sees each piece hashed (the
    reader looks for surrogate escapes on the way)."""
    length = os.fstat(fd).st_size if size is None else size
    if length == 0:   # an empty file cannot be mapped; the parser says why it is no report
        if scan is not None:
            scan(b"")
        yield b"", hashlib.sha256(b"").hexdigest(), lambda _offset: None
        return
    with mmap.mmap(fd, length, access=mmap.ACCESS_READ) as view:
        let_go = _let_go(view)
        digest = hashlib.sha256()
        for start in range(0, len(view), _HASH_CHUNK):
            piece = view[start:start + _HASH_CHUNK]
            digest.update(piece)
            if scan is not None:
                scan(piece)
            del piece
            let_go(start + _HASH_CHUNK)
        let_go(len(view))
        yield view, digest.hexdigest(), _let_go(view)


_HASH_CHUNK = 1 << 20


def _let_go(view: mmap.mmap) -> Callable[[int], None]:
    """``done(offset)``: the mapped pages wholly before ``offset`` leave this process's memory
    (they stay in the page cache; read again, they come back)."""
    released = 0

    def done(offset: int) -> None:
        nonlocal released
        upto = min(offset, len(view)) // mmap.PAGESIZE * mmap.PAGESIZE
        if upto - released >= _HASH_CHUNK and hasattr(view, "madvise"):
            view.madvise(mmap.MADV_DONTNEED, released, upto - released)
            released = upto

    return done


_escape = json.encoder.encode_basestring  # C-accelerated; the ensure_ascii=False form


def json_text(value: Any, pad: str = "") -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)`` as if nested at indentation ``pad``.

    json's own indenting encoder is pure Python and yields token by token; this one appends to a
    list and is about twice as fast on report-shaped data. Anything unusual goes to json itself."""
    out: list[str] = []
    _append_json(value, pad, out)
    return "".join(out)


def _append_json(value: Any, pad: str, out: list[str]) -> None:
    cls = type(value)
    if cls is str:
        out.append(_escape(value))
    elif cls is dict and all(type(k) is str for k in value):
        if not value:
            out.append("{}")
            return
        inner = pad + "  "
        out.append("{")
        sep = "\n"
        for key, item in value.items():
            out += (sep, inner, _escape(key), ": ")
            _append_json(item, inner, out)
            sep = ",\n"
        out += ("\n", pad, "}")
    elif cls is list:
        if not value:
            out.append("[]")
            return
        inner = pad + "  "
        out.append("[")
        sep = "\n"
        for item in value:
            out += (sep, inner)
            _append_json(item, inner, out)
            sep = ",\n"
        out += ("\n", pad, "]")
    elif value is None or value is True or value is False or cls is int:
        out.append("null" if value is None else "true" if value is True else
                   "false" if value is False else int.__repr__(value))
    else:
        out.append(json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + pad))
