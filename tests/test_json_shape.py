"""The generic codec's shapes (hatls.json_shape): what lets the inventory and the policy go
through report/codec.py with the JSON of docs/report.md, without a hand-written walk per type."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import ClassVar

import pytest

from hatls.json_shape import Shared, shaped
from hatls.report._codec import DecodeError, decode, decode_checked, encode


@dataclass(frozen=True, slots=True, kw_only=True)
class Blob:
    name: str
    body: str
    JSON_SHARED: ClassVar[Shared] = Shared(table="bodies", key="name", value="body")


@dataclass(frozen=True, slots=True, kw_only=True)
class Holder:
    title: str
    low: int = field(metadata=shaped(section="limits", name="min"))
    high: int | None = field(default=None, metadata=shaped(section="limits", name="max"))
    note: str | None = field(default=None, metadata=shaped(omit_default=True))
    blobs: tuple[Blob, ...] = ()
    main: Blob | None = None
    JSON_TABLES: ClassVar[tuple[str, ...]] = ("bodies",)


A, B = Blob(name="a.pem", body="AAA"), Blob(name="b.pem", body="BBB")


def test_sections_defaults_and_a_shared_table() -> None:
    holder = Holder(title="t", low=1, blobs=(A, B, A), main=B)
    data = encode(holder)
    assert data == {"title": "t", "limits": {"min": 1, "max": None}, "blobs": ["a.pem", "b.pem",
                    "a.pem"], "main": "b.pem", "bodies": {"a.pem": "AAA", "b.pem": "BBB"}}
    assert decode(Holder, json.loads(json.dumps(data))) == holder
    noted = Holder(title="t", low=1, note="n")
    assert encode(noted)["note"] == "n" and decode(Holder, encode(noted)) == noted


def test_a_shared_value_outside_its_table_is_written_whole() -> None:
    assert encode(A) == {"name": "a.pem", "body": "AAA"}
    assert decode(Blob, encode(A)) == A


def test_a_reference_to_nothing_names_its_path() -> None:
    data = encode(Holder(title="t", low=1, blobs=(A,)))
    data["blobs"].append("missing.pem")
    with pytest.raises(DecodeError) as caught:
        decode_checked(Holder, data)
    assert caught.value.where() == "$.blobs[1]"
    data = encode(Holder(title="t", low=1))
    data["limits"]["min"] = "1"
    with pytest.raises(DecodeError) as caught:
        decode_checked(Holder, data)
    assert caught.value.where() == "$.limits.min"
