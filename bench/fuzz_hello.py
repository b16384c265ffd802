"""Mutation fuzzer for the hello codec's parsers: random bytes and mutated valid flights.

    python bench/fuzz_hello.py [--count 1000000] [--seed 0]

The invariant under test (docs/design.md, "Parser contract"): any bytes, delivered whole or one at
a time, either parse or raise TLSParseError -- never anything else, never a hang. Seeds are
the annotated flights of tests/test_hello_cases.py plus real flights written by OpenSSL through
memory BIOs (TLS 1.2 ECDHE/DHE/RSA, TLS 1.3, HelloRetryRequest, alerts). Every input goes
through ServerFlightReader (mostly whole, some one byte at a time or in random chunks, some
with EOF after) and, for a tenth of them, through each single-message parser. A sample is fed
both whole and byte by byte, and the two answers must agree. Any other exception is a crash,
printed with its input in hex; the exit status is 1 if there was one. Deterministic per --seed.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import itertools
import random
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the seeds and helpers live beside the tests

from test_hello_cases import FLIGHTS, SSLV2_OFFER, TLS12_OFFER, TLS13_OFFER  # noqa: E402
from test_hello_openssl import FFDHE2048_PEM, answer, server_context, spec  # noqa: E402
from test_hello_props import mutate, outcome  # noqa: E402

from hatls.tls.hello import (  # noqa: E402
    HelloFlag,
    HelloSpec,
    ServerFlight,
    TLSParseError,
    build_client_hello,
    key_share_entry,
    parse_alert,
    parse_certificate,
    parse_server_hello,
    parse_server_key_exchange,
    parse_sslv2_message,
)
from hatls.tls.key_share import generate_key_share_key  # noqa: E402

MUTATIONS = ("flip", "set", "insert", "delete", "truncate", "duplicate")
OFFERS = (TLS12_OFFER, TLS13_OFFER, SSLV2_OFFER)
Seed = tuple[str, HelloSpec, bytes]


def openssl_seeds(dh_params: Path) -> list[Seed]:
    """Real server flights, written by OpenSSL in answer to our hellos (no socket)."""
    context = server_context()
    dhe = server_context()
    dh_params.write_bytes(FFDHE2048_PEM)
    dhe.load_tmp_dh(str(dh_params))
    share = key_share_entry(generate_key_share_key(29))
    tls13 = spec("TLSv1.3", suites=(0x1301, 0x1302), groups=(29,), key_shares=(share,))
    offers = {
        "tls12-ecdhe": (context, spec()),
        "tls12-ecdhe-cbc": (context, spec(suites=(0xC013,))),
        "tls12-dhe": (dhe, spec(suites=(0x009E,))),
        "tls12-rsa": (context, spec(suites=(0x009C,))),
        "tls10": (context, spec("TLSv1.0", suites=(0xC013,))),
        "tls13": (context, tls13),
        "tls13-hrr": (context, spec("TLSv1.3", suites=(0x1301,), groups=(23,))),
        "fallback-alert": (context, spec("TLSv1.1", flags=frozenset({HelloFlag.FALLBACK_SCSV}))),
        "sslv3-alert": (context, spec("SSLv3", suites=(0x000A,))),
    }
    seeds = []
    for name, (server, offer) in offers.items():
        data = answer(server, build_client_hello(offer))
        assert isinstance(outcome(offer, [data], eof=False), ServerFlight), name
        seeds.append((name, offer, data))
    return seeds


def message_parsers(rng: random.Random) -> tuple[Callable[[bytes], object], ...]:
    suite = rng.choice((0xC02F, 0x009E, 0x0034, 0x0090, 0xC035, 0x0003, 0xC00A, 0x008C))
    version = rng.choice((0x0300, 0x0301, 0x0303))
    return (
        parse_server_hello,
        parse_certificate,
        parse_alert,
        parse_sslv2_message,
        lambda body: parse_server_key_exchange(body, cipher_suite=suite, version=version),
    )


@dataclass
class Tally:
    outcomes: collections.Counter[str] = field(default_factory=collections.Counter)
    crashes: list[str] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)
    slowest: tuple[float, str] = (0.0, "")


def one_input(rng: random.Random, seeds: list[Seed]) -> tuple[HelloSpec, bytes]:
    if rng.random() < 0.25:
        return rng.choice(OFFERS), rng.randbytes(rng.randrange(0, 400))
    _, offer, data = rng.choice(seeds)
    mutations = [
        (rng.choice(MUTATIONS), rng.randrange(len(data) + 1), rng.randrange(256))
        for _ in range(rng.randint(1, 4))
    ]
    return offer, mutate(data, mutations)


def deliveries(rng: random.Random, data: bytes) -> list[bytes]:
    roll = rng.random()
    if roll < 0.9 or not data:
        return [data] if data else []
    if roll < 0.95:
        return [data[at : at + 1] for at in range(len(data))]
    cuts = sorted({0, len(data), *(rng.randrange(len(data) + 1) for _ in range(5))})
    return [data[a:b] for a, b in itertools.pairwise(cuts)]


def run(count: int, seed: int, seeds: list[Seed]) -> Tally:
    rng, tally = random.Random(seed), Tally()
    for index in range(count):
        offer, data = one_input(rng, seeds)
        chunks, eof = deliveries(rng, data), rng.random() < 0.3
        try:
            started = time.perf_counter()
            result = outcome(offer, chunks, eof=eof)  # TLSParseError becomes its kind
            elapsed = time.perf_counter() - started
            if elapsed > tally.slowest[0]:
                tally.slowest = (elapsed, f"{len(data)} bytes in {len(chunks)} chunks")
            name = result.status.value if isinstance(result, ServerFlight) else str(result)
            tally.outcomes[name] += 1
            if index % 50 == 0:
                bytewise = outcome(offer, [data[at : at + 1] for at in range(len(data))], eof=eof)
                if outcome(offer, [data] if data else [], eof=eof) != bytewise:
                    tally.disagreements.append(f"{offer.version} {data.hex()}")
            if index % 10 == 0:
                for parse in message_parsers(rng):
                    with contextlib.suppress(TLSParseError):
                        parse(data)
        except Exception:  # the invariant's "anything else": report, keep going
            tally.crashes.append(f"{offer.version} {data.hex()}\n{traceback.format_exc()}")
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        seeds = [(name, offer, data) for name, offer, data, _ in FLIGHTS]
        seeds += openssl_seeds(Path(scratch) / "ffdhe2048.pem")
    started = time.perf_counter()
    tally = run(arguments.count, arguments.seed, seeds)
    elapsed = time.perf_counter() - started
    print(f"fuzz_hello: {arguments.count} inputs, seed {arguments.seed}, {len(seeds)} seeds")
    rate = arguments.count / elapsed
    slowest_ms, slowest_input = tally.slowest[0] * 1000, tally.slowest[1]
    print(f"time: {elapsed:.1f} s ({rate:,.0f} inputs/s)")
    print(f"slowest flight parse: {slowest_ms:.2f} ms ({slowest_input})")
    print("outcomes: " + ", ".join(f"{kind} {n}" for kind, n in tally.outcomes.most_common()))
    print(f"whole vs byte-at-a-time disagreements: {len(tally.disagreements)}")
    for line in tally.disagreements[:5]:
        print("  " + line)
    print(f"crashes (exceptions other than TLSParseError): {len(tally.crashes)}")
    for report in tally.crashes[:5]:
        print(report)
    return 1 if tally.crashes or tally.disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
