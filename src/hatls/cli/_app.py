"""The typer application: the commands in the order people use them, each imported when it runs.

Start-up is most of a small scan's time, and every ``hatls --version``, ``--help`` or mistyped
option pays it. So this module imports typer and nothing of the scanner: a command's module (with
trio, cryptography, the rules, jinja2) is imported when that command is asked for, through the
``_load_*`` functions below (bench/startup.py measures it). ``--help`` lists the commands from the
table here, without loading any.
"""

from __future__ import annotations

import errno
import signal
import sys
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import MarkupMode, TyperGroup
from typer.main import get_command_from_info
from typer.models import CommandInfo

from hatls._version import __version__
from hatls.cli._exit import EXIT_CANNOT_RUN, EXIT_INTERRUPTED
from hatls.cli._interrupts import keep_swallowed_interrupts, unless_interrupted

if TYPE_CHECKING:
    # typer's own copy of click (typer >= 0.22); only the types are needed here.
    from typer._click import Command, Context, HelpFormatter

CommandFunction = Callable[..., None]

# Typer turns a KeyboardInterrupt during a command into exit 130; hatls's status for it is 4.
_TYPER_INTERRUPTED = 130


# Each loader imports one command's module when that command runs (or its --help is asked for):
# deliberately lazy, for start-up time (see the module docstring), not to break an import cycle.
def _load_init() -> CommandFunction:
    from hatls.cli._evidence import init  # noqa: PLC0415  (lazy: start-up time)

    return init


def _load_import() -> CommandFunction:
    from hatls.cli._import import import_inventory  # noqa: PLC0415  (lazy: start-up time)

    return import_inventory


def _load_validate() -> CommandFunction:
    from hatls.cli._validate import validate  # noqa: PLC0415  (lazy: start-up time)

    return validate


def _load_scan() -> CommandFunction:
    from hatls.cli._scan import scan  # noqa: PLC0415  (lazy: start-up time)

    return scan


def _load_merge() -> CommandFunction:
    from hatls.cli._merge import merge_command  # noqa: PLC0415  (lazy: start-up time)

    return merge_command


def _load_render() -> CommandFunction:
    from hatls.cli._render import render  # noqa: PLC0415  (lazy: start-up time)

    return render


def _load_diff() -> CommandFunction:
    from hatls.cli._diff import diff  # noqa: PLC0415  (lazy: start-up time)

    return diff


def _load_export() -> CommandFunction:
    from hatls.cli._outputs import export  # noqa: PLC0415  (lazy: start-up time)

    return export


def _load_sign() -> CommandFunction:
    from hatls.cli._evidence import sign  # noqa: PLC0415  (lazy: start-up time)

    return sign


def _load_verify() -> CommandFunction:
    from hatls.cli._evidence import verify  # noqa: PLC0415  (lazy: start-up time)

    return verify


def _load_demo() -> CommandFunction:
    from hatls.cli._demo import demo  # noqa: PLC0415  (lazy: start-up time)

    return demo


def _load_rules() -> CommandFunction:
    from hatls.cli._reference import rules  # noqa: PLC0415  (lazy: start-up time)

    return rules


def _load_policies() -> CommandFunction:
    from hatls.cli._reference import policies  # noqa: PLC0415  (lazy: start-up time)

    return policies


def _load_schema() -> CommandFunction:
    from hatls.cli._reference import schema  # noqa: PLC0415  (lazy: start-up time)

    return schema


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandEntry:
    name: str
    short_help: str   # the line `hatls --help` shows, without importing the command
    load: Callable[[], CommandFunction]


# The commands in the order people use them: write an inventory, check it, scan, look at the
# report, compare, feed CI, sign, verify; then the demo and the reference. `--help` lists them so.
COMMANDS: tuple[CommandEntry, ...] = (
    CommandEntry(name="init", load=_load_init,
                 short_help="Write a commented inventory template to fill in."),
    CommandEntry(name="import", load=_load_import,
                 short_help="Draft an inventory from Genesys configuration data."),
    CommandEntry(name="validate", load=_load_validate,
                 short_help="Check an inventory; connects to nothing."),
    CommandEntry(name="scan", load=_load_scan,
                 short_help="Probe every pair of an inventory and write the reports."),
    CommandEntry(name="merge", load=_load_merge,
                 short_help="Join the zone reports of one inventory and judge every pair once."),
    CommandEntry(name="render", load=_load_render,
                 short_help="Render a saved JSON report as HTML again, without the network."),
    CommandEntry(name="diff", load=_load_diff,
                 short_help="Compare two saved reports: what got better or worse."),
    CommandEntry(name="export", load=_load_export,
                 short_help="Write JUnit, SARIF or Prometheus metrics from a saved report."),
    CommandEntry(name="sign", load=_load_sign,
                 short_help="Sign a file: the JSON, HTML or PDF report (detached signature)."),
    CommandEntry(name="verify", load=_load_verify,
                 short_help="Check a signed file against its signature."),
    CommandEntry(name="demo", load=_load_demo,
                 short_help="Start a built-in loopback lab of HA pairs and scan it."),
    CommandEntry(name="rules", load=_load_rules, short_help="List the rules, or explain one."),
    CommandEntry(name="policies", load=_load_policies,
                 short_help="List the built-in policies with their sources."),
    CommandEntry(name="schema", load=_load_schema,
                 short_help="Print the JSON Schema of the report, the drift or the inventory."),
)


class _LazyCommands(MutableMapping[str, "Command"]):
    """The group's commands by name, in COMMANDS order; a command is built (its module imported,
    its signature read by typer) the first time it is looked up. Iterating gives names only."""

    def __init__(self, *, rich_markup_mode: MarkupMode) -> None:
        self._entries = {entry.name: entry for entry in COMMANDS}
        self._built: dict[str, Command] = {}
        self._rich_markup_mode = rich_markup_mode

    def __getitem__(self, name: str) -> Command:
        if name not in self._built:
            entry = self._entries[name]   # KeyError: no such command (click says so)
            info = CommandInfo(name=name, callback=unless_interrupted(entry.load()),
                               short_help=entry.short_help)
            self._built[name] = get_command_from_info(
                info, pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=self._rich_markup_mode)
        return self._built[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]
        self._entries.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter({**self._entries, **self._built})

    def __len__(self) -> int:
        return len({**self._entries, **self._built})


class _LazyGroup(TyperGroup):
    """typer's group over _LazyCommands: typer builds every registered command up front (reading
    its signature means importing its module), so the commands are not registered with typer but
    looked up here by name when one runs."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _LazyCommands(rich_markup_mode=self.rich_markup_mode)

    def list_commands(self, ctx: Context) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        # click's listing asks every command for its short help, which would import them all.
        rows = [(entry.name, entry.short_help) for entry in COMMANDS]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


app = typer.Typer(
    name="hatls", cls=_LazyGroup, no_args_is_help=True, add_completion=True, rich_markup_mode=None,
    help="Live TLS probe and compliance scanner for high-availability server pairs.",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hatls {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """hatls reads an inventory of primary/backup pairs, probes every port over TLS, and judges
    each pair side by side against the Genesys HA guide and a TLS policy."""


def _interrupted() -> None:
    typer.echo("hatls: interrupted", err=True)
    sys.exit(EXIT_INTERRUPTED)


def _only_interrupts(group: BaseExceptionGroup[BaseException]) -> bool:
    _, rest = group.split(KeyboardInterrupt)
    return rest is None


# A full disk, a closed pipe or a failing device behind standard output: a write failure.
_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EPIPE, errno.EIO, errno.EDQUOT, errno.EFBIG})


def main() -> None:
    # SIGTERM before the scan's own handler is up (or after) ends like Ctrl-C: exit 4, not 143.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    keep_swallowed_interrupts()
    try:
        app()
    except SystemExit as done:
        if done.code == _TYPER_INTERRUPTED:
            _interrupted()
        # The command has finished and chosen its status, which is what a scheduler acts on: a
        # Ctrl-C between here and the process's end (interpreter shutdown) must not replace it
        # with a death by signal.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise
    except KeyboardInterrupt:
        _interrupted()
    except BaseExceptionGroup as group:
        # Ctrl-C inside a trio nursery (a lab starting up) arrives wrapped in a group.
        if _only_interrupts(group):
            _interrupted()
        raise
    except OSError as exc:
        # A message line on standard output that could not be written (the outputs themselves
        # report their own failures): one line and exit 3, like every other write failure.
        if exc.errno not in _OUTPUT_ERRNOS:
            raise
        sys.stderr.write(f"hatls: standard output: cannot write: {exc.strerror or exc}\n")
        sys.exit(EXIT_CANNOT_RUN)
