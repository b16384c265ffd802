"""The one TOML checker: typed reads from a parsed table that collect every problem, with lines.

`tomllib` gives a line only for syntax errors, and a type it cannot know: the inventory, the
waivers and the policy read their tables through this module. Each read returns the value, or
None when the key is absent or wrong; a wrong value is recorded as a `Problem` with its key path
(`pair[2].backup.ports[1].mode`) and line, so the loader can go on and report all of them.

Lines are found by a small scanner (`LineIndex`). It follows table headers (counting `[[array]]`
occurrences, 1-based like the key paths), `key = value` lines with dotted or quoted keys, and
arrays and inline tables spread over lines, recording the line where each path first appears.
It is tolerant by design: on text it does not understand it skips to the next line, and every
loop consumes at least one character, so it terminates on any input and never raises.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

Table = Mapping[str, object]
EnumT = TypeVar("EnumT", bound=StrEnum)
T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """One error in a checked file: where it is (file, line, key path) and what is wrong."""

    file: str
    line: int | None
    key: str  # e.g. "pair[2].backup.ports[1].mode"; "" for whole-file problems
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR_END = frozenset(",]}#\n")
_TRAILING_PART = re.compile(r"(\.[^.\[\]]*|\[\d+\])$")
# Deeper nesting is skipped over rather than followed, so no input can exhaust the stack.
_MAX_DEPTH = 32


def join_key(path: str, key: str) -> str:
    """`join_key("pair[1]", "name")` = "pair[1].name"; the root path is ""."""
    return f"{path}.{key}" if path else key


def index_key(path: str, index: int) -> str:
    """Element `index` (1-based, as in messages) of the array at `path`."""
    return f"{path}[{index}]"


class LineIndex:
    """The first line (1-based) of every key path found in one TOML text."""

    def __init__(self, text: str) -> None:
        self._lines: Mapping[str, int] = _Scanner(text).scan()

    def line_of(self, path: str) -> int | None:
        """The line of `path`, else of its nearest enclosing key or table, else None."""
        # An unknown array of tables (`[[pairs]]`) is recorded by its first element only.
        if path not in self._lines and f"{path}[1]" in self._lines:
            return self._lines[f"{path}[1]"]
        while path:
            if path in self._lines:
                return self._lines[path]
            trimmed = _TRAILING_PART.sub("", path)
            path = trimmed if trimmed != path else ""
        return None


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.found: dict[str, int] = {}
        self.array_table_counts: dict[str, int] = {}

    # -- characters ------------------------------------------------------------------------

    def peek(self, length: int = 1) -> str:
        return self.text[self.pos : self.pos + length]

    def advance(self, count: int = 1) -> None:
        end = min(self.pos + count, len(self.text))
        self.line += self.text.count("\n", self.pos, end)
        self.pos = end

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def skip_blanks(self, *, newlines: bool) -> None:
        """Skip spaces and tabs; with `newlines`, also line breaks and comments."""
        while not self.at_end():
            char = self.peek()
            if char in " \t\r" or (newlines and char == "\n"):
                self.advance()
            elif newlines and char == "#":
                self.skip_line()
            else:
                return

    def skip_line(self) -> None:
        """Move to the next line break (not past it), ignoring the rest of this line."""
        end = self.text.find("\n", self.pos)
        self.advance((len(self.text) if end < 0 else end) - self.pos)

    def record(self, path: str) -> None:
        if path:
            self.found.setdefault(path, self.line)

    # -- document --------------------------------------------------------------------------

    def scan(self) -> dict[str, int]:
        table = ""
        while True:
            self.skip_blanks(newlines=True)
            if self.at_end():
                return self.found
            start = self.pos
            if self.peek() == "[":
                table = self.header(table)
            else:
                self.key_value(table)
            if self.pos == start:
                self.advance()  # unreadable: make progress anyway
            self.skip_line()

    def header(self, current: str) -> str:
        is_array = self.peek(2) == "[["
        self.advance(2 if is_array else 1)
        segments = self.key_segments()
        if not segments:
            return current
        path = ""
        for number, segment in enumerate(segments, start=1):
            path = join_key(path, segment)
            if number == len(segments) and is_array:
                self.array_table_counts[path] = self.array_table_counts.get(path, 0) + 1
            if path in self.array_table_counts:
                path = index_key(path, self.array_table_counts[path])
        self.record(path)
        return path

    def key_value(self, table: str) -> None:
        segments = self.key_segments()
        if not segments:
            return
        path = table
        for segment in segments:
            path = join_key(path, segment)
        self.record(path)
        self.skip_blanks(newlines=False)
        if self.peek() == "=":
            self.advance()
            self.skip_blanks(newlines=False)
            self.value(path)

    def key_segments(self) -> list[str]:
        """A dotted key, each part bare, "basic" or 'literal'; [] when there is none."""
        segments: list[str] = []
        while True:
            self.skip_blanks(newlines=False)
            segment = self.key_segment()
            if segment is None:
                return segments
            segments.append(segment)
            self.skip_blanks(newlines=False)
            if self.peek() != ".":
                return segments
            self.advance()

    def key_segment(self) -> str | None:
        quote = self.peek()
        if quote in ('"', "'"):
            end = self.text.find(quote, self.pos + 1)
            if end < 0 or "\n" in self.text[self.pos : end]:
                return None
            segment = self.text[self.pos + 1 : end]
            self.advance(end + 1 - self.pos)
            return segment
        match = _BARE_KEY.match(self.text, self.pos)
        if match is None:
            return None
        self.advance(match.end() - self.pos)
        return match.group()

    # -- values ----------------------------------------------------------------------------

    def value(self, path: str) -> None:
        char = self.peek()
        if char in ("[", "{") and path.count("[") + path.count(".") > _MAX_DEPTH:
            self.advance()
        elif char == "[":
            self.array(path)
        elif char == "{":
            self.inline_table(path)
        elif char in ('"', "'"):
            self.string()
        else:
            while not self.at_end() and self.peek() not in _SCALAR_END:
                self.advance()

    def array(self, path: str) -> None:
        self.advance()
        index = 0
        while True:
            self.skip_blanks(newlines=True)
            char = self.peek()
            if char in ("", "]"):
                self.advance()
                return
            if char == ",":
                self.advance()
                continue
            index += 1
            element = index_key(path, index)
            self.record(element)
            start = self.pos
            self.value(element)
            if self.pos == start:
                self.advance()

    def inline_table(self, path: str) -> None:
        self.advance()
        while True:
            self.skip_blanks(newlines=True)
            char = self.peek()
            if char in ("", "}"):
                self.advance()
                return
            if char == ",":
                self.advance()
                continue
            start = self.pos
            self.key_value(path)
            if self.pos == start:
                self.advance()

    def string(self) -> None:
        quote = self.peek()
        delimiter = quote * 3 if self.peek(3) == quote * 3 else quote
        self.advance(len(delimiter))
        while not self.at_end():
            if quote == '"' and self.peek() == "\\":
                self.advance(2)
            elif self.peek(len(delimiter)) == delimiter:
                # A multi-line string may end with up to two extra quotes ("""a"""").
                self.advance(len(delimiter))
                while len(delimiter) == 3 and self.peek() == quote:
                    self.advance()
                return
            elif len(delimiter) == 1 and self.peek() == "\n":
                return
            else:
                self.advance()



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
