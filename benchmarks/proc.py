"""Process facts shared by the benchmark parent and its children."""

from __future__ import annotations

import resource
from pathlib import Path


def vmhwm_kb() -> int:
    """This process's peak resident set in KiB (VmHWM: unlike getrusage's child maxrss, it is
    reset at exec, so a child's figure does not include its parent's size at fork)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
