"""Policies: the built-in files say what docs/rules.md and the reference say, and a policy file is
validated as strictly as an inventory (every error named, none fatal before the others)."""

from __future__ import annotations

import hashlib
import json
import re
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hatls.catalog import RULES
from hatls.policy import (
    BUILTIN_POLICIES,
    DEFAULT_POLICY,
    Policy,
    PolicyError,
    builtin_policies,
    load_policy,
    parse_policy,
)
from hatls.report._codec import DecodeError, decode, decode_checked, encode
from hatls.tls.groups import group_by_name
from hatls.tls.suites import lookup

MOZILLA_INTERMEDIATE_TLS12 = frozenset({
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
})
MOZILLA_TLS13 = frozenset({"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                           "TLS_CHACHA20_POLY1305_SHA256"})

MINIMAL = """\
name = "custom"
title = "A custom policy"
source = "https://example.test/policy"
source_version = "1"

[versions]
allowed = ["TLSv1.2", "TLSv1.3"]

[ciphers]
tls12 = ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]
tls13 = ["TLS_AES_128_GCM_SHA256"]

[certificate]
types = ["RSA", "EC"]
curves = ["secp256r1"]
signatures = ["sha256WithRSAEncryption"]
rsa_min_bits = 2048
ec_min_bits = 256
min_days_valid = 30
"""


def problems_of(text: str) -> tuple[str, ...]:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, origin="custom.toml")
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


def test_every_builtin_loads_and_is_named_like_its_file() -> None:
    for name, policy in zip(BUILTIN_POLICIES, builtin_policies(), strict=True):
        assert policy.name == name
        assert policy.source.startswith("https://") and policy.source_version and policy.title
        assert policy.not_checked, f"{name} must say what it does not check"
        assert policy.tls13_suites and policy.versions_allowed
    assert DEFAULT_POLICY == "genesys-ha"


def test_builtin_sha256_is_the_file_bytes_hash() -> None:
    for name in BUILTIN_POLICIES:
        data = (resources.files("hatls") / "policies" / f"{name}.toml").read_bytes()
        policy = load_policy(name)
        assert policy.sha256 == hashlib.sha256(data).hexdigest()
        assert policy.text.encode() == data


def test_builtin_suites_and_groups_are_registry_names() -> None:
    for policy in builtin_policies():
        for name in policy.tls12_suites | policy.tls13_suites:
            suite = lookup(name)
            assert suite is not None and suite.iana_name == name
        for name in (policy.groups_allowed or frozenset()) | policy.groups_discouraged | \
                policy.groups_required_any | policy.certificate.curves:
            group = group_by_name(name)
            assert group is not None and group.iana_name == name


def test_genesys_ha_is_rules_md_default() -> None:
    policy = load_policy("genesys-ha")
    assert policy.versions_allowed == {"TLSv1.2", "TLSv1.3"} and not policy.versions_required
    assert policy.tls12_suites == MOZILLA_INTERMEDIATE_TLS12
    assert policy.tls13_suites == MOZILLA_TLS13
    assert policy.forward_secrecy == "fail" and policy.groups_allowed is None
    assert (policy.dh_min_bits, policy.ecdh_min_bits) == (2048, 256)
    cert = policy.certificate
    assert (cert.rsa_min_bits, cert.ec_min_bits, cert.min_days_valid) == (2048, 256, 30)
    assert cert.max_lifespan_days is None
    assert "sha1WithRSAEncryption" not in cert.signatures
    assert "sha256WithRSAEncryption" in cert.signatures and "ecdsa-with-SHA256" in cert.signatures


def test_mozilla_profiles_follow_the_guideline_data() -> None:
    modern, intermediate, old = (load_policy(f"mozilla-{n}")
                                 for n in ("modern", "intermediate", "old"))
    assert modern.versions_allowed == {"TLSv1.3"} and not modern.tls12_suites
    assert modern.certificate.types == {"EC"} and modern.certificate.max_lifespan_days == 90
    assert intermediate.tls12_suites == MOZILLA_INTERMEDIATE_TLS12
    assert intermediate.certificate.types == {"EC", "RSA"}
    assert intermediate.certificate.max_lifespan_days == 366
    assert intermediate.groups_allowed == frozenset({"X25519MLKEM768", "x25519", "secp256r1",
                                                   "secp384r1"})
    assert old.versions_allowed == {"TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"}
    assert len(old.tls12_suites) == 21 and "TLS_RSA_WITH_3DES_EDE_CBC_SHA" in old.tls12_suites
    assert not any(s.startswith("TLS_DHE_") for s in old.tls12_suites), "5.8 removed the kDHE suites"
    assert old.forward_secrecy == "off" and old.source_version.startswith("5.8")
    assert "6.0 withdrew" in old.notes
    assert all(p.tls13_suites == MOZILLA_TLS13 for p in (modern, intermediate, old))


def test_nist_800_52r2() -> None:
    nist = load_policy("nist-800-52r2")
    assert nist.versions_required == {"TLSv1.3"} and nist.versions_discouraged == {"TLSv1.1"}
    assert "TLSv1.0" not in nist.versions_allowed | nist.versions_discouraged
    assert not any("CHACHA20" in s for s in nist.tls12_suites | nist.tls13_suites)
    assert nist.tls13_suites == {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                 "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256"}
    assert "x25519" in nist.groups_discouraged
    assert nist.groups_required_any == {"secp256r1", "secp384r1"}
    assert nist.certificate.eku_required and nist.certificate.any_eku_forbidden
    assert nist.certificate.ec_min_bits == 224 and nist.forward_secrecy == "warn"
    assert nist.option("TLS-043", "when") == "below-tls12-without-tls13"
    assert load_policy("genesys-ha").option("TLS-043", "when") == "several-versions"


def test_minimal_user_policy_and_defaults() -> None:
    policy = parse_policy(MINIMAL, origin="custom.toml")
    assert policy.name == "custom" and policy.forward_secrecy == "fail"
    assert policy.groups_allowed is None and policy.dh_min_bits is None
    assert policy.versions_discouraged == frozenset() and policy.not_checked == ()
    assert not policy.certificate.eku_required and policy.rule_severity == {}


def test_load_policy_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(MINIMAL + '\n[rules]\n"TLS-045" = "off"\n"TLS-030" = { severity = "high" }\n')
    policy = load_policy(str(path))
    assert policy.rule_severity == {"TLS-045": "off", "TLS-030": "high"}
    assert policy.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_missing_policy_names_the_built_ins(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(str(tmp_path / "nope.toml"))
    assert "genesys-ha" in str(caught.value) and "nope.toml" in str(caught.value)


def test_not_toml_and_not_utf8(tmp_path: Path) -> None:
    assert "not valid TOML" in problems_of("name = ")[0]
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'name = "caf\xe9"\n')
    with pytest.raises(PolicyError, match="not UTF-8"):
        load_policy(str(path))


def test_unknown_key_is_named_with_its_line() -> None:
    text = MINIMAL.replace("min_days_valid = 30", "min_days_valid = 30\nmax_lifespan = 90")
    (problem,) = problems_of(text)
    line = text.splitlines().index("max_lifespan = 90") + 1
    assert problem.startswith(f"custom.toml:{line}: certificate.max_lifespan: unknown key")


def test_unknown_top_level_key() -> None:
    (problem,) = problems_of("polcy = 1\n" + MINIMAL)
    assert problem.startswith("custom.toml:1: polcy: unknown key")


@pytest.mark.parametrize(("old", "new", "key", "says"), [
    ('tls12 = ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]', 'tls12 = ["TLS_NOT_A_SUITE"]',
     "ciphers.tls12", "not a cipher suite"),
    ('tls12 = ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]', 'tls12 = ["ECDHE-RSA-AES128-GCM-SHA256"]',
     "ciphers.tls12", "write the IANA name 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'"),
    ('tls12 = ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]', 'tls12 = ["TLS_AES_128_GCM_SHA256"]',
     "ciphers.tls12", "cannot be negotiated in TLS 1.2"),
    ('tls13 = ["TLS_AES_128_GCM_SHA256"]', 'tls13 = ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]',
     "ciphers.tls13", "cannot be negotiated in TLS 1.3"),
    ('tls13 = ["TLS_AES_128_GCM_SHA256"]', 'tls13 = ["TLS_FALLBACK_SCSV"]',
     "ciphers.tls13", "not a cipher suite"),
    ('allowed = ["TLSv1.2", "TLSv1.3"]', 'allowed = ["TLSv1.2", "TLSv13"]',
     "versions.allowed", "'TLSv13' is not one of"),
    ('curves = ["secp256r1"]', 'curves = ["ffdhe2048"]', "certificate.curves",
     "not an elliptic curve"),
    ('curves = ["secp256r1"]', 'curves = ["P-999"]', "certificate.curves", "not a named group"),
    ('signatures = ["sha256WithRSAEncryption"]', 'signatures = ["sha256WithRSA"]',
     "certificate.signatures", "'sha256WithRSA' is not one of"),
    ('types = ["RSA", "EC"]', 'types = ["rsa"]', "certificate.types", "'rsa' is not one of"),
    ("rsa_min_bits = 2048", "rsa_min_bits = true", "certificate.rsa_min_bits",
     "must be an integer"),
    ("rsa_min_bits = 2048", 'rsa_min_bits = "2048"', "certificate.rsa_min_bits",
     "must be an integer"),
    ("ec_min_bits = 256", "ec_min_bits = 0", "certificate.ec_min_bits", "at least 1"),
    ("min_days_valid = 30", "", "certificate.min_days_valid", "missing required key"),
    ('source = "https://example.test/policy"', "source = 3", "source", "must be a string"),
])
def test_each_error_names_its_key(old: str, new: str, key: str, says: str) -> None:
    text = MINIMAL.replace(old, new)
    assert text != MINIMAL
    (problem,) = problems_of(text)
    assert f": {key}: " in problem and says in problem, problem


@pytest.mark.parametrize(("extra", "key", "says"), [
    ('[groups]\nallowed = ["secp256r1"]\nrequired_any = ["secp384r1"]\n', "groups.required_any",
     "not in groups.allowed"),
    ('[groups]\nallowed = ["x25519"]\ndiscouraged = ["x25519"]\n', "groups.discouraged",
     "also allowed"),
    ('[groups]\ndiscouraged = ["curve9999"]\n', "groups.discouraged", "not a named group"),
    ('[groups]\ndh_bits = 2048\n', "groups.dh_bits", "unknown key"),
    ('[rules]\n"TLS-999" = "off"\n', 'rules."TLS-999"', "no rule has this id"),
    ('[rules]\n"TLS-030" = "loud"\n', 'rules."TLS-030".severity', "'loud' is not one of"),
    ('[rules]\n"TLS-030" = 3\n', 'rules."TLS-030"', "must be a severity"),
    ('[rules."TLS-043"]\nwhen = "always"\n', 'rules."TLS-043".when', "'always' is not one of"),
    ('[rules."TLS-030"]\nwhen = "always"\n', 'rules."TLS-030".when', "unknown key"),
])
def test_section_errors(extra: str, key: str, says: str) -> None:
    (problem,) = problems_of(MINIMAL + "\n" + extra)
    assert f": {key}: " in problem and says in problem, problem


def test_versions_must_be_consistent() -> None:
    text = MINIMAL.replace('allowed = ["TLSv1.2", "TLSv1.3"]',
                           'allowed = ["TLSv1.2"]\ndiscouraged = ["TLSv1.2"]\nrequired = ["TLSv1.3"]')
    problems = problems_of(text)
    assert any("versions.discouraged" in p and "also allowed" in p for p in problems)
    assert any("versions.required" in p and "neither allowed nor discouraged" in p
               for p in problems)


def test_every_error_is_reported_not_just_the_first() -> None:
    text = MINIMAL.replace('tls13 = ["TLS_AES_128_GCM_SHA256"]', 'tls13 = ["BOGUS"]') \
        .replace("rsa_min_bits = 2048", "rsa_min_bits = -1").replace('title = "A custom policy"\n',
                                                                     "") + "\n[extra]\n"
    problems = problems_of(text)
    assert len(problems) == 4
    for key in ("ciphers.tls13", "certificate.rsa_min_bits", ": title:", "extra"):
        assert any(key in p for p in problems), (key, problems)


def test_missing_tables() -> None:
    problems = problems_of('name = "x"\ntitle = "x"\nsource = "x"\nsource_version = "1"\n')
    assert {p.split(": ")[1] for p in problems} == {"versions", "ciphers", "certificate"}


@pytest.mark.parametrize("name", BUILTIN_POLICIES)
def test_dict_round_trip_is_exact_and_json_ready(name: str) -> None:
    policy = load_policy(name)
    data = json.loads(json.dumps(encode(policy)))
    again = decode(Policy, data)
    assert again == policy
    assert isinstance(again, Policy)


def test_from_dict_refuses_broken_data() -> None:
    data = encode(load_policy("genesys-ha"))
    del data["certificate"]
    with pytest.raises(DecodeError, match="certificate"):
        decode_checked(Policy, data)
    data = encode(load_policy("genesys-ha"))
    data["groups"]["dh_min_bits"] = "2048"
    with pytest.raises(DecodeError) as caught:
        decode_checked(Policy, data)
    assert caught.value.where() == "$.groups.dh_min_bits"


def test_rule_ids_of_builtins_exist() -> None:
    for policy in builtin_policies():
        assert set(policy.rule_severity) | set(policy.rule_options) <= set(RULES)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_a_policy_or_a_policy_error(text: str) -> None:
    try:
        parse_policy(text, origin="fuzz.toml")
    except PolicyError as exc:
        assert exc.problems and all(p.startswith("fuzz.toml") for p in exc.problems)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(["versions", "ciphers", "groups", "certificate", "rules",
                                        "name", "not_checked"]),
                       st.one_of(st.integers(), st.text(max_size=5), st.booleans(),
                                 st.lists(st.text(max_size=5), max_size=3)), max_size=5))
def test_wrong_shapes_are_policy_errors(fields: dict[str, object]) -> None:
    text = "\n".join(f"{k} = {json.dumps(v)}" for k, v in fields.items())
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, origin="shape.toml")
    assert all(re.match(r"shape\.toml(:\d+)?: ", p) for p in caught.value.problems)
