"""The command line a person reads: every command's --help at 80 columns, in the order people use them."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

ORDER = ("init", "import", "validate", "scan", "merge", "render", "diff", "export", "sign", "verify", "demo",
         "rules", "policies", "schema")


def help_text(*args: str) -> str:
    env = {**os.environ, "COLUMNS": "80", "TERM": "dumb"}
    proc = subprocess.run([sys.executable, "-m", "hatls", *args, "--help"], capture_output=True,
                          text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_commands_are_listed_in_the_order_people_use_them() -> None:
    text = help_text()
    commands = text.split("Commands:", 1)[1]
    listed = re.findall(r"^  (\w+)\s{2,}\S", commands, re.MULTILINE)

    assert tuple(listed) == ORDER
    assert "..." not in commands and "…" not in commands  # no description cut short


@pytest.mark.parametrize("command", ORDER)
def test_every_option_is_explained_without_placeholders_or_cut_names(command: str) -> None:
    text = help_text(command)
    options = text.split("Options:", 1)[1]
    # An option row: its names (and metavar) in the left column, its help on the same or next line.
    rows = re.findall(r"^  (-[^\n]*?)(?:\s{2,}(\S[^\n]*))?\n(?:\s{10,}(\S[^\n]*))?", options, re.MULTILINE)

    assert rows
    for names, same_line, next_line in rows:
        assert same_line or next_line, f"{command}: {names.strip()} has no explanation"
    assert "<bool>" not in text and "<str>" not in options and "<float" not in options
    assert "…" not in text and "─" not in text
    assert max(len(line) for line in text.splitlines()) <= 80
