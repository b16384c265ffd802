"""Primary against backup: the TLS settings twins must share, and how each compares.

The one table both GHA-007 (rules/pair/_twins.py) and the HTML side-by-side view
(report/html/_pairs.py) read, so a row the page marks as drift is exactly a difference the rule
counts, and a row the rule does not count is never red.

The guide has both servers configured alike: after a failover the former primary is the client,
so a version, suite or group only one side takes can break the HA link. Only what both sides were
probed for is compared (``None`` is "not probed", never "no"); suites and groups compare per
version, and only for versions both sides accept: a version one side accepts is the protocols
difference, counted once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from hatls.observations import EndpointObservation
from hatls.tls.protocol import ProtocolVersion


class TwinSetting(StrEnum):
    """A setting the twins must share; the value is its name in GHA-007's evidence."""

    PROTOCOLS = "protocols"
    CIPHERS = "ciphers"
    GROUPS = "groups"
    CLIENT_AUTH_REQUESTED = "client_auth.requested"
    CLIENT_AUTH_REQUIRED = "client_auth.required"


@dataclass(frozen=True, slots=True, kw_only=True)
class TwinKey:
    """One compared item: a setting, for one version where the setting compares per version."""

    setting: TwinSetting
    version: str | None = None

    @property
    def field(self) -> str:
        """GHA-007's evidence ``field``: "protocols", "ciphers TLSv1.2", …"""
        return self.setting.value if self.version is None else f"{self.setting.value} {self.version}"


@dataclass(frozen=True, slots=True, kw_only=True)
class TwinDifference:
    key: TwinKey
    primary: Any     # JSON-ready: the accepted versions, the suite or group names, a flag
    backup: Any


class TwinJudgement(StrEnum):
    SAME = "same"
    DIFFERS = "differs"
    NOT_COMPARED = "not-compared"   # a side was not probed, or the version is not on both sides


@dataclass(frozen=True, slots=True, kw_only=True)
class TwinComparison:
    """Two endpoints' settings compared, setting by setting (in TwinSetting order)."""

    # The comparable value of each setting both sides were probed for: (primary, backup).
    values: Mapping[TwinSetting, tuple[Any, Any]]
    # The settings that are not, and on which side: "primary", "backup" or "either side".
    not_probed: Mapping[TwinSetting, str]
    differences: tuple[TwinDifference, ...]

    @property
    def compared(self) -> tuple[TwinSetting, ...]:
        return tuple(self.values)

    def judge(self, key: TwinKey) -> TwinJudgement:
        """How one item compares. The suites or groups of a version only one side accepts differ
        as that version does: it is the protocols difference (counted once, as such)."""
        if key.setting not in self.values:
            return TwinJudgement.NOT_COMPARED
        if any(_covers(key, d.key) for d in self.differences):
            return TwinJudgement.DIFFERS
        mine, twin = self.values[key.setting]
        if key.version is not None and isinstance(mine, Mapping) and isinstance(twin, Mapping) \
                and (key.version in mine) != (key.version in twin):
            return (TwinJudgement.DIFFERS if self._accepted_on_one_side(key.version)
                    else TwinJudgement.NOT_COMPARED)
        return TwinJudgement.SAME

    def _accepted_on_one_side(self, version: str) -> bool:
        return any(d.key.setting is TwinSetting.PROTOCOLS
                   and (version in d.primary) != (version in d.backup) for d in self.differences)


def _covers(key: TwinKey, difference: TwinKey) -> bool:
    # A key without a version covers every version of its setting (a row of all suites), and a
    # per-version key the difference of a setting compared as a whole (groups before
    # groups_by_version).
    return key.setting is difference.setting and (
        key.version is None or difference.version is None or key.version == difference.version)


def _protocols(obs: EndpointObservation, _per_version: bool) -> Any:
    known = {v: accepted for v, accepted in obs.protocols if accepted is not None}
    return known or None


def _ciphers(obs: EndpointObservation, _per_version: bool) -> Any:
    return None if obs.ciphers is None else {v: sorted(n) for v, n in obs.ciphers}


def _groups(obs: EndpointObservation, per_version: bool) -> Any:
    if obs.groups is None:
        return None
    if per_version:
        return {v: sorted(names) for v, names in obs.groups_by_version or ()}
    return sorted(obs.groups)


def _requested(obs: EndpointObservation, _per_version: bool) -> Any:
    return None if obs.client_auth is None else obs.client_auth.requested


def _required(obs: EndpointObservation, _per_version: bool) -> Any:
    return None if obs.client_auth is None else obs.client_auth.required


def _accepted_alike(setting: TwinSetting, a: Any, b: Any) -> list[TwinDifference]:
    common = [v for v in ProtocolVersion if v in a and v in b]
    mine = [v for v in common if a[v]]
    twin = [v for v in common if b[v]]
    return [] if mine == twin else [TwinDifference(key=TwinKey(setting=setting), primary=mine,
                                                   backup=twin)]


def _per_version(setting: TwinSetting, a: Any, b: Any) -> list[TwinDifference]:
    if not isinstance(a, dict):   # groups of a report from before groups_by_version: the union
        return _equal(setting, a, b)
    return [TwinDifference(key=TwinKey(setting=setting, version=v), primary=a[v], backup=b[v])
            for v in ProtocolVersion if v in a and v in b and a[v] != b[v]]


def _equal(setting: TwinSetting, a: Any, b: Any) -> list[TwinDifference]:
    return [] if a == b else [TwinDifference(key=TwinKey(setting=setting), primary=a, backup=b)]


Reader = Callable[[EndpointObservation, bool], Any]
Differ = Callable[[TwinSetting, Any, Any], list[TwinDifference]]

# The table: each setting, how it is read from one endpoint (None: not probed there), and how
# two readings differ.
TWIN_SETTINGS: tuple[tuple[TwinSetting, Reader, Differ], ...] = (
    (TwinSetting.PROTOCOLS, _protocols, _accepted_alike),
    (TwinSetting.CIPHERS, _ciphers, _per_version),
    (TwinSetting.GROUPS, _groups, _per_version),
    (TwinSetting.CLIENT_AUTH_REQUESTED, _requested, _equal),
    (TwinSetting.CLIENT_AUTH_REQUIRED, _required, _equal),
)


def compare_twins(primary: EndpointObservation, backup: EndpointObservation) -> TwinComparison:
    # Groups compare per version where both sides were probed so (a server may take other groups
    # in TLS 1.2 than in 1.3); reports from before groups_by_version compare the union.
    per_version = primary.groups_by_version is not None and backup.groups_by_version is not None
    values: dict[TwinSetting, tuple[Any, Any]] = {}
    not_probed: dict[TwinSetting, str] = {}
    differences: list[TwinDifference] = []
    for setting, read, differ in TWIN_SETTINGS:
        a, b = read(primary, per_version), read(backup, per_version)
        if a is None or b is None:
            not_probed[setting] = ("either side" if a is None and b is None
                                   else "primary" if a is None else "backup")
            continue
        values[setting] = (a, b)
        differences += differ(setting, a, b)
    return TwinComparison(values=values, not_probed=not_probed, differences=tuple(differences))
