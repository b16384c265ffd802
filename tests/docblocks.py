"""The command blocks of the project's docs, and a runner that runs them as printed.

A fenced ```sh block is a list of commands a reader types. The HTML comment right before a block
says what it needs: `<!-- needs: demo-lab -->` (the lab of `hatls demo --serve --out lab`, up in
another terminal), `<!-- needs: demo-lab --fixed -->` (the same lab with its faults fixed),
`<!-- run-by: FILE -->` (run by another test or by .ci/run, not by the docs test). A command that
ends in a comment `# exits N` (then `:` or the end of the line) must exit N; any other must exit 0.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"(?:<!--\s*(?P<marker>[^>]*?)\s*-->\n)?```sh\n(?P<body>.*?)```", re.DOTALL)
EXPECTED = re.compile(r"#[^#]*\bexits (\d)(?::|\s*$)")
LAB_READY = "inventory: lab/inventory.toml"


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    text: str
    exit_status: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Block:
    doc: str
    number: int           # 1-based, among the doc's sh blocks
    marker: str           # "" = none
    commands: tuple[Command, ...]

    @property
    def name(self) -> str:
        return f"{self.doc}#{self.number}"


def _commands(body: str) -> tuple[Command, ...]:
    joined = body.replace("\\\n", " ")
    out = []
    for line in joined.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        found = EXPECTED.search(stripped)
        out.append(Command(text=stripped, exit_status=int(found.group(1)) if found else 0))
    return tuple(out)


def blocks(doc: str) -> tuple[Block, ...]:
    text = (ROOT / doc).read_text(encoding="utf-8")
    return tuple(
        Block(doc=doc, number=number, marker=(match.group("marker") or "").strip(),
              commands=_commands(match.group("body")))
        for number, match in enumerate(BLOCK.finditer(text), start=1))


def script(block: Block) -> str:
    """One shell script for the block: the commands as printed, each followed by its check."""
    lines = []
    for index, command in enumerate(block.commands, start=1):
        lines.append(command.text)
        lines.append(
            f'__s=$?; if [ "$__s" -ne {command.exit_status} ]; then echo "docs-run: {block.name} '
            f'command {index} exited $__s, expected {command.exit_status}: "{shlex.quote(command.text)} >&2; '
            f"exit 97; fi")
    return "\n".join(lines) + "\n"


def environment(folder: Path) -> dict[str, str]:
    """The reader's shell: this venv's `hatls` and `python3` first on PATH, HOME in the folder."""
    home = folder / "home"
    home.mkdir(exist_ok=True)
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, "PATH": path, "HOME": str(home), "COLUMNS": "100", "TERM": "dumb"}


def run_block(block: Block, folder: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", script(block)], cwd=folder, env=environment(folder),
                          capture_output=True, text=True, timeout=timeout)


class Lab:
    """`hatls demo --serve --out lab`, as a reader starts it in another terminal."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.variant: str | None = None
        self.process: subprocess.Popen[str] | None = None

    def ensure(self, variant: str) -> None:
        if self.variant == variant:
            return
        self.stop()
        args = [sys.executable, "-m", "hatls", "demo", "--serve", "--out", "lab", *variant.split()]
        self.process = subprocess.Popen(args, cwd=self.folder, env=environment(self.folder),
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        for _ in range(3):
            if self.process.stdout.readline().strip() == LAB_READY:
                self.variant = variant
                return
        self.stop()
        raise AssertionError("hatls demo --serve did not print the inventory it serves")

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGINT)
            _, err = self.process.communicate(timeout=30)
            assert self.process.returncode == 0 and "Traceback" not in err, err
        self.process, self.variant = None, None
