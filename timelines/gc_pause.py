"""Python's cyclic garbage collector held off while a case is loaded or tabulated: a burst of objects that all stay.

Loading a case allocates tens of thousands of objects that live as long as the case (models, dates, bounds,
the network's keys), and next to none that form garbage cycles. Each 700 allocations the collector looks for
cycles among the young objects, and every so often among all of them (the whole heap of pandas, pydantic and
Altair included): at 2,000 events a quarter of the time of loading and tabulating, with nothing to find. Held
off for the length of one load, the collector looks once afterwards, at the next allocation; reference counting
frees everything else as usual meanwhile.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_depth = 0  # loads under way (threads of one server, or one load calling another)
_restore = False  # whether the collector ran when the first of them started


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold off the cyclic collector within the block (a context manager, or a decorator); restored on the way out,
    whatever happens, once the last block of any thread has ended. A collector that was off stays off."""
    global _depth, _restore
    with _lock:
        if _depth == 0:
            _restore = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _restore:
                gc.enable()
