"""Drift items as table rows for the HTML drift view: one row per change, bounded text only.

Every string a server could have chosen (subjects, issuers, host names, finding messages that
quote them) passes ``shown`` here, as in the report's own view model, so the templates only lay
rows out.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hatls.findings import Status
from hatls.report._drift import (
    CertificateDrift,
    FindingChange,
    FindingDrift,
    ItemChange,
    PortChange,
    PortDrift,
    ProtocolDrift,
    SuiteDrift,
)
from hatls.report.html._text import MAX_MESSAGE_CHARS, fingerprint, moment, shown


class Tone(StrEnum):
    WORSE = "worse"
    BETTER = "better"
    CHANGED = "changed"


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeRow:
    role: str | None        # None: a pair finding (both servers)
    where: str              # "secure · 127.0.2.3", or "" for a pair-wide row
    topic: str              # Finding, Certificate, Protocol, Cipher suite, Port
    subject: str            # what changed: a rule, a version, a suite, a port
    change: str             # appeared, resolved, rotated, added, …
    before: tuple[str, ...]
    after: tuple[str, ...]
    note: str
    tone: Tone


def _where(port_id: str | None, address: str | None) -> str:
    return " · ".join(shown(part, 120) for part in (port_id, address) if part)


def _status(status: Status | None) -> tuple[str, ...]:
    return ("not checked",) if status is None else (status.value,)


def finding_row(item: FindingDrift) -> ChangeRow:
    tone = (Tone.WORSE if item.worse
            else Tone.BETTER if item.change is FindingChange.RESOLVED else Tone.CHANGED)
    return ChangeRow(
        role=item.role, where=_where(item.port_id, item.address), topic="Finding",
        subject=f"{shown(item.rule, 40)} ({item.severity.value})", change=item.change.value,
        before=_status(item.old_status), after=_status(item.new_status),
        note=shown(item.message, MAX_MESSAGE_CHARS), tone=tone)


def _certificate(sha256: str, subject: str, issuer: str, not_after: str) -> tuple[str, ...]:
    return (f"SHA-256 {fingerprint(sha256)}", f"subject {shown(subject)}",
            f"issuer {shown(issuer)}", f"expires {not_after}")


def certificate_row(item: CertificateDrift) -> ChangeRow:
    changed = [c for c in item.changed if c != "fingerprint"]
    note = "new certificate" + (f"; {', '.join(changed)} changed" if changed else "")
    if item.expires_earlier:
        note += "; it expires earlier than the one it replaced"
    return ChangeRow(
        role=item.role, where=_where(item.port_id, item.address), topic="Certificate",
        subject="leaf certificate", change="rotated",
        before=_certificate(item.old_sha256, item.old_subject, item.old_issuer,
                            moment(item.old_not_after)),
        after=_certificate(item.new_sha256, item.new_subject, item.new_issuer,
                           moment(item.new_not_after)),
        note=note, tone=Tone.CHANGED)


def _flag_note(flagged_by: tuple[str, ...]) -> str:
    return f"the new report objects: {', '.join(shown(r, 40) for r in flagged_by)}" if flagged_by else ""


def _accepted(change: ItemChange) -> tuple[tuple[str, ...], tuple[str, ...]]:
    no, yes = ("not accepted",), ("accepted",)
    return (no, yes) if change is ItemChange.ADDED else (yes, no)


def protocol_row(item: ProtocolDrift) -> ChangeRow:
    before, after = _accepted(item.change)
    return ChangeRow(
        role=item.role, where=_where(item.port_id, item.address), topic="Protocol",
        subject=item.version, change=item.change.value, before=before, after=after,
        note=_flag_note(item.flagged_by), tone=Tone.WORSE if item.worse else Tone.CHANGED)


def suite_row(item: SuiteDrift) -> ChangeRow:
    before, after = _accepted(item.change)
    return ChangeRow(
        role=item.role, where=_where(item.port_id, item.address), topic="Cipher suite",
        subject=f"{shown(item.suite, 120)} ({item.version})", change=item.change.value,
        before=before, after=after, note=_flag_note(item.flagged_by),
        tone=Tone.WORSE if item.worse else Tone.CHANGED)


def _port(port: int | None, answering: bool) -> tuple[str, ...]:
    if port is None:
        return ("not in the scan",)
    return (f"port {port}" + ("" if answering else ", not answering"),)


def port_row(item: PortDrift) -> ChangeRow:
    was_answering = item.change is not PortChange.APPEARED
    now_answering = item.change is not PortChange.VANISHED
    return ChangeRow(
        role=item.role, where=_where(item.port_id, item.address), topic="Port",
        subject=shown(item.host, 120), change=item.change.value,
        before=_port(item.old_port, was_answering), after=_port(item.new_port, now_answering),
        note=shown(item.detail), tone=Tone.WORSE if item.worse else Tone.CHANGED)
