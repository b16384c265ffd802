"""Find the line of a key path (`pair[2].backup.ports[1].mode`) in an inventory's TOML text.

`tomllib` gives a line only for syntax errors, so semantic errors are placed by this small
scanner. It follows table headers (counting `[[array]]` occurrences, 1-based like the key
paths), `key = value` lines with dotted or quoted keys, and arrays and inline tables spread
over lines, recording the line where each path first appears. It is tolerant by design: on
text it does not understand it skips to the next line, and every loop consumes at least one
character, so it terminates on any input and never raises.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

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
