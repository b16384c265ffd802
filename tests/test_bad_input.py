"""Bad input through the real command line: exit status, one message, and no connection made.

tests/inventories/cases/ holds one broken inventory per case, each with a single problem stated
as `# expect: LINE KEY | MESSAGE-START` (LINE `-` = none, KEY `(file)` = no key) and, where the
case is about a password variable, `# env: NAME=VALUE` (set it) or `# env: -NAME` (unset it).
Every server in them listens (on paper) at 127.0.9.1:3000; the command-line tests point that at a
live lab endpoint and demand that `hatls validate` and `hatls scan` both exit 2 with exactly that
one message while the lab accepts nothing.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pytest

from hatls.identity import load_identities
from hatls.inventory import InventoryError, load_inventory
from hatls.lab.endpoint import EndpointConfig, RunningEndpoint
from hatls.lab.server import LabThread
from hatls.policy import load_policy
from tests.labkit import leaf

HERE = Path(__file__).parent
REPO = HERE.parent
CASES_DIR = HERE / "inventories" / "cases"
CASE_FILES = sorted(CASES_DIR.glob("*.toml"))
LAB_ADDRESS = "127.0.9.1"
PAPER_PORT = re.compile(r"\bport = 3000\b")
EXPECT = re.compile(r"^# expect: (\d+|-) (\S+) \| (.*)$", re.MULTILINE)
ENV = re.compile(r"^# env: (-?)([A-Z0-9_]+)(?:=(.*))?$", re.MULTILINE)
ENV_PREFIX = "HATLS_TEST_"  # the variables cases set; any left in the caller's environment go

# What the issue asks the corpus to contain, by file name.
REQUIRED_CASES = (
    "syntax-missing-comma", "version-2", "version-missing", "unknown-top-level-key",
    "unknown-port-key", "typo-ha-snyc", "port-zero", "port-70000", "port-as-string",
    "mode-not-in-list", "sec-protocol-dotted", "duplicate-pair-names", "duplicate-port-ids",
    "unknown-cipher-name", "thumbprint-wrong-length", "trusted-ca-missing", "trusted-ca-not-pem",
    "client-key-missing", "client-key-not-a-key", "client-key-wrong-password",
    "client-key-password-unset", "redundancy-invalid", "certificate-level-invalid",
    "pair-without-primary", "server-without-ports", "client-only-certificate",
)  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    path: Path
    line: int | None
    key: str
    message: str  # how the message starts
    env: tuple[tuple[str, str | None], ...]  # None = unset

    def environ(self, base: Mapping[str, str]) -> dict[str, str]:
        environ = {name: value for name, value in base.items() if not name.startswith(ENV_PREFIX)}
        environ.update((name, value) for name, value in self.env if value is not None)
        return environ

    def line_for(self, file: Path | str) -> str:
        """The message as the command line prints it, up to where it may differ by folder."""
        where = f"{file}" if self.line is None else f"{file}:{self.line}"
        key = f" {self.key}:" if self.key else ""
        return f"hatls: {where}:{key} {self.message}"


def read_case(path: Path) -> Case:
    text = path.read_text(encoding="utf-8")
    ((line, key, message),) = EXPECT.findall(text)
    return Case(
        path=path,
        line=None if line == "-" else int(line),
        key="" if key == "(file)" else key,
        message=message,
        env=tuple((name, None if unset else value) for unset, name, value in ENV.findall(text)),
    )


CASES = [read_case(path) for path in CASE_FILES]


def test_the_corpus_holds_every_case_the_issue_names() -> None:
    names = {case.path.stem for case in CASES}
    assert len(CASES) >= 25
    assert set(REQUIRED_CASES) <= names, set(REQUIRED_CASES) - names


def test_every_case_would_otherwise_scan_the_lab_address() -> None:
    # Otherwise "no connection made" would be true for the wrong reason.
    for case in CASES:
        text = case.path.read_text(encoding="utf-8")
        assert f'address = "{LAB_ADDRESS}"' in text and PAPER_PORT.search(text), case.path.name


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.path.stem)
def test_the_loader_reports_exactly_the_one_problem(case: Case) -> None:
    with pytest.raises(InventoryError) as caught:
        inventory = load_inventory(case.path)
        load_identities(inventory, case.environ(os.environ))
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.key) == (str(case.path), case.line, case.key)
    assert problem.message.startswith(case.message), problem.message


# -- the same cases through `python -m hatls` ------------------------------------------------


@pytest.fixture(scope="module")
def lab() -> Iterator[RunningEndpoint]:
    """The endpoint every case names. Checked once more at the end: a late accept still counts."""
    cert = leaf("tsrv-a.example.test")
    config = EndpointConfig(address=LAB_ADDRESS, cert_pem=cert.cert_pem, key_pem=cert.key_pem)
    with LabThread([config]) as (endpoint,):
        yield endpoint
        assert endpoint.stats.accepted == 0, "a broken inventory led to a connection"


def aimed_at(case: Case, endpoint: RunningEndpoint, root: Path) -> Path:
    """A copy of the case at the same depth, pointed at the live endpoint; lines are unchanged."""
    folder = root / CASES_DIR.relative_to(REPO)
    folder.mkdir(parents=True, exist_ok=True)
    (root / "fixtures").symlink_to(REPO / "fixtures", target_is_directory=True)
    for companion in CASES_DIR.glob("*.pem"):
        (folder / companion.name).write_bytes(companion.read_bytes())
    text = PAPER_PORT.sub(f"port = {endpoint.port}", case.path.read_text(encoding="utf-8"))
    copy = folder / case.path.name
    copy.write_text(text, encoding="utf-8")
    return copy


def run_both(inventory: Path, out: Path, environ: Mapping[str, str]) -> list[tuple[int, str, str]]:
    """`validate` and `scan` side by side (each is mostly interpreter start-up)."""
    commands = (["validate", str(inventory)],
                ["scan", str(inventory), "--json", str(out / "r.json"), "--html", str(out / "r.html")])
    procs = [subprocess.Popen([sys.executable, "-m", "hatls", *args], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=dict(environ))
             for args in commands]
    results = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=60)
        results.append((proc.returncode, stdout, stderr))
    return results


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.path.stem)
def test_the_cli_exits_2_with_one_message_and_connects_to_nothing(
    case: Case, lab: RunningEndpoint, tmp_path: Path
) -> None:
    inventory = aimed_at(case, lab, tmp_path)
    accepted_before = lab.stats.accepted

    results = run_both(inventory, tmp_path, case.environ(os.environ))

    for status, stdout, stderr in results:
        assert status == 2, stderr
        assert stdout == ""
        (message,) = stderr.splitlines()
        assert message.startswith(case.line_for(inventory)), message
    assert not (tmp_path / "r.json").exists() and not (tmp_path / "r.html").exists()
    assert lab.stats.accepted == accepted_before


def test_a_missing_inventory_file_is_one_message_without_a_line(tmp_path: Path) -> None:
    absent = tmp_path / "absent.toml"
    for status, stdout, stderr in run_both(absent, tmp_path, os.environ):
        assert (status, stdout, stderr) == (2, "", f"hatls: {absent}: file not found\n")


def test_an_inventory_that_is_a_folder_is_one_message(tmp_path: Path) -> None:
    for status, _, stderr in run_both(tmp_path, tmp_path, os.environ):
        assert status == 2 and stderr == f"hatls: {tmp_path}: cannot read: Is a directory\n"


def test_an_inventory_that_never_ends_is_one_message(tmp_path: Path) -> None:
    for status, _, stderr in run_both(Path("/dev/zero"), tmp_path, os.environ):
        assert status == 2 and stderr == "hatls: /dev/zero: is larger than 16 MiB\n"


# -- outputs that cannot be written: exit 3 before any connection ----------------------------


def good_inventory(endpoint: RunningEndpoint, root: Path) -> Path:
    """A valid inventory: the `version-2` case with its one problem put right."""
    case = read_case(CASES_DIR / "version-2.toml")
    copy = aimed_at(case, endpoint, root)
    copy.write_text(copy.read_text(encoding="utf-8").replace("version = 2", "version = 1"))
    return copy


def scan_with_outputs(inventory: Path, *outputs: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hatls", "scan", str(inventory), "--quiet", *outputs],
                          capture_output=True, text=True, timeout=60)


def test_the_good_inventory_is_valid(lab: RunningEndpoint, tmp_path: Path) -> None:
    # The unwritable-output tests below mean something only if this inventory would scan.
    proc = subprocess.run([sys.executable, "-m", "hatls", "validate", str(good_inventory(lab, tmp_path))],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_an_unwritable_html_path_exits_3_and_writes_nothing(lab: RunningEndpoint, tmp_path: Path) -> None:
    inventory = good_inventory(lab, tmp_path)
    json_out, html_out = tmp_path / "r.json", tmp_path / "missing" / "r.html"
    accepted_before = lab.stats.accepted

    proc = scan_with_outputs(inventory, "--json", str(json_out), "--html", str(html_out))

    assert proc.returncode == 3, proc.stderr
    assert proc.stderr.startswith(f"hatls: {html_out}: folder ") and "does not exist" in proc.stderr
    assert not json_out.exists()
    assert lab.stats.accepted == accepted_before


@pytest.mark.parametrize("kind", ["folder", "under-a-file", "fifo"])
def test_outputs_that_are_not_files_exit_3(lab: RunningEndpoint, tmp_path: Path, kind: str) -> None:
    inventory = good_inventory(lab, tmp_path)
    target = tmp_path / "out"
    if kind == "folder":
        target.mkdir()
        expected = "is a directory"
    elif kind == "under-a-file":
        (tmp_path / "plain").write_text("a file, not a folder")
        target = tmp_path / "plain" / "r.json"
        expected = "is not a folder"
    else:
        os.mkfifo(target)  # renaming a report over it would destroy it, not write to it
        expected = "is not a regular file"
    accepted_before = lab.stats.accepted

    proc = scan_with_outputs(inventory, "--json", str(target))

    assert proc.returncode == 3 and expected in proc.stderr, proc.stderr
    assert lab.stats.accepted == accepted_before


# -- input the loader puts right rather than refuses -----------------------------------------


def test_a_byte_order_mark_from_a_windows_editor_is_no_error(tmp_path: Path) -> None:
    text = (CASES_DIR / "version-2.toml").read_text(encoding="utf-8").replace("version = 2", "version = 1")
    path = tmp_path / "notepad.toml"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    inventory = load_inventory(path)
    assert inventory.pairs[0].name == "tserver-sip-01"
    assert inventory.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()  # of the bytes as read


def test_a_policy_file_is_found_beside_the_inventory_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    builtin = resources.files("hatls") / "policies" / "genesys-ha.toml"
    (folder / "strict.toml").write_bytes(builtin.read_bytes())
    text = (CASES_DIR / "policy-unknown.toml").read_text(encoding="utf-8")
    (folder / "inventory.toml").write_text(text.replace('"genesys-strict"', '"strict.toml"'))
    monkeypatch.chdir(tmp_path)  # not the inventory's folder: the relative path must still work

    inventory = load_inventory(Path("site") / "inventory.toml")

    assert Path(inventory.scan.policy).resolve() == (folder / "strict.toml").resolve()
    assert load_policy(inventory.scan.policy).name == load_policy("genesys-ha").name
