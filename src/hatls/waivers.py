"""Accepted risks (waivers): a known defect, accepted under a change ticket until a date.

A scheduled scan that is red every night for a defect the change board has already accepted
("the backup is re-keyed in the January window, CHG0012345") teaches people to stop reading it.
A waiver names that defect — rule and pair, narrowed by role and port where wanted — with the
reason, the ticket and the last day it holds (at most a year ahead):

    version = 1
    [[waiver]]
    rule = "GHA-005"
    pair = "sipserver-propagated"
    role = "backup"                  # optional: primary | backup
    port_id = "secure"               # optional
    reason = "backup re-keyed in the January window"
    ticket = "CHG0012345"
    expires = 2027-01-31

A finding matched by a live waiver keeps its status and gains a `WaiverRef`: it is shown, it no
longer breaks compliance. Only `fail` and `warn` findings are waived: an `error` is a check hatls
could not make, and a waiver accepts a defect that was seen, not one that could not be looked
at. An expired waiver waives nothing and is listed as expired; a live one that matched nothing
is listed as unused (the defect is gone, or the waiver is wrong). Time is an input: "expired"
and "a year ahead" are judged against the scan's start, which the caller passes in.

A waiver's `role` and `port_id` narrow the findings that carry one: a pair finding (no role,
perhaps no port) is matched by the rule and the pair alone, since it concerns both servers.
"""

from __future__ import annotations

import datetime
import os
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from hatls._toml import Checker, LineIndex, Table, index_key, join_key
from hatls.catalog import RULES
from hatls.findings import Finding, Status, WaiverRef
from hatls.inventory import MEBIBYTE, InventoryError, Problem, Role, UnreadableFile, read_at_most

SUPPORTED_VERSION = 1
MAX_WAIVERS_BYTES = 4 * MEBIBYTE
TOP_KEYS = ("version", "waiver")
WAIVER_KEYS = ("rule", "pair", "role", "port_id", "reason", "ticket", "expires")
# Bounds for text that is printed on page 1 of every report.
MAX_REASON = 500
MAX_TICKET = 100
# What a waiver may cover: defects seen. An `error` (the check could not be made) never is.
WAIVABLE = (Status.FAIL, Status.WARN)


class WaiverState(StrEnum):
    USED = "used"          # live, and it waived at least one finding
    EXPIRED = "expired"    # past its date: it waived nothing
    UNUSED = "unused"      # live, but no fail or warn finding matched it


@dataclass(frozen=True, slots=True, kw_only=True)
class Waiver:
    rule: str
    pair: str
    role: str | None = None       # "primary" | "backup"; None = either, and pair findings
    port_id: str | None = None
    reason: str
    ticket: str
    expires: str                  # ISO date: the last day the waiver holds

    def __post_init__(self) -> None:
        # A damaged date (an edited report's inputs.waivers) fails here, not mid-judgement.
        datetime.date.fromisoformat(self.expires)

    def covers(self, finding: Finding) -> bool:
        return (finding.rule == self.rule and finding.pair == self.pair
                and (self.role is None or finding.role in (None, self.role))
                and (self.port_id is None or finding.port_id in (None, self.port_id)))

    def expired(self, today: datetime.date) -> bool:
        return today > datetime.date.fromisoformat(self.expires)

    def ref(self) -> WaiverRef:
        return WaiverRef(ticket=self.ticket, reason=self.reason, expires=self.expires)


@dataclass(frozen=True, slots=True, kw_only=True)
class WaiverOutcome:
    """One waiver as the report lists it: what it said, and what became of it in this scan."""

    rule: str
    pair: str
    role: str | None
    port_id: str | None
    reason: str
    ticket: str
    expires: str
    state: WaiverState
    findings: int                 # findings it waived


def one_year_after(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:            # 29 February
        return day.replace(year=day.year + 1, day=28)


def load_waivers(
    path: str | os.PathLike[str], *, today: datetime.date, pairs: Iterable[str] | None = None
) -> tuple[Waiver, ...]:
    """Read and check a waivers file; InventoryError (file:line: key: message) lists every problem.

    ``today`` is the scan's start day (the caller's clock); ``pairs``, when given, are the
    inventory's pair names, so a waiver for a misspelt pair is refused instead of sitting unused.
    """
    file = os.fspath(path)
    try:
        with open(file, "rb") as handle:
            data = read_at_most(handle.read, MAX_WAIVERS_BYTES)
    except FileNotFoundError:
        raise _whole_file(file, "waivers file not found") from None
    except OSError as error:
        raise _whole_file(file, f"cannot read: {error.strerror or error}") from None
    except UnreadableFile as refused:
        raise _whole_file(file, str(refused)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _whole_file(file, f"not UTF-8 text (byte {error.start})") from None
    return parse_waivers(text, path=file, today=today, pairs=pairs)


def parse_waivers(
    text: str, *, path: str, today: datetime.date, pairs: Iterable[str] | None = None
) -> tuple[Waiver, ...]:
    text = text.removeprefix("\ufeff")
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _whole_file(path, f"invalid TOML: {error}") from None
    except RecursionError:
        raise _whole_file(path, "invalid TOML: nested too deeply") from None
    checker = Checker(file=path, lines=LineIndex(text))
    checker.known_keys(document, TOP_KEYS, "")
    version = document.get("version")
    if version is None:
        checker.report("version", f"required key is missing: write version = {SUPPORTED_VERSION}")
    elif type(version) is not int or version != SUPPORTED_VERSION:
        checker.report("version", f"unsupported version {version!r}: this hatls reads "
                                  f"version = {SUPPORTED_VERSION}")
    entries = checker.array_of_tables(document, "waiver", "") or []
    known_pairs = None if pairs is None else frozenset(pairs)
    waivers = [_waiver(checker, entry, index_key("waiver", number), today, known_pairs)
               for number, entry in enumerate(entries, start=1)]
    if checker.problems:
        raise InventoryError(tuple(sorted(checker.problems, key=lambda p: p.line or 0)))
    return tuple(w for w in waivers if w is not None)


def _bounded(checker: Checker, table: Table, key: str, path: str, limit: int) -> str | None:
    value = checker.string(table, key, path, required=True)
    if value is not None and len(value) > limit:
        checker.report(join_key(path, key), f"longer than {limit} characters")
        return None
    return None if value is None else value.strip()


def _waiver(checker: Checker, entry: object, path: str, today: datetime.date,
            pairs: frozenset[str] | None) -> Waiver | None:
    if not isinstance(entry, dict):
        checker.wrong_type(path, "a table ([[waiver]])", entry)
        return None
    checker.known_keys(entry, WAIVER_KEYS, path)
    before = len(checker.problems)
    rule = checker.string(entry, "rule", path, required=True)
    if rule is not None and rule.upper() not in RULES:
        checker.report(join_key(path, "rule"), f"no rule {rule!r}; `hatls rules` lists them")
    pair = checker.string(entry, "pair", path, required=True)
    if pair is not None and pairs is not None and pair not in pairs:
        checker.report(join_key(path, "pair"), f"no pair {pair!r} in the inventory")
    role = checker.choice(entry, "role", path, Role)
    port_id = checker.string(entry, "port_id", path)
    reason = _bounded(checker, entry, "reason", path, MAX_REASON)
    ticket = _bounded(checker, entry, "ticket", path, MAX_TICKET)
    expires = _expires(checker, entry, path, today)
    if len(checker.problems) > before or None in (rule, pair, reason, ticket, expires):
        return None
    assert rule is not None and pair is not None and reason is not None and ticket is not None
    assert expires is not None
    return Waiver(rule=rule.upper(), pair=pair, role=None if role is None else role.value,
                  port_id=port_id, reason=reason, ticket=ticket, expires=expires.isoformat())


def _expires(checker: Checker, entry: Table, path: str, today: datetime.date) -> datetime.date | None:
    key = join_key(path, "expires")
    value = entry.get("expires")
    if value is None:
        checker.missing("expires", path)
        return None
    # A TOML date (2027-01-31), not a date-time and not a string: the day is the contract.
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        checker.wrong_type(key, "a TOML date such as 2027-01-31 (no quotes)", value)
        return None
    latest = one_year_after(today)
    if value > latest:
        checker.report(key, f"{value.isoformat()} is more than a year ahead of the scan "
                            f"({today.isoformat()}): a waiver holds until {latest.isoformat()} "
                            "at the latest; renew it then")
        return None
    return value


def _whole_file(path: str, message: str) -> InventoryError:
    return InventoryError((Problem(file=path, line=None, key="", message=message),))


def apply_waivers(
    findings: Sequence[Finding], waivers: Sequence[Waiver], *, today: datetime.date
) -> tuple[tuple[Finding, ...], tuple[WaiverOutcome, ...]]:
    """The findings with live waivers attached, and what became of every waiver."""
    live = [w for w in waivers if not w.expired(today)]
    used = [0] * len(waivers)
    out = []
    for finding in findings:
        index = next((i for i, w in enumerate(waivers) if w in live and w.covers(finding)), None) \
            if finding.status in WAIVABLE else None
        if index is None:
            out.append(finding)
            continue
        used[index] += 1
        out.append(replace(finding, waiver=waivers[index].ref()))
    outcomes = tuple(
        WaiverOutcome(rule=w.rule, pair=w.pair, role=w.role, port_id=w.port_id, reason=w.reason,
                      ticket=w.ticket, expires=w.expires, findings=n,
                      state=WaiverState.EXPIRED if w.expired(today)
                      else WaiverState.USED if n else WaiverState.UNUSED)
        for w, n in zip(waivers, used, strict=True))
    return tuple(out), outcomes
