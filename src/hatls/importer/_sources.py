"""Reading the sources named on the command line, telling their format, and dispatching them.

The only I/O of the import apart from writing the result: files are read whole (bounded), a
folder is read as a genesys-tools dump (`Application.json`, `Host.json`), and every source of
one run must be of one format.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hatls.importer._build import NO_SETTINGS, ImportSettings, build_draft
from hatls.importer._build_csv import build_from_rows
from hatls.importer._csv import CsvRow, looks_like_csv, parse_csv
from hatls.importer._draft import Draft, Outcome
from hatls.importer._gax import looks_like_gax, parse_gax
from hatls.importer._model import Application, Configuration, Host, ImportProblem, SourceFormat
from hatls.importer._mutagen import looks_like_mutagen, parse_mutagen
from hatls.inventory import MEBIBYTE, UnreadableFile, read_regular_file

# A site with thousands of applications and their options runs to tens of MB of GAX JSON.
MAX_SOURCE_BYTES = 256 * MEBIBYTE
DUMP_FILES = ("Application.json", "Host.json")  # sapk/genesys-tools `dump`: one file per type


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceText:
    path: str
    text: str


def import_sources(paths: Sequence[str], source_format: SourceFormat | None = None,
                   settings: ImportSettings = NO_SETTINGS) -> Outcome:
    """Read, parse and build: the draft for `paths`, or the problems that stop it."""
    texts, problems = _read_all(paths)
    shown = tuple(text.path for text in texts)
    if problems:
        return _failed(source_format, shown, problems)
    documents: list[tuple[SourceText, SourceFormat, object]] = []
    for source in texts:
        found = _document(source, source_format, problems)
        if found is not None:
            documents.append((source, *found))
    formats = {kind for _, kind, _ in documents}
    if len(formats) > 1:
        listed = ", ".join(f"{source.path} ({kind})" for source, kind, _ in documents)
        problems.append(ImportProblem(file=documents[0][0].path, subject="",
                                      message=f"the sources mix formats: {listed}; import one format "
                                              "at a time"))
    if problems or not documents:
        return _failed(source_format, shown, problems)
    kind = documents[0][1]
    if kind is SourceFormat.CSV:
        rows: list[CsvRow] = []
        for source, _, _ in documents:
            parsed_rows, found_problems = parse_csv(source.path, source.text)
            rows += parsed_rows
            problems += found_problems
        return build_from_rows(tuple(rows), tuple(problems), shown)
    applications: list[Application] = []
    hosts: list[Host] = []
    parser = parse_gax if kind is SourceFormat.GAX_JSON else parse_mutagen
    for source, _, document in documents:
        found_applications, found_hosts, found_problems = parser(source.path, document)
        applications += found_applications
        hosts += found_hosts
        problems += found_problems
    configuration = Configuration(format=kind, applications=tuple(applications), hosts=tuple(hosts),
                                  problems=tuple(problems))
    return build_draft(configuration, shown, settings)


def _failed(source_format: SourceFormat | None, shown: tuple[str, ...],
            problems: list[ImportProblem]) -> Outcome:
    draft = Draft(format=source_format or SourceFormat.GAX_JSON, sources=shown, pairs=())
    return Outcome(draft=draft, errors=tuple(problems))


def _read_all(paths: Sequence[str]) -> tuple[list[SourceText], list[ImportProblem]]:
    texts: list[SourceText] = []
    problems: list[ImportProblem] = []
    for path in paths:
        folder = Path(path)
        if folder.is_dir():
            found = [folder / name for name in DUMP_FILES if (folder / name).is_file()]
            if not any(file.name == DUMP_FILES[0] for file in found):
                problems.append(ImportProblem(
                    file=path, subject="", message="a folder without Application.json: give the folder of "
                                                   "a genesys-tools dump, or the JSON files"))
                continue
            for file in found:
                _read(str(file), texts, problems)
        else:
            _read(path, texts, problems)
    return texts, problems


def _read(path: str, texts: list[SourceText], problems: list[ImportProblem]) -> None:
    try:
        data = read_regular_file(Path(path), limit=MAX_SOURCE_BYTES)
    except UnreadableFile as refused:
        problems.append(ImportProblem(file=path, subject="", message=str(refused)))
        return
    try:
        texts.append(SourceText(path=path, text=data.decode("utf-8-sig")))
    except UnicodeDecodeError as error:
        problems.append(ImportProblem(file=path, subject="", message=f"not UTF-8 text (byte {error.start}): "
                                      "save it as UTF-8"))


def _document(source: SourceText, forced: SourceFormat | None,
              problems: list[ImportProblem]) -> tuple[SourceFormat, object] | None:
    if forced is SourceFormat.CSV or (forced is None and looks_like_csv(source.path, source.text)):
        return SourceFormat.CSV, None
    try:
        document: object = json.loads(source.text)
    except json.JSONDecodeError as error:
        problems.append(ImportProblem(file=source.path, subject="",
                                      message=f"malformed JSON: {error.msg} (line {error.lineno}, "
                                              f"column {error.colno})"))
        return None
    except RecursionError:
        problems.append(ImportProblem(file=source.path, subject="",
                                      message="malformed JSON: nested too deeply"))
        return None
    if forced is not None:
        return forced, document
    if isinstance(document, list) or looks_like_gax(document):
        return SourceFormat.GAX_JSON, document
    if looks_like_mutagen(document):
        return SourceFormat.MUTAGEN_JSON, document
    problems.append(ImportProblem(file=source.path, subject="",
                                  message="neither GAX JSON nor a mutagen export: give --format if it is "
                                          "one of them"))
    return None
