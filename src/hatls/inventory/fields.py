"""Typed reads from a parsed TOML table that collect every problem instead of stopping.

Each read returns the value, or None when the key is absent or wrong; a wrong value is recorded
as a `Problem` with its key path and line, so the loader can go on and report all of them.
"""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TypeVar

from hatls.inventory.locate import LineIndex, index_key, join_key
from hatls.inventory.model import Problem

Table = Mapping[str, object]
EnumT = TypeVar("EnumT", bound=StrEnum)
T = TypeVar("T")


def describe(value: object) -> str:
    """How a TOML value reads in a message: its kind, and the value when it is short."""
    match value:
        case bool():
            return f"a boolean ({str(value).lower()})"
        case int():
            return f"an integer ({value})"
        case float():
            return f"a float ({value})"
        case str():
            return f"a string ({value!r})"
        case list():
            return "an array"
        case dict():
            return "a table"
        case datetime.date() | datetime.time():
            return f"a date/time ({value.isoformat()})"
    return type(value).__name__


def choices_text(values: Iterable[str]) -> str:
    return ", ".join(value or '""' for value in values)


def or_default(value: T | None, default: T) -> T:
    return default if value is None else value



# Names a user may reach for that hatls spells otherwise: `[scan] timeout` is the TLS exchange's.
_SYNONYMS = {"timeout": "handshake_timeout", "tls_timeout": "handshake_timeout",
             "pairs": "pair", "servers": "pair", "cert": "certificate",
             "ha": "ha_sync", "hasync": "ha_sync", "listening_mode": "mode", "ciphers": "cipher_list"}


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """The choice a typo most likely meant: a known synonym, a near miss, two letters swapped."""
    options = list(choices)
    normal = word.strip().lower().replace("-", "_")
    if _SYNONYMS.get(normal) in options:
        return _SYNONYMS[normal]
    by_normal = {option.lower().replace("-", "_"): option for option in options}
    if normal in by_normal:
        return by_normal[normal]
    close = difflib.get_close_matches(normal, list(by_normal), n=1, cutoff=0.8)
    if close:
        return by_normal[close[0]]
    swapped = [o for n, o in by_normal.items() if len(n) == len(normal) and sorted(n) == sorted(normal)]
    return swapped[0] if len(swapped) == 1 else None

class Checker:
    """Reads values from tables and collects the problems found on the way."""

    def __init__(self, *, file: str, lines: LineIndex) -> None:
        self.file = file
        self.lines = lines
        self.problems: list[Problem] = []

    def report(self, key: str, message: str) -> None:
        line = self.lines.line_of(key) if key else None
        self.problems.append(Problem(file=self.file, line=line, key=key, message=message))

    def missing(self, key: str, path: str) -> None:
        self.report(join_key(path, key), "required key is missing")

    def known_keys(self, table: Table, allowed: Iterable[str], path: str) -> None:
        """An unknown key is an error: a typo in `ha_sync` must not turn a check off."""
        known = sorted(allowed)
        for key in table:
            if key in known:
                continue
            # Suggest only a near miss ("hasync", "mdoe", "sec-protocol"); otherwise list what fits here.
            close = suggest(key, known)
            hint = f"did you mean {close!r}?" if close else f"allowed here: {', '.join(known)}"
            self.report(join_key(path, key), f"unknown key {key!r} ({hint})")

    def wrong_type(self, key: str, expected: str, value: object) -> None:
        self.report(key, f"must be {expected}, not {describe(value)}")

    def table(self, parent: Table, key: str, path: str, *, required: bool = False) -> Table | None:
        value = parent.get(key)
        if value is None:
            if required:
                self.missing(key, path)
            return None
        if not isinstance(value, dict):
            self.wrong_type(join_key(path, key), "a table", value)
            return None
        return value

    def string(self, table: Table, key: str, path: str, *, required: bool = False) -> str | None:
        value = table.get(key)
        if value is None:
            if required:
                self.missing(key, path)
            return None
        if not isinstance(value, str):
            self.wrong_type(join_key(path, key), "a string", value)
            return None
        if required and not value.strip():
            self.report(join_key(path, key), "must not be empty")
            return None
        return value

    def boolean(self, table: Table, key: str, path: str) -> bool | None:
        value = table.get(key)
        if value is None or isinstance(value, bool):
            return value
        self.wrong_type(join_key(path, key), "true or false", value)
        return None

    def integer(
        self,
        table: Table,
        key: str,
        path: str,
        *,
        minimum: int,
        maximum: int | None = None,
        required: bool = False,
    ) -> int | None:
        value = table.get(key)
        if value is None:
            if required:
                self.missing(key, path)
            return None
        # TOML booleans are Python ints: `port = true` is a wrong type, not port 1.
        if not isinstance(value, int) or isinstance(value, bool):
            self.wrong_type(join_key(path, key), "an integer", value)
            return None
        if value < minimum or (maximum is not None and value > maximum):
            upper = "" if maximum is None else f"–{maximum}"
            bound = f"in the range {minimum}{upper}" if upper else f"at least {minimum}"
            self.report(join_key(path, key), f"{value} is out of range: must be {bound}")
            return None
        return value

    def seconds(self, table: Table, key: str, path: str) -> float | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, int | float) or isinstance(value, bool):
            self.wrong_type(join_key(path, key), "a number of seconds", value)
            return None
        if not 0 < value < float("inf"):
            self.report(join_key(path, key), f"{value} must be a positive number of seconds")
            return None
        return float(value)

    def choice(
        self, table: Table, key: str, path: str, kind: type[EnumT], *, required: bool = False
    ) -> EnumT | None:
        if required and key not in table:
            self.missing(key, path)
            return None
        text = self.string(table, key, path)
        if text is None:
            return None
        try:
            return kind(text)
        except ValueError:
            values = [member.value for member in kind]
            close = suggest(text, values)
            hint = f": did you mean {close!r}?" if close else ""
            self.report(join_key(path, key), f"{text!r} is not one of {choices_text(values)}{hint}")
            return None

    def array_of_tables(self, table: Table, key: str, path: str) -> list[object] | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, list):
            self.wrong_type(join_key(path, key), "an array of tables", value)
            return None
        return value


def check_unique(checker: Checker, entries: list[object], key: str, path: str, what: str) -> None:
    """Two entries of one array with the same `key` (pair names, a server's port ids)."""
    array_name = path.rsplit(".", 1)[-1]
    first_use: dict[str, int] = {}
    for number, entry in enumerate(entries, start=1):
        value = entry.get(key) if isinstance(entry, dict) else None
        if not isinstance(value, str):
            continue
        if value in first_use:
            earlier = index_key(array_name, first_use[value])
            checker.report(
                join_key(index_key(path, number), key),
                f"{what} {value!r} is already used by {earlier}",
            )
        else:
            first_use[value] = number
