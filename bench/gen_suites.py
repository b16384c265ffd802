"""Generate src/hatls/tls/suite_data.py: the cipher-suite registry as one literal tuple of rows.

Where the facts come from (the data module is committed; this script says how it was made):

1. **IANA "TLS Cipher Suites" registry** -- the CSV published at
   https://www.iana.org/assignments/tls-parameters/tls-parameters-4.csv (columns ``Value``,
   ``Description``, ...). Every assigned value becomes a row; ranges, ``Unassigned``,
   ``Reserved`` (GREASE, RFC 8701) and private-use lines are not suites and are skipped.
2. **OpenSSL names and minimum versions** -- ``openssl ciphers -V -stdname`` run on this machine
   over every suite it knows (``ALL:COMPLEMENTOFALL:@SECLEVEL=0`` plus all five TLS 1.3 suites).
   Its IANA column must equal the registry's name for the same code, or the script stops.
3. **OpenSSL names of suites this build leaves out** (RC4, DES, 3DES, export, fixed DH/ECDH, ...)
   -- the ``SSL3_CK_*``/``SSL3_TXT_*`` and ``TLS1_CK_*``/``TLS1_TXT_*`` pairs of the installed
   OpenSSL headers (``ssl3.h``, ``tls1.h``), the same table ``openssl ciphers -V`` prints on a
   build with weak ciphers. Where both sources know a suite they must agree.
4. **SSLv2 cipher kinds** -- the seven 3-byte CIPHER-KIND values of the SSL 2.0 specification
   (draft-hickman-netscape-ssl-00, appendix A). They get no OpenSSL name: OpenSSL's SSLv2 names
   (``RC4-MD5``, ``EXP-RC4-MD5``...) are the same strings as its TLS names for other codes.

5. **OpenSSL cipher-string keywords** -- the ``SSL_TXT_*`` strings of the installed ``ssl.h``
   plus the ones OpenSSL has dropped since 1.0.2 (``EXPORT``, ``KRB5``...) or keeps only in
   ``ssl_ciph.c`` (``DEFAULT``, ``SUITEB128``...), so that a cipher string naming only removed
   ciphers reads as "selects nothing" rather than as a typo.

Versions a suite can be negotiated in: OpenSSL's minimum version where OpenSSL knows the suite;
otherwise a rule read from the IANA name -- TLS 1.3 suites (no ``_WITH_``) TLS 1.3 only,
AEAD or SHA-256/384 MAC suites and the GOST suites of RFC 9189 TLS 1.2 only, the GOST MGM
suites TLS 1.3 only, (EC)DH(E) suites of RFC 4492 TLS 1.0..1.2, the rest SSLv3..TLS 1.2.

Usage: python bench/gen_suites.py tls-parameters-4.csv [-o src/hatls/tls/suite_data.py]
"""

from __future__ import annotations

import argparse
import csv
import re
import subprocess
from pathlib import Path

TLS13_SUITES = (
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:"
    "TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256"
)
CIPHER_STRING = "ALL:COMPLEMENTOFALL:@SECLEVEL=0"

SSLV2_KINDS = (
    (0x010080, "SSL_CK_RC4_128_WITH_MD5"),
    (0x020080, "SSL_CK_RC4_128_EXPORT40_WITH_MD5"),
    (0x030080, "SSL_CK_RC2_128_CBC_WITH_MD5"),
    (0x040080, "SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5"),
    (0x050080, "SSL_CK_IDEA_128_CBC_WITH_MD5"),
    (0x060040, "SSL_CK_DES_64_CBC_WITH_MD5"),
    (0x0700C0, "SSL_CK_DES_192_EDE3_CBC_WITH_MD5"),
)

# Cipher-string keywords the installed ssl.h does not define (OpenSSL 1.0.2's and ssl_ciph.c's).
EXTRA_KEYWORDS = (
    *("DEFAULT", "EXP", "EXPORT", "EXPORT40", "EXPORT56", "SSLv2", "TLSv1.0"),
    *("KRB5", "kKRB5", "aKRB5", "kFZA", "aFZA", "eFZA", "FZA"),
    *("SUITEB128", "SUITEB128ONLY", "SUITEB128C2", "SUITEB192"),
)

# Names of version ranges in the generated module, keyed by OpenSSL's minimum-version column.
RANGES = {
    "SSL2": ("SSLv2",),
    "SSL3_TO_TLS12": ("SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2"),
    "TLS10_TO_TLS12": ("TLSv1.0", "TLSv1.1", "TLSv1.2"),
    "TLS12": ("TLSv1.2",),
    "TLS13": ("TLSv1.3",),
}
OPENSSL_MIN_VERSION = {
    "SSLv3": "SSL3_TO_TLS12",
    "TLSv1": "TLS10_TO_TLS12",
    "TLSv1.2": "TLS12",
    "TLSv1.3": "TLS13",
}


# A row before rendering: code, IANA name, OpenSSL name, name of its version range.
Row = tuple[int, str, str | None, str]


def parse_code(value: str) -> int | None:
    """``"0xC0,0x2F"`` -> 0xC02F; ranges (``0x00,0x1C-1D``, ``0x01-09,*``) -> None."""
    match = re.fullmatch(r"0x([0-9A-Fa-f]{2}),0x([0-9A-Fa-f]{2})", value.strip())
    return int(match[1] + match[2], 16) if match else None


def read_iana(path: Path) -> list[tuple[int, str]]:
    suites = []
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            code = parse_code(row["Value"])
            name = row["Description"].strip()
            if code is None or not name.startswith("TLS_"):
                continue
            suites.append((code, name))
    return suites


def read_openssl_cli(openssl: str) -> dict[int, tuple[str, str, str]]:
    """code -> (IANA name, OpenSSL name, minimum version) as ``openssl ciphers -V -stdname``."""
    cmd = [openssl, "ciphers", "-V", "-stdname", "-ciphersuites", TLS13_SUITES, CIPHER_STRING]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    facts = {}
    for line in out.splitlines():
        fields = line.split()
        code = parse_code(fields[0])
        if code is None:
            raise SystemExit(f"unexpected line from openssl ciphers: {line!r}")
        facts[code] = (fields[2], fields[4], fields[5])
    return facts


def read_openssl_headers(include: Path) -> dict[int, str]:
    """code -> OpenSSL name from the ``*_CK_*`` / ``*_TXT_*`` macro pairs of ssl3.h and tls1.h."""
    pattern = re.compile(r'#\s*define\s+(SSL3|TLS1)_(CK|TXT)_(\w+)\s+(0x[0-9A-Fa-f]{8}|"[^"]*")')
    codes: dict[tuple[str, str], int] = {}
    texts: dict[tuple[str, str], str] = {}
    for header in ("ssl3.h", "tls1.h"):
        for prefix, kind, suffix, value in pattern.findall((include / header).read_text()):
            if kind == "CK":
                codes.setdefault((prefix, suffix), int(value, 16) & 0xFFFF)
            else:
                texts.setdefault((prefix, suffix), value.strip('"'))
    return {code: texts[key] for key, code in codes.items() if key in texts}


def read_openssl_keywords(include: Path) -> list[str]:
    text = (include / "ssl.h").read_text()
    return sorted(
        set(re.findall(r'#\s*define\s+SSL_TXT_\w+\s+"([^"]+)"', text)) | set(EXTRA_KEYWORDS)
    )


def ruled_range(name: str) -> str:
    """The version range of a suite OpenSSL does not know, read from its IANA name."""
    if name.startswith("SSL_CK_"):
        return "SSL2"
    if "_MGM_" in name or "_WITH_" not in name:
        return "TLS13"
    cipher_and_mac = name.split("_WITH_", 1)[1]
    tls12_only = ("GCM", "CCM", "POLY1305", "SHA256", "SHA384", "OMAC", "IMIT")
    if any(token in cipher_and_mac for token in tls12_only) or name.startswith("TLS_GOST"):
        return "TLS12"
    if name.startswith(("TLS_ECDH_", "TLS_ECDHE_")):
        return "TLS10_TO_TLS12"
    return "SSL3_TO_TLS12"


def build_rows(iana_csv: Path, openssl: str, include: Path) -> list[Row]:
    cli = read_openssl_cli(openssl)
    headers = read_openssl_headers(include)
    rows: list[Row] = []
    for code, name in read_iana(iana_csv):
        if code in cli:
            cli_iana, cli_name, min_version = cli[code]
            if cli_iana != name:
                raise SystemExit(f"0x{code:04X}: IANA says {name}, OpenSSL says {cli_iana}")
            if code in headers and headers[code] != cli_name:
                raise SystemExit(f"0x{code:04X}: headers say {headers[code]}, CLI says {cli_name}")
            rows.append((code, name, cli_name, OPENSSL_MIN_VERSION[min_version]))
        elif name.endswith("_SCSV"):
            # Signalling values are never negotiated; they ride in SSLv3..TLS 1.2 ClientHellos.
            rows.append((code, name, None, "SSL3_TO_TLS12"))
        else:
            rows.append((code, name, headers.get(code), ruled_range(name)))
    rows.extend((code, name, None, "SSL2") for code, name in SSLV2_KINDS)
    return sorted(rows)


def render_versions(versions: tuple[str, ...]) -> str:
    trailing = "," if len(versions) == 1 else ""
    return "(" + ", ".join(f'"{version}"' for version in versions) + trailing + ")"


def render_row(code: int, name: str, openssl_name: str | None, versions: str) -> str:
    width = 6 if code > 0xFFFF else 4
    fields = [f"0x{code:0{width}X}", f'"{name}"', f'"{openssl_name}"' if openssl_name else "None"]
    fields.append(versions)
    line = f"    ({', '.join(fields)}),"
    if len(line) <= 100:
        return line
    return "    (\n" + "".join(f"        {field},\n" for field in fields) + "    ),"


def render_keywords(keywords: list[str]) -> str:
    return "\n".join(f'        "{keyword}",' for keyword in keywords)


def render(rows: list[Row], keywords: list[str], openssl_version: str) -> str:
    ranges = "\n".join(f"{key} = {render_versions(value)}" for key, value in RANGES.items())
    body = "\n".join(render_row(*row) for row in rows)
    return f'''"""Cipher-suite registry rows, GENERATED by bench/gen_suites.py: do not edit by hand.

Sources: the IANA "TLS Cipher Suites" registry (tls-parameters-4.csv); OpenSSL names and minimum
versions from `openssl ciphers -V -stdname` and the ssl3.h/tls1.h headers of
{openssl_version}; the seven SSLv2 cipher kinds.
Row: (code, IANA name, OpenSSL name or None, versions it can be negotiated in).
"""

{ranges}

SUITE_ROWS: tuple[tuple[int, str, str | None, tuple[str, ...]], ...] = (
{body}
)

# Keywords of OpenSSL's cipher-string language, current and dropped.
OPENSSL_CIPHER_KEYWORDS: frozenset[str] = frozenset(
    {{
{render_keywords(keywords)}
    }}
)
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("iana_csv", type=Path, help="tls-parameters-4.csv from iana.org")
    parser.add_argument("--openssl", default="openssl", help="openssl binary (default: on PATH)")
    parser.add_argument("--include", type=Path, default=Path("/usr/include/openssl"))
    parser.add_argument("-o", "--output", type=Path, default=Path("src/hatls/tls/suite_data.py"))
    args = parser.parse_args()
    version = (
        subprocess.run([args.openssl, "version"], check=True, capture_output=True, text=True)
        .stdout.split("(")[0]
        .strip()
    )
    rows = build_rows(args.iana_csv, args.openssl, args.include)
    keywords = read_openssl_keywords(args.include)
    args.output.write_text(render(rows, keywords, version), encoding="utf-8")
    print(f"wrote {len(rows)} suites to {args.output}")


if __name__ == "__main__":
    main()
