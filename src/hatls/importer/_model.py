"""Genesys configuration objects as the parsers hand them on: frozen, typed, source-neutral.

Only what the import reads is kept. Names follow the Platform SDK (`portInfos`, `transportParams`,
`userProperties`); enum values are *normalized*: the Genesys literal without its `CFG` prefix,
case-folded (`CFGHTHotStanby` and mutagen's `hthotstanby` are both ``"hthotstanby"``), so the
GAX and mutagen parsers yield the same values. Links between objects are by *key*: the dbid in
GAX data, the name in a mutagen export (which links by name).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SourceFormat(StrEnum):
    GAX_JSON = "gax-json"
    MUTAGEN_JSON = "mutagen-json"
    CSV = "csv"


def without_cfg(literal: str) -> str:
    """`CFGStatServer` → `StatServer`: the Genesys literal as a person reads it."""
    text = literal.strip()
    return text[3:] if text[:3].upper() == "CFG" else text


def normalized(literal: str) -> str:
    """`CFGHTWarmStanby` → `htwarmstanby`; mutagen's short names are already in this form."""
    return without_cfg(literal).casefold()


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectRef:
    """Which object of which file: what every message about it names."""

    file: str
    kind: str  # "application", "host", "row"
    name: str
    dbid: str | None = None

    def __str__(self) -> str:
        dbid = "" if self.dbid is None else f" (dbid {printable(self.dbid)})"
        return f"{self.kind} {printable(self.name)!r}{dbid}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportProblem:
    """One bad-input message: the file, the object (name and dbid) and what is wrong."""

    file: str
    subject: str  # "" for a whole-file problem
    message: str

    def __str__(self) -> str:
        where = printable(self.file)
        return f"{where}: {self.subject}: {self.message}" if self.subject else f"{where}: {self.message}"


def problem(ref: ObjectRef, message: str) -> ImportProblem:
    return ImportProblem(file=ref.file, subject=str(ref), message=message)


@dataclass(frozen=True, slots=True, kw_only=True)
class Property:
    """One option or Annex entry: `[section] key = value`."""

    section: str
    key: str
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PortInfo:
    id: str
    port: int
    transport_params: str = ""
    # longfield1..4 and charfield1..4 as written (lower-case names), for --ha-sync-field.
    fields: tuple[tuple[str, str], ...] = ()

    def field(self, name: str) -> str | None:
        return next((value for key, value in self.fields if key == name), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Application:
    ref: ObjectRef
    key: str  # what other objects link to: the dbid (GAX) or the name (mutagen)
    app_type: str  # CfgAppType without "CFG" ("TServer"; mutagen: "tserver"); "" = not in the data
    is_server: bool | None  # GAX `isserver`; None = not in the data
    redundancy: str  # normalized CfgHAType ("hthotstanby", ...); "" = not in the data
    is_primary: bool | None
    backup_key: str | None  # None = no backup
    host_key: str | None  # None = no host
    state: str  # normalized ("enabled", "disabled"); "" = not in the data
    ports: tuple[PortInfo, ...]
    options: tuple[Property, ...]
    annex: tuple[Property, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Host:
    ref: ObjectRef
    key: str
    name: str
    address: str  # CfgHost IPaddress; "" = none
    annex: tuple[Property, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Configuration:
    """What one or more sources of one format say, and what was wrong in them."""

    format: SourceFormat
    applications: tuple[Application, ...] = ()
    hosts: tuple[Host, ...] = ()
    problems: tuple[ImportProblem, ...] = ()


_CONTROL = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}


def printable(text: str, limit: int = 200) -> str:
    """Untrusted text for a terminal line or a TOML comment: no control characters (a newline
    would end a comment and start TOML; an escape sequence would drive the terminal), bounded."""
    shown = text.translate(_CONTROL)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
