"""The drift between two reports of the same estate: ``hatls diff OLD NEW`` and
``hatls scan --baseline OLD`` (docs/report.md).

Pure: two reports in, a `Drift` out (what appeared, resolved or changed; certificates, protocol
versions, suites and ports per pair and role; whether anything got worse), and the drift as JSON
and as terminal lines. The drift model itself lives in the report core (``hatls.report``),
because a report made with ``--baseline`` carries its drift; the drift as HTML is the report's
HTML (``hatls.report.html``), which shows it as a section of a report too.
"""

from hatls.drift._diff import attach_drift, diff_reports, drift_from_json, drift_to_json
from hatls.drift._text import drift_lines
from hatls.report import Drift

__all__ = [
    "Drift",
    "attach_drift",
    "diff_reports",
    "drift_from_json",
    "drift_lines",
    "drift_to_json",
]
