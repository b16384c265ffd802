"""`hatls init`: the inventory template loads, explains every key, and its examples work."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hatls.cli import app as hatls_app
from hatls.cli._init_template import INVENTORY_TEMPLATE
from hatls.inventory import (
    CLIENT_KEYS,
    PAIR_KEYS,
    PAIR_TABLES,
    PORT_KEYS,
    REPORT_KEYS,
    SCAN_KEYS,
    SERVER_KEYS,
    TLS_KEYS,
    TOP_KEYS,
    Inventory,
    Mode,
    Redundancy,
    load_inventory,
    parse_inventory,
)
from hatls.policy import load_policy
from tests.labkit import NOW, ca, leaf

# "#key = …", "#[table]", "#[[pair]]" and "#{ id = … }" lines: settings one enables by deleting "#".
_SETTING = re.compile(r"^(\s*)#(?=[a-z\[{])", re.MULTILINE)
# Where each top-level key is defined (as an active or commented-out setting).
_TOP_LINES = {"version": r"version = ", "scan": r"\[scan\]", "client": r"#?\[client\]",
              "tls": r"\[tls\]", "pair": r"\[\[pair\]\]", "report": r"#?\[report\]"}


def enable_every_setting(text: str) -> str:
    return _SETTING.sub(r"\1", text)


def load_template(text: str, folder: Path) -> Inventory:
    return parse_inventory(text, path=str(folder / "inventory.toml"), base_dir=str(folder))


def test_the_template_loads_as_written_and_names_a_real_policy(tmp_path: Path) -> None:
    inventory = load_template(INVENTORY_TEMPLATE, tmp_path)
    assert [pair.name for pair in inventory.pairs] == ["tserver-sip-01"]
    pair = inventory.pairs[0]
    assert pair.backup is not None
    assert [p.id for p in pair.primary.ports] == [p.id for p in pair.backup.ports] == ["default", "secure"]
    assert pair.primary.ports[1].ha_sync and pair.primary.ports[1].mode is Mode.SECURED
    assert load_policy(inventory.scan.policy).name == "genesys-ha"


def test_every_top_level_key_is_explained_by_a_comment_above_it() -> None:
    lines = INVENTORY_TEMPLATE.splitlines()
    assert set(_TOP_LINES) == set(TOP_KEYS)
    for key, pattern in _TOP_LINES.items():
        number = next(i for i, line in enumerate(lines) if re.match(pattern, line))
        above = lines[number - 1]
        assert above.startswith("# ") and len(above) > 10, f"{key}: no comment above line {number + 1}"


@pytest.mark.parametrize("key", sorted({*TOP_KEYS, *SCAN_KEYS, *CLIENT_KEYS, *TLS_KEYS, *PAIR_KEYS,
                                        *PAIR_TABLES, *SERVER_KEYS, *PORT_KEYS, *REPORT_KEYS}))
def test_every_inventory_key_appears_as_a_setting(key: str) -> None:
    as_setting = re.search(rf"(^#?|[{{,]\s*){key} = ", INVENTORY_TEMPLATE, re.MULTILINE)
    as_table = re.search(rf"^#?\[+(pair\.)?{key}\]+$", INVENTORY_TEMPLATE, re.MULTILINE)
    assert as_setting or as_table, f"{key} is missing from the template"


def _write_pki(folder: Path) -> None:
    pki = folder / "pki"
    pki.mkdir()
    (pki / "corp-root.pem").write_bytes(ca().cert_pem)
    (pki / "corp.crl").write_bytes(ca().crl(revoked_serials=[], now=NOW))
    for name in ("scanner", "tsrv-a", "tsrv"):
        issued = leaf(f"{name}.example.test")
        (pki / f"{name}.pem").write_bytes(issued.cert_pem)
        (pki / f"{name}.key").write_bytes(issued.key_pem)


def test_every_commented_setting_is_valid_when_enabled(tmp_path: Path) -> None:
    _write_pki(tmp_path)
    enabled = enable_every_setting(INVENTORY_TEMPLATE)
    assert enabled.count("\n#") < INVENTORY_TEMPLATE.count("\n#") - 30
    inventory = load_template(enabled, tmp_path)
    tsrv, confserv = inventory.pairs
    assert inventory.client is not None and inventory.scan.trusted_ca
    assert tsrv.client is not None and tsrv.primary.client_identity is not None
    assert tsrv.primary.address == "192.0.2.10" and len(tsrv.primary.thumbprint or "") == 40
    assert [p.id for p in tsrv.primary.ports] == ["default", "secure", "t2", "t3", "t4"]
    secure = tsrv.primary.ports[1].tls
    assert secure.tls_mutual and secure.tls_crl is not None and secure.cipher_list is not None
    assert secure.trusted_ca
    assert confserv.app_type == "Configuration Server" and confserv.redundancy is Redundancy.WARM_STANDBY
    assert confserv.primary.ports[0].mode is Mode.AUTO_DETECT


# The command line, in process: hatls's own typer app.

def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(hatls_app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_init_writes_a_template_that_loads_and_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "inventory.toml"
    status, out, _ = run("init", str(path))
    assert status == 0 and f"hatls validate {path}" in out
    assert path.read_text() == INVENTORY_TEMPLATE
    assert load_inventory(path).pairs[0].name == "tserver-sip-01"
    path.write_text("version = 1\n")
    status, _, err = run("init", str(path))
    assert status == 2 and "exists" in err and "--force" in err
    assert path.read_text() == "version = 1\n"
    assert run("init", str(path), "--force")[0] == 0
    assert path.read_text() == INVENTORY_TEMPLATE


def test_init_prints_to_stdout_and_reports_an_unwritable_path(tmp_path: Path) -> None:
    status, out, _ = run("init", "-")
    assert status == 0 and out == INVENTORY_TEMPLATE
    status, _, err = run("init", str(tmp_path / "missing" / "inventory.toml"))
    assert status == 3 and "cannot write" in err
    status, _, err = run("init", str(tmp_path / "missing" / "inventory.toml"), "--force")
    assert status == 3 and "does not exist" in err
