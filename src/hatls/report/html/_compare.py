"""Primary against backup, one attribute at a time: the cells of the side-by-side view.

Not every difference means the same. Settings the guide wants identical on both servers
(modes, versions, suites, groups, client-certificate requirement) are *drift* when they differ;
a certificate's names and fingerprint are each host's own, so a difference there is expected,
and sameness on two different hosts is the suspicious case (GHA-005). Each cell knows how it
compares with its twin, and each list item whether the twin lacks it, so the templates only
lay out what is decided here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RowKind(StrEnum):
    MATCH = "match"          # both servers must agree: a difference is drift
    IDENTITY = "identity"    # each host has its own: a difference is expected
    INFO = "info"            # context (dates, errors): a difference is shown, not judged


class Tone(StrEnum):
    SAME = "same"
    DRIFT = "drift"              # must match and does not
    NOTED = "noted"              # differs, as two hosts normally do
    SHARED = "shared"            # a host's own identity found identical on the other host
    UNCOMPARED = "uncompared"    # a side was not probed: nothing to compare
    ALONE = "alone"              # no twin: no backup, or the port exists on one server only


# How each tone reads in a legend or a tooltip.
TONE_MEANING: dict[Tone, str] = {
    Tone.SAME: "same on both servers",
    Tone.DRIFT: "differs, but must be identical on primary and backup",
    Tone.NOTED: "differs, as it normally does between two hosts",
    Tone.SHARED: "identical on two different hosts, where each should have its own",
    Tone.UNCOMPARED: "not compared: one side was not probed",
    Tone.ALONE: "no counterpart on the other server",
}


class ItemState(StrEnum):
    PLAIN = "plain"      # a value
    ON = "on"            # a capability observed present (a version accepted, a feature on)
    OFF = "off"          # observed absent
    UNKNOWN = "unknown"  # not probed


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    text: str
    state: ItemState = ItemState.PLAIN
    unique: bool = False     # the twin cell lacks this item (same text in the same state)


@dataclass(frozen=True, slots=True, kw_only=True)
class Absent:
    """A side with nothing to show, and why ("no backup in this pair")."""

    note: str


# What one side holds for a row: items, None for "not probed", or Absent.
Side = tuple[Item, ...] | None | Absent


@dataclass(frozen=True, slots=True, kw_only=True)
class Cell:
    items: tuple[Item, ...]
    note: str = ""           # shown instead of items: "not probed", "none", "no backup"


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    label: str
    kind: RowKind
    tone: Tone
    primary: Cell
    backup: Cell
    hint: str = ""           # why this row matters (the rule that judges it)

    @property
    def differs(self) -> bool:
        return self.tone in (Tone.DRIFT, Tone.NOTED)

    @property
    def meaning(self) -> str:
        return TONE_MEANING[self.tone]


def _key(items: tuple[Item, ...]) -> frozenset[tuple[str, ItemState]]:
    # Order is not compared: hatls does not judge suite preference order (policy `not_checked`).
    return frozenset((i.text, i.state) for i in items)


def tone_of(kind: RowKind, primary: Side, backup: Side, *, same_host: bool) -> Tone:
    if isinstance(primary, Absent) or isinstance(backup, Absent):
        return Tone.ALONE
    if primary is None or backup is None:
        return Tone.UNCOMPARED
    if _key(primary) == _key(backup):
        shared_identity = kind is RowKind.IDENTITY and not same_host and bool(primary)
        return Tone.SHARED if shared_identity else Tone.SAME
    return Tone.DRIFT if kind is RowKind.MATCH else Tone.NOTED


def _cell(side: Side, twin: Side, *, mark: bool, empty: str) -> Cell:
    if isinstance(side, Absent):
        return Cell(items=(), note=side.note)
    if side is None:
        return Cell(items=(), note="not probed")
    if not side:
        return Cell(items=(), note=empty)
    if not mark or not isinstance(twin, tuple):
        return Cell(items=side)
    theirs = _key(twin)
    return Cell(items=tuple(Item(text=i.text, state=i.state, unique=(i.text, i.state) not in theirs)
                            for i in side))


def compare_row(
    label: str,
    kind: RowKind,
    primary: Side,
    backup: Side,
    *,
    same_host: bool,
    hint: str = "",
    empty: str = "none",
) -> Row:
    """One attribute of a port on both servers, with each item marked where the twin lacks it."""
    tone = tone_of(kind, primary, backup, same_host=same_host)
    mark = tone in (Tone.DRIFT, Tone.NOTED)
    return Row(
        label=label, kind=kind, tone=tone, hint=hint,
        primary=_cell(primary, backup, mark=mark, empty=empty),
        backup=_cell(backup, primary, mark=mark, empty=empty),
    )


def plain(*texts: str | None) -> tuple[Item, ...]:
    """Items from texts, dropping the Nones."""
    return tuple(Item(text=t) for t in texts if t is not None)


def state_item(text: str, value: bool | None) -> Item:
    """A capability chip: on, off, or not probed."""
    state = ItemState.UNKNOWN if value is None else ItemState.ON if value else ItemState.OFF
    return Item(text=text, state=state)
