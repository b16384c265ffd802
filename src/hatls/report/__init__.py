"""The report core: the report model (docs/report.md), its JSON both ways, the verdict, and the light
outputs made from a report (terminal summary, JUnit, SARIF, Prometheus metrics).

Light on purpose: ``hatls.load_report`` and every export import this face, so it imports no
Jinja, no trio and none of the HTML. The HTML report is ``hatls.report.html``; the PDF
``hatls.report.pdf`` (the optional extra ``hatls[pdf]``, imported only to make one); the drift
between two reports ``hatls.drift``, whose model is here because a report carries its drift.
"""

from hatls.report._codec import (
    decode,
    dumps,
    encode,
    iter_json,
    mapped,
    report_to_json,
    rfc3339,
    write_json,
)
from hatls.report._drift import (
    CertificateDrift,
    Drift,
    DriftSummary,
    FindingChange,
    FindingDrift,
    ItemChange,
    PortChange,
    PortDrift,
    ProtocolDrift,
    ScanSide,
    SuiteDrift,
)
from hatls.report._junit import render_junit
from hatls.report._metrics import render_metrics
from hatls.report._model import (
    SCHEMA_ID,
    PolicyRef,
    Report,
    ReportInputs,
    ScanMeta,
    ScanStatus,
    Summary,
    ZoneConflict,
    ZoneCoverage,
    ZoneSource,
    breaks_compliance,
    summarize,
)
from hatls.report._reader import (
    EscapeScan,
    ReportInvalid,
    loads,
    report_from_buffer,
    report_from_bytes,
)
from hatls.report._sarif import render_sarif
from hatls.report._schema import drift_schema, inventory_schema, report_schema
from hatls.report._text import summary_lines
from hatls.report._verdict import (
    Verdict,
    compliant_of,
    coverage,
    incomplete_reason,
    verdict_for,
    verdict_of,
)

__all__ = [
    "SCHEMA_ID",
    "CertificateDrift",
    "Drift",
    "DriftSummary",
    "EscapeScan",
    "FindingChange",
    "FindingDrift",
    "ItemChange",
    "PolicyRef",
    "PortChange",
    "PortDrift",
    "ProtocolDrift",
    "Report",
    "ReportInputs",
    "ReportInvalid",
    "ScanMeta",
    "ScanSide",
    "ScanStatus",
    "SuiteDrift",
    "Summary",
    "Verdict",
    "ZoneConflict",
    "ZoneCoverage",
    "ZoneSource",
    "breaks_compliance",
    "compliant_of",
    "coverage",
    "decode",
    "drift_schema",
    "dumps",
    "encode",
    "incomplete_reason",
    "inventory_schema",
    "iter_json",
    "loads",
    "mapped",
    "render_junit",
    "render_metrics",
    "render_sarif",
    "report_from_buffer",
    "report_from_bytes",
    "report_schema",
    "report_to_json",
    "rfc3339",
    "summarize",
    "summary_lines",
    "verdict_for",
    "verdict_of",
    "write_json",
]
