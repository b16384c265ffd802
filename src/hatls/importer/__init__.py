"""`hatls import`: a draft inventory from Genesys configuration data (docs/import.md).

    outcome = import_sources(["Application.json", "Host.json"])   # read, parse, build
    if not outcome.errors:
        text = render_draft(outcome.draft)                         # commented TOML

The pipeline: one parser per source format (`_gax`, `_mutagen`, `_csv`) turns files into frozen
values (`_model`); one pure function builds the draft (`_build.build_draft`; CSV rows:
`_build_csv.build_from_rows`); `_toml` writes it. Nothing the data does not say is guessed:
it is a review note in the file and on the terminal.
"""

from __future__ import annotations

from hatls.importer._build import HA_SYNC_FIELDS, ImportSettings, build_draft
from hatls.importer._build_csv import build_from_rows
from hatls.importer._csv import CsvRow, parse_csv
from hatls.importer._draft import (
    Draft,
    DraftPair,
    DraftPort,
    DraftServer,
    Outcome,
    PortTls,
    ReviewItem,
    review_items,
)
from hatls.importer._gax import parse_gax
from hatls.importer._model import (
    Application,
    Configuration,
    Host,
    ImportProblem,
    ObjectRef,
    PortInfo,
    Property,
    SourceFormat,
    printable,
)
from hatls.importer._mutagen import parse_mutagen
from hatls.importer._sources import import_sources
from hatls.importer._toml import render_draft

__all__ = [
    "HA_SYNC_FIELDS",
    "Application",
    "Configuration",
    "CsvRow",
    "Draft",
    "DraftPair",
    "DraftPort",
    "DraftServer",
    "Host",
    "ImportProblem",
    "ImportSettings",
    "ObjectRef",
    "Outcome",
    "PortInfo",
    "PortTls",
    "Property",
    "ReviewItem",
    "SourceFormat",
    "build_draft",
    "build_from_rows",
    "import_sources",
    "parse_csv",
    "parse_gax",
    "parse_mutagen",
    "printable",
    "render_draft",
    "review_items",
]
