"""Start-up: `hatls --version` and `hatls --help` load typer and nothing of the scanner; a command
loads its own module only (bench/startup.py measures the time this saves)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hatls import launch
from hatls.cli._exit import EXIT_INTERRUPTED

# What a command body needs and `--version` must not pay for.
HEAVY = ("trio", "cryptography", "OpenSSL", "jinja2", "rich", "hatls.inventory", "hatls.policy",
         "hatls.probe", "hatls.report", "hatls.rules", "hatls.tls", "hatls.run", "hatls.importer")

RUN = """
import json, sys
from hatls.launch import main
sys.argv = ["hatls", *sys.argv[1:]]
try:
    main()
except SystemExit as done:
    code = done.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def modules_after(*args: str) -> tuple[int, set[str], str]:
    proc = subprocess.run([sys.executable, "-c", RUN, *args], capture_output=True, text=True,
                          timeout=120, env={"COLUMNS": "80", "PATH": "/usr/bin:/bin"})
    *messages, last = proc.stderr.strip().splitlines()
    seen = json.loads(last)
    return seen["code"], set(seen["modules"]), proc.stdout + "\n".join(messages)


def loaded(modules: set[str], prefix: str) -> bool:
    return any(m == prefix or m.startswith(prefix + ".") for m in modules)


@pytest.mark.parametrize("args", [("--version",), ("--help",), ()])
def test_the_version_and_the_help_load_no_command(args: tuple[str, ...]) -> None:
    code, modules, out = modules_after(*args)
    assert code in (0, 2, None)
    assert "hatls" in out or "Usage" in out
    assert [m for m in HEAVY if loaded(modules, m)] == []
    assert sorted(m for m in modules if m.startswith("hatls.cli.")) == ["hatls.cli._app", "hatls.cli._exit",
                                                                     "hatls.cli._interrupts"]


def test_a_command_loads_its_own_module_and_no_other_command() -> None:
    code, modules, out = modules_after("rules")
    assert code in (0, None) and "GHA-001" in out
    commands = sorted(m for m in modules if m.startswith("hatls.cli."))
    assert commands == ["hatls.cli._app", "hatls.cli._exit", "hatls.cli._interrupts",
                        "hatls.cli._reference"]
    assert not loaded(modules, "trio")   # listing the rules needs no network code


def test_an_unknown_command_is_refused_with_the_near_names_without_loading_them() -> None:
    code, modules, _ = modules_after("scna")
    assert code == 2
    assert not loaded(modules, "hatls.cli._scan") and not loaded(modules, "trio")


def test_the_launcher_says_interrupted_with_the_status_every_command_uses() -> None:
    # hatls.launch repeats the number: it must exist before anything is imported.
    assert launch.EXIT_INTERRUPTED == EXIT_INTERRUPTED == 4


# A Ctrl-C raised where a library cannot pass it on (typer reads options through pydantic-core):
# the interpreter gives it to sys.unraisablehook, as it does an exception from a __del__.
SWALLOWED = r"""
import sys
from hatls.cli import main
from hatls.cli._interrupts import keep_swallowed_interrupts

class Finalized:
    def __del__(self):
        raise KeyboardInterrupt

keep_swallowed_interrupts()
Finalized()
sys.argv = ["hatls", "rules"]
main()
"""


def test_a_ctrl_c_a_library_swallowed_stops_the_command_before_it_starts() -> None:
    proc = subprocess.run([sys.executable, "-c", SWALLOWED], capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == EXIT_INTERRUPTED, proc.stderr
    assert "hatls: interrupted" in proc.stderr
    assert "Exception ignored" not in proc.stderr and "Traceback" not in proc.stderr
    assert "GHA-001" not in proc.stdout   # the command never started
