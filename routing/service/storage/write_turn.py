"""Whose turn it is to take SQLite's write lock, among every process on one database file.

SQLite has one writer at a time and no queue for the others: a ``BEGIN IMMEDIATE`` that finds the
lock taken fails, and the waiting connection looks again later. Against a server whose request
threads take the lock one after the other (the next thread's ``BEGIN IMMEDIATE`` runs the moment
the last one commits), a ``handoff deliver`` process beside it that polls almost never finds the
lock free: measured at 200 creates/s, its waits reached 600 ms and took half its time.

The turn restores a queue. A writer holds it while it *waits for* the write lock (not while it
writes): a process whose writer waits thereby stops the other processes' next writers from
starting, so it gets the lock as soon as the transaction now running commits. Each process thus
waits for at most the transactions already queued in front of it, one per other process.

The turn is an advisory ``flock`` on a file beside the database (``<database>-turn``, like
SQLite's own ``-wal`` and ``-shm``), taken without blocking and looked at again every
``poll_s``, so a wait keeps the caller's deadline. The operating system releases it when its
holder dies, even by ``kill -9``. Inside one process a lock queues the threads first. Where
there is no ``flock`` (Windows) or no file (an in-memory database), holding the turn is free and
writers only poll.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["TurnTimeout", "WriteTurn"]

log = logging.getLogger("handoff.service")


class TurnTimeout(TimeoutError):
    """Another process held the turn until the deadline."""


class WriteTurn:
    """The turn for the database file at ``database_path`` (``None`` or ``":memory:"``: none)."""

    def __init__(self, database_path: str | None, poll_s: float = 0.0002) -> None:
        usable = fcntl is not None and database_path not in (None, "", ":memory:")
        self.path = f"{database_path}-turn" if usable else None
        self.poll_s = poll_s
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    @contextmanager
    def held(self, deadline_s: float) -> Iterator[None]:
        """Hold the turn for the block; ``deadline_s`` is on :func:`time.monotonic`'s clock.

        Raise :class:`TurnTimeout` if it is not this caller's turn by then.
        """
        if not self._threads.acquire(timeout=max(deadline_s - time.monotonic(), 0.0)):
            raise TurnTimeout("the threads before this one held the turn until the deadline")
        try:
            fd = self._descriptor()
            if fd is None:  # no turn here: the writer only polls
                yield
                return
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline_s:
                        raise TurnTimeout("another process held the turn until the deadline") from None
                    time.sleep(self.poll_s)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _descriptor(self) -> int | None:
        """This process's own open file (one inherited through a fork would share its parent's
        lock); ``None`` without a turn file, and from then on if it cannot be opened (logged once).

        Read-only is enough for a ``flock``, so a turn file another user created serves too; a
        new one takes the database file's permission bits, as SQLite's ``-wal`` and ``-shm`` do,
        so every user who may write the database may take the turn."""
        if self.path is None:
            return None
        if self._fd is None or self._pid != os.getpid():
            database = self.path.removesuffix("-turn")
            try:
                mode = os.stat(database).st_mode & 0o666 if os.path.exists(database) else 0o644
                new = not os.path.exists(self.path)
                self._fd = os.open(self.path, os.O_RDONLY | os.O_CREAT, mode)
                if new:
                    with suppress(OSError):  # the umask's bits back, as the database has them
                        os.fchmod(self._fd, mode)
            except OSError as err:
                log.warning("no write turn for %s (%s): writers only poll", database, type(err).__name__)
                self.path = None
                return None
            self._pid = os.getpid()
        return self._fd
