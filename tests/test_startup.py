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
    assert sorted(m for m in modules if m.startswith("hatls.cli.")) == ["hatls.cli._app", "hatls.cli._exit"]


def test_a_command_loads_its_own_module_and_no_other_command() -> None:
    code, modules, out = modules_after("rules")
    assert code in (0, None) and "GHA-001" in out
    commands = sorted(m for m in modules if m.startswith("hatls.cli."))
    assert commands == ["hatls.cli._app", "hatls.cli._exit", "hatls.cli._reference"]
    assert not loaded(modules, "trio")   # listing the rules needs no network code


def test_an_unknown_command_is_refused_with_the_near_names_without_loading_them() -> None:
    code, modules, _ = modules_after("scna")
    assert code == 2
    assert not loaded(modules, "hatls.cli._scan") and not loaded(modules, "trio")


def test_the_launcher_says_interrupted_with_the_status_every_command_uses() -> None:
    # hatls.launch repeats the number: it must exist before anything is imported.
    assert launch.EXIT_INTERRUPTED == EXIT_INTERRUPTED == 4
