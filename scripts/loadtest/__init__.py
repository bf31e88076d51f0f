"""The load and invariant harness's parts, for the scripts beside this package:

- `site`: the web server, RQ workers and sweeper started as production starts them, a Redis
  of the run's own, CPU and memory readings, one run at a time;
- `traffic`: the customers (booking flows as WAPI posts them, pacing, conversing);
- `faults`: faults injected into a run (deadlocks, MariaDB settings put back afterwards);
- `invariants`: what must hold afterwards, read from the database;
- `report`: the figures printed.

Run with the bench's Python; nothing here is used by the site.
"""

from __future__ import annotations

import os
import sys

BENCH = os.environ.get("YAWLIT_BENCH", "/opt/bench")
# The repository root, so `yawlit_bot.testing` imports from this checkout.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
