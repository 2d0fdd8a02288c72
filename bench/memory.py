"""Peak-memory reading shared by the benchmarks."""

from __future__ import annotations

import resource
from pathlib import Path


def rss_mb() -> float:
    """Peak resident set size of this process image, MB: VmHWM from /proc (reset at exec, unlike
    ru_maxrss, which a child started by a big parent inherits), else ru_maxrss (KiB on Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
