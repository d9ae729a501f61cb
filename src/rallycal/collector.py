"""Pausing Python's cycle collector while a season is read or exported.

Reading and exporting a big season makes hundreds of thousands of small objects (YAML
nodes, model objects, event texts) that never refer to each other in cycles, so
reference counting frees every one of them. The cycle collector does not know that:
each time enough objects have been made it walks all the live ones again, and at
10,000 rounds those walks were a third of an export's time. It is paused for the
call and then restored as the caller had it, so any garbage in cycles is collected
as usual afterwards.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No cycle collection inside the block; the collector's state is restored after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
