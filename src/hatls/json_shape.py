"""How a model's JSON differs from the plain form the generic codec gives it (report/codec.py).

The codec encodes a frozen dataclass field by field and decodes it by its type hints. Where the
published JSON has another shape than the model (docs/report.md's ``inputs``), the model says so here,
on the field or the class, and the codec follows: no hand-written walk per type. A leaf: models
at any layer (inventory, policy, report) import it without importing the codec.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

# The key of a dataclass field's metadata the codec reads.
SHAPE: Final = "hatls.json"


@dataclass(frozen=True, slots=True, kw_only=True)
class Shape:
    """How one field appears in JSON."""

    section: str | None = None   # it sits in this sub-object (``versions.allowed``)
    name: str | None = None      # its key there, when not the field's own name
    # Left out while it equals its default: a part that older reports lack, so they keep their shape.
    omit_default: bool = False


def shaped(*, section: str | None = None, name: str | None = None,
           omit_default: bool = False) -> Mapping[str, Shape]:
    """Field metadata: ``field(default=None, metadata=shaped(omit_default=True))``."""
    return {SHAPE: Shape(section=section, name=name, omit_default=omit_default)}


@dataclass(frozen=True, slots=True, kw_only=True)
class Shared:
    """A class whose values are stored once, in a table, and referred to by key elsewhere.

    Set as the class attribute ``JSON_SHARED``: a value is written as its ``key`` field; the
    ``value`` field goes into ``table`` (key -> value) of the nearest enclosing object whose class
    lists that table in ``JSON_TABLES``. A CA that every port names is stored once."""

    table: str
    key: str
    value: str
