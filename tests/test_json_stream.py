"""The streaming report parser reads what json.loads reads, and refuses what it refuses."""

from __future__ import annotations

import contextlib
import hashlib
import json
import mmap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hatls.files import ReportFileError, read_report
from hatls.report import ReportInvalid, dumps, loads
from hatls.report import _codec as codec
from hatls.report import _json_stream as json_stream
from hatls.report._json_stream import parse_object
from tests.report_fixtures import sample_report

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)
DOCS = st.dictionaries(st.sampled_from(["items", "other", "ü", ""]) | st.text(max_size=5),
                       VALUES, max_size=5)


def as_tuple(value: Any) -> Any:
    return ("item", value)


def expected(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(as_tuple(i) for i in v) if k == "items" and isinstance(v, list) else v
            for k, v in doc.items()}


@settings(max_examples=300, deadline=None)
@given(doc=DOCS, indent=st.sampled_from([None, 0, 2, "\t"]), ascii_only=st.booleans())
def test_it_reads_what_json_loads_reads(doc: dict[str, Any], indent: Any, ascii_only: bool) -> None:
    text = json.dumps(doc, indent=indent, ensure_ascii=ascii_only)
    assert parse_object(text.encode("utf-8"), {"items": as_tuple}) == expected(json.loads(text))


def test_values_larger_than_the_first_window_and_cut_utf8(monkeypatch: pytest.MonkeyPatch) -> None:
    # A tiny window forces every value to be grown into, and cuts fall inside "é" and "€".
    monkeypatch.setattr(json_stream, "_MIN_WINDOW", 3)
    doc = {"items": [{"n": 1234567890123, "s": "é€" * 50}, 12345.5e10, "x"],
           "head": {"k": ["€" * 7, 1.5, None, True]}, "n": 123456789}
    for indent in (None, 2):
        data = json.dumps(doc, indent=indent, ensure_ascii=False).encode("utf-8")
        assert parse_object(data, {"items": as_tuple}) == expected(doc)


@pytest.mark.parametrize("text", [
    "", "[]", "{", '{"a": 1', '{"a": 1,}', '{"a" 1}', '{"a": 1} x', '{"items": [1, 2}',
    '{"items": [1,, 2]}', '{"items": [1 2]}', "{'a': 1}", '\ufeff{"a": 1}', '{"a": tru}',
    '{"a": 1}{"b": 2}', '{"items": [', '{"a": "unterminated}',
])
def test_it_refuses_what_json_loads_refuses(text: str) -> None:
    with contextlib.suppress(ValueError):
        assert not isinstance(json.loads(text), dict)   # "[]": JSON, but not an object
    with pytest.raises(ValueError):
        parse_object(text.encode("utf-8"), {"items": as_tuple})


def test_bytes_that_are_not_utf8_are_refused() -> None:
    with pytest.raises(UnicodeDecodeError):
        parse_object(b'{"a": "\xff"}', {})


def test_equal_strings_come_out_as_one_object() -> None:
    data = json.dumps({"items": [{"r": "x" * 40}, {"r": "x" * 40}], "h": "x" * 40}).encode()
    out = parse_object(data, {"items": lambda item: item["r"]})
    assert out["items"][0] is out["items"][1] is out["h"]


def test_a_report_reads_back_from_text_and_bytes() -> None:
    report = sample_report()
    text = dumps(report)
    assert loads(text) == loads(text.encode("utf-8")) == report
    data = json.loads(text)
    for name in ("endpoints", "findings"):
        for wrong in ({}, None, "x"):
            # The one reader (hatls.load_report is the command's reader): a ValueError that
            # names the JSON path, never a bare TypeError from deep inside.
            with pytest.raises(ReportInvalid, match=rf"^\$(\.{name})?: "):
                loads(json.dumps({**data, name: wrong}))


def test_a_report_file_reads_through_its_memory_map_with_its_hash(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = sample_report()
    path = tmp_path / "report.json"
    path.write_text(dumps(report), encoding="utf-8")
    # Pages are let go every few bytes here, so the parse reads back pages already dropped.
    monkeypatch.setattr(codec, "_HASH_CHUNK", mmap.PAGESIZE)
    again, digest = read_report(path)
    assert again == report
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
    for broken in (b"", b"{", b'{"schema": "x"}', "{\"a\": \"\xff\"}".encode("latin-1")):
        path.write_bytes(broken)
        with pytest.raises(ReportFileError, match="not a readable hatls report"):
            read_report(path)
