"""How far a scan got: a leaf, so the drift model can name it and the report model hold a drift."""

from __future__ import annotations

from enum import StrEnum


class ScanStatus(StrEnum):
    COMPLETE = "complete"
    INTERRUPTED = "interrupted"
    # A zone scan (`hatls scan --zone`), or a merge that lacks a zone or holds a conflict: the
    # pairs are not (all) judged, so there is no verdict.
    PARTIAL = "partial"
