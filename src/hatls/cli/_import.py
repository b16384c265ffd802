"""`hatls import`: a draft inventory from Genesys configuration data (docs/import.md).

Exit status: 0 written, 2 bad input or usage (nothing written), 3 the output cannot be written
(or the draft would not load: a bug in the import, never a silent wrong file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hatls.cli._exit import EXIT_CANNOT_RUN, EXIT_USAGE, fail
from hatls.cli._init_template import DEFAULT_INVENTORY_NAME
from hatls.importer import (
    HA_SYNC_FIELDS,
    ImportSettings,
    Outcome,
    SourceFormat,
    import_sources,
    printable,
    render_draft,
    review_items,
)
from hatls.inventory import InventoryError, parse_inventory
from hatls.output import OutputError, check_writable, write_atomic


def import_inventory(
    sources: Annotated[list[str], typer.Argument(
        metavar="SOURCE...", help="GAX JSON files (or a genesys-tools dump folder), a mutagen JSON export, "
                                  "or a CSV file.")],
    out: Annotated[str, typer.Option(
        "--out", "-o", metavar="PATH",
        help="Where to write the draft inventory ('-' = standard output).")] = DEFAULT_INVENTORY_NAME,
    source_format: Annotated[SourceFormat | None, typer.Option(
        "--format", metavar="FORMAT",
        help="The sources' format: gax-json, mutagen-json or csv; detected when not given.")] = None,
    ha_sync_field: Annotated[str | None, typer.Option(
        "--ha-sync-field", metavar="FIELD",
        help="The port field (longfield1..4, charfield1..4) that holds HA sync at your site, once "
             "checked; without it ha_sync is a review item.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a draft inventory from Genesys configuration data: pairs, hosts, ports, TLS options.
    What the data cannot say is marked "# review:" and listed. Exit: 0 written, 2 bad input (nothing
    written), 3 the output cannot be written."""
    field = ha_sync_field.strip().casefold() if ha_sync_field is not None else None
    if field is not None and field not in HA_SYNC_FIELDS:
        raise fail(f"--ha-sync-field {ha_sync_field!r}: give one of {', '.join(HA_SYNC_FIELDS)}", EXIT_USAGE)
    if field is not None and source_format is SourceFormat.CSV:
        raise fail("--ha-sync-field applies to GAX and mutagen data; a CSV has its own ha_sync column",
                    EXIT_USAGE)
    to_stdout = out == "-"
    if not to_stdout:
        if Path(out).exists() and not force:
            raise fail(f"{out}: exists; choose another path or add --force to overwrite it", EXIT_USAGE)
        try:
            check_writable(out)
        except OutputError as exc:
            raise fail(str(exc), EXIT_CANNOT_RUN) from None
    outcome = import_sources(sources, source_format, ImportSettings(ha_sync_field=field))
    for warning in outcome.warnings:
        typer.echo(f"hatls: warning: {warning}", err=True)
    if outcome.errors:
        for error in outcome.errors:
            typer.echo(f"hatls: {error}", err=True)
        raise fail(f"nothing written: {len(outcome.errors)} problem(s) in the sources", EXIT_USAGE)
    text = render_draft(outcome.draft)
    target = "<standard output>" if to_stdout else out
    try:
        # The draft must be what `hatls validate` accepts; if not, that is a bug here, and no file
        # that only looks right may leave this command.
        parse_inventory(text, path=target, base_dir=str(Path(out).parent) if not to_stdout else ".")
    except InventoryError as exc:
        raise fail(f"the draft would not load, nothing written (a bug in hatls import):\n{exc}",
                    EXIT_CANNOT_RUN) from None
    if to_stdout:
        typer.echo(text, nl=False)
    else:
        try:
            write_atomic(out, text)
        except OutputError as exc:
            raise fail(str(exc), EXIT_CANNOT_RUN) from None
    for line in summary_lines(outcome, target):
        typer.echo(line, err=to_stdout)


def summary_lines(outcome: Outcome, target: str) -> list[str]:
    """What was written, then every review item by pair and port; the count is the last line."""
    pairs = outcome.draft.pairs
    standalone = sum(1 for pair in pairs if pair.backup is None)
    ports = sum(len(server.ports) for pair in pairs for server in (pair.primary, pair.backup) if server)
    lines = [f"wrote {target}: {len(pairs) - standalone} pair(s), {standalone} standalone server(s), "
             f"{ports} port(s)"]
    if outcome.warnings:
        lines.append(f"left out: {len(outcome.warnings)} (see the warnings above)")
    if outcome.left_out_clients:
        lines.append(f"not servers, so not imported: {outcome.left_out_clients} application(s)")
    items = review_items(outcome.draft)
    if items:
        lines.append("to review (each also a \"# review:\" comment in the file):")
    current = None
    for item in items:
        if item.pair != current:
            current = item.pair
            lines.append(f"  {printable(item.pair)}")
        lines.append(f"    {item.where}: {item.text}")
    lines.append(f"{len(items)} item(s) to review")
    return lines
