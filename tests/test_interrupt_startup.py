"""Ctrl-C at any moment, start-up included, ends hatls quietly: no traceback, exit 4 ("interrupted")
or, once the run was already over, its own status."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

# From "Python is importing hatls" through "the lab is starting" to "the scan runs". (The first
# few tens of milliseconds belong to the interpreter's own start-up, before any hatls code runs.)
DELAYS = (0.4, 0.55, 0.7, 0.85, 1.0, 1.3)


@pytest.mark.slow
@pytest.mark.parametrize("delay", DELAYS)
def test_ctrl_c_during_demo_start_up_prints_no_traceback(delay: float, tmp_path: Path) -> None:
    # The console script, as people run it (its entry point is hatls.launch:main).
    hatls = Path(sys.executable).parent / "hatls"
    proc = subprocess.Popen([hatls, "demo", "--out", "d"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            # A child of a non-interactive shell may inherit SIGINT ignored.
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)

    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert proc.returncode in (4, 1), (proc.returncode, err)   # 1: the demo had already finished
    if proc.returncode == 4:
        assert "interrupted" in err

