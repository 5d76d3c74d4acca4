"""Waking a background loop early from another thread (a request thread that just committed).

The delivery worker and the event-stream hub each poll on an interval, and each is woken at once
when this process commits something; commits happen in worker threads, the loops run in the
event loop, so the wake-up goes through :meth:`asyncio.AbstractEventLoop.call_soon_threadsafe`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import suppress

__all__ = ["Wakeup"]


class Wakeup:
    """An :class:`asyncio.Event` of a running loop that any thread may set.

    The loop calls :meth:`bind` when it starts and :meth:`unbind` when it ends; between them
    :meth:`set` (any thread) sets :attr:`event`, and outside them it does nothing.
    """

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self.event: asyncio.Event | None = None

    def bind(self) -> asyncio.Event:
        """Attach to the running loop; returns the event to wait on."""
        self._loop, self.event = asyncio.get_running_loop(), asyncio.Event()
        return self.event

    def unbind(self) -> None:
        self._loop = self.event = None

    def set(self) -> None:
        """Set the event from any thread; a no-op when no loop is bound (or it closed meanwhile)."""
        event = self.event
        if event is not None:
            self.call_soon(event.set)

    def call_soon(self, fn: Callable[[], object]) -> None:
        """Run ``fn`` in the bound loop, from any thread; a no-op when none is bound or it closed."""
        loop = self._loop
        if loop is not None:
            with suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(fn)
