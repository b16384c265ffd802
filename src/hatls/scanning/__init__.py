"""The scan's pure core: which connections to make, and what their results mean.

- jobs: the job and result types (one job, one connection), imported by the probes that fill them;
- plan: inventory -> endpoints -> jobs, and which job follows which result;
- elimination: the elimination machines (what to offer next, given the answers);
- enumeration: one endpoint's raw-hello enumeration as a state machine the scanner drives, one
  connection per request;
- merge: the job results of one endpoint -> one EndpointObservation;
- pipeline: observations -> findings -> Report, and the re-judgement of a saved report.

Nothing here opens a socket or imports trio or OpenSSL: the probes (hatls.probe) run the jobs and
wire the network in (``hatls.probe.scanner``), so all of this is tested from recorded results.
"""

from hatls.scanning._elimination import (
    MAX_SUITES_PER_HELLO,
    Answer,
    Elimination,
    FallbackAnswer,
    PairedElimination,
    classify,
    fallback_answer,
)
from hatls.scanning._enumeration import Enumeration
from hatls.scanning._jobs import (
    Endpoint,
    EnumerationFacts,
    EnumerationReply,
    EnumerationRequest,
    HandshakeOutcome,
    HelloReply,
    HelloRequest,
    Job,
    JobKind,
    JobResult,
    PlaintextOutcome,
    PortTarget,
    RenegotiationReply,
    RenegotiationRequest,
)
from hatls.scanning._merge import merge, unreached
from hatls.scanning._pipeline import anchors_used, build_report, observations_of, rejudge
from hatls.scanning._plan import (
    endpoints_for,
    first_job,
    follow_up_jobs,
    port_targets,
    version_inferences,
)
from hatls.scanning._state import ScanEvent, ScanState
from hatls.scanning._zones import (
    ZoneError,
    check_zone,
    zone_notes,
    zone_scan_coverage,
    zone_scan_findings,
    zone_selector,
)

__all__ = [
    "MAX_SUITES_PER_HELLO",
    "Answer",
    "Elimination",
    "Endpoint",
    "Enumeration",
    "EnumerationFacts",
    "EnumerationReply",
    "EnumerationRequest",
    "FallbackAnswer",
    "HandshakeOutcome",
    "HelloReply",
    "HelloRequest",
    "Job",
    "JobKind",
    "JobResult",
    "PairedElimination",
    "PlaintextOutcome",
    "PortTarget",
    "RenegotiationReply",
    "RenegotiationRequest",
    "ScanEvent",
    "ScanState",
    "ZoneError",
    "anchors_used",
    "build_report",
    "check_zone",
    "classify",
    "endpoints_for",
    "fallback_answer",
    "first_job",
    "follow_up_jobs",
    "merge",
    "observations_of",
    "port_targets",
    "rejudge",
    "unreached",
    "version_inferences",
    "zone_notes",
    "zone_scan_coverage",
    "zone_scan_findings",
    "zone_selector",
]
