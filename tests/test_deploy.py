"""deploy/ (issue 16): the Kubernetes manifests validate offline against the bundled API schemas
(kubernetes-validate), one zone CronJob per zone of the shipped inventory, the Containerfile's
shape, and the systemd units as systemd itself reads them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from hatls.inventory import load_inventory
from tests.needs import binary

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
KUBERNETES_VERSION = "1.30"   # the oldest release still commonly run; CronJob is batch/v1 there


def _documents() -> dict[str, dict[str, Any]]:
    docs = {}
    for path in sorted((DEPLOY / "kubernetes").glob("*.yaml")):
        loaded = list(yaml.safe_load_all(path.read_text()))
        assert len(loaded) == 1, path
        docs[path.name] = loaded[0]
    return docs


def _container(doc: dict[str, Any]) -> dict[str, Any]:
    spec = doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    return {"pod": spec, **container}


def test_every_manifest_validates_against_the_kubernetes_schema() -> None:
    docs = _documents()
    assert {d["kind"] for d in docs.values()} == {"Namespace", "ConfigMap", "PersistentVolumeClaim",
                                                  "CronJob"}
    for name, doc in docs.items():
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{name}: {exc}")


def test_a_broken_manifest_is_refused() -> None:
    """The validation can fail: a CronJob with a misspelt field and one without a schedule."""
    doc = _documents()["merge-cronjob.yaml"]
    misspelt = {**doc, "spec": {**doc["spec"], "schedul": "0 7 * * *"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(misspelt, KUBERNETES_VERSION, strict=True)
    unscheduled = {**doc, "spec": {k: v for k, v in doc["spec"].items() if k != "schedule"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(unscheduled, KUBERNETES_VERSION, strict=True)


def test_one_zone_cronjob_per_zone_of_the_inventory_and_one_merge(tmp_path: Path) -> None:
    docs = _documents()
    (tmp_path / "inventory.toml").write_text(docs["inventory-configmap.yaml"]["data"]["inventory.toml"])
    zones = load_inventory(tmp_path / "inventory.toml").zones()
    assert zones == ("dc-east", "dc-west")
    scanners = {}
    for doc in docs.values():
        if doc["kind"] != "CronJob":
            continue
        container = _container(doc)
        script = " ".join(container["args"])
        claims = {v["persistentVolumeClaim"]["claimName"] for v in container["pod"]["volumes"]
                  if "persistentVolumeClaim" in v}
        assert claims == {"hatls-reports"}, doc["metadata"]["name"]
        assert container["pod"]["securityContext"]["runAsNonRoot"] is True
        assert container["pod"]["restartPolicy"] == "Never"
        if (found := re.search(r"hatls scan \S+ --zone (\S+) --json (\S+)", script)):
            zone = found.group(1)
            assert found.group(2) == f"/reports/zones/{zone}.json"
            assert container["pod"]["nodeSelector"] == {"hatls.example.com/zone": zone}
            scanners[zone] = doc
        else:
            assert "hatls merge /reports/zones/*.json" in script, script
    assert tuple(sorted(scanners)) == zones


def test_the_containerfile_is_debian_slim_the_wheel_and_a_non_root_user() -> None:
    text = (DEPLOY / "Containerfile").read_text()
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    bases = [line.split()[1] for line in lines if line.startswith("FROM ")]
    assert bases and all(re.fullmatch(r"debian:[a-z]+-slim", b) for b in bases), bases
    assert re.search(r"pip install --no-cache-dir /tmp/wheels/hatls-\*\.whl", text)
    final_stage = text.rsplit("\nFROM ", 1)[1]
    users = re.findall(r"^USER (\S+)", final_stage, flags=re.M)
    assert users and users[-1].split(":")[0] not in ("0", "root"), users
    assert 'ENTRYPOINT ["hatls"]' in final_stage


def test_systemd_reads_the_units(tmp_path: Path) -> None:
    analyze = binary("systemd-analyze")
    hatls = shutil.which("hatls")
    assert hatls is not None, "the hatls console script of this install"
    # The units name /opt/hatls/bin/hatls; systemd checks that the program exists, so the copies
    # point at this install's hatls instead. Everything else is verified as shipped.
    for unit in (DEPLOY / "systemd").iterdir():
        (tmp_path / unit.name).write_text(unit.read_text().replace("/opt/hatls/bin/hatls", hatls))
    names = ["hatls-zone-scan@dc-east.service", "hatls-zone-scan@dc-east.timer",
             "hatls-merge.service", "hatls-merge.timer"]
    proc = subprocess.run([analyze, "verify", "--man=no", *names], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "SYSTEMD_UNIT_PATH": f"{tmp_path}:"})
    assert proc.returncode == 0, proc.stderr
    assert "Unknown" not in proc.stderr and "ignoring" not in proc.stderr, proc.stderr
    service = (DEPLOY / "systemd" / "hatls-zone-scan@.service").read_text()
    assert "--zone %i --json /var/lib/hatls/zones/%i.json" in service
