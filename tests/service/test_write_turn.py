"""The turn to take SQLite's write lock: a process waiting for it is let in after the
transaction running now, however eagerly another process takes the lock again."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from routing.service.storage.database import Database
from routing.service.storage.write_turn import TurnTimeout, WriteTurn

#: another process's writers (four threads, as a server's requests are), each taking the write
#: lock again the moment the one before commits, for up to 20 s
_EAGER_WRITERS = textwrap.dedent(
    """
    import sys, threading, time
    from pathlib import Path
    from sqlalchemy import text
    from routing.service.storage.database import Database
    db = Database(sys.argv[1])
    stop = Path(sys.argv[2])
    deadline = time.monotonic() + 20

    def write():
        while not stop.exists() and time.monotonic() < deadline:
            with db.write() as s:
                s.execute(text("UPDATE counter SET n = n + 1"))
                time.sleep(0.002)  # the work a transaction does while it holds the lock

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    """
)


def _count(db: Database) -> int:
    with db.read() as s:
        return int(s.execute(text("SELECT n FROM counter")).scalar_one())


def test_a_waiting_process_writes_after_the_transaction_in_front_of_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    db = Database(url)
    with db.write() as s:
        s.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        s.execute(text("INSERT INTO counter VALUES (0)"))
    stop = tmp_path / "stop"
    eager = subprocess.Popen([sys.executable, "-c", _EAGER_WRITERS, url, str(stop)])
    try:
        deadline = time.monotonic() + 15
        while _count(db) < 20:  # the other process is taking the lock back to back by now
            assert eager.poll() is None, "the other writer stopped"
            assert time.monotonic() < deadline, "the other writer did not start"
            time.sleep(0.01)
        overtaken = []
        for _ in range(50):
            before = _count(db)
            with db.write() as s:
                overtaken.append(int(s.execute(text("SELECT n FROM counter")).scalar_one()) - before)
        # the one running when it asked, and one that took its turn just before: never more
        assert max(overtaken) <= 2, overtaken
    finally:
        stop.touch()
        eager.wait(30)
        db.dispose()


def test_a_turn_held_elsewhere_until_the_deadline_is_a_timeout(tmp_path: Path) -> None:
    path = str(tmp_path / "h.db")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from routing.service.storage.write_turn import WriteTurn\n"
            "with WriteTurn(sys.argv[1]).held(time.monotonic() + 5):\n"
            "    print('held', flush=True); time.sleep(30)",
            path,
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == b"held\n"
        with pytest.raises(TurnTimeout), WriteTurn(path).held(time.monotonic() + 0.05):
            pass
    finally:
        holder.kill()  # kill -9: the operating system releases its turn
        holder.wait(10)
        holder.stdout.close()  # type: ignore[union-attr]
    with WriteTurn(path).held(time.monotonic() + 5):
        pass


@pytest.mark.parametrize("path", [None, ":memory:"])
def test_without_a_file_holding_the_turn_is_free(path: str | None) -> None:
    turn = WriteTurn(path)
    assert turn.path is None
    with turn.held(time.monotonic() + 1):
        pass


def test_the_turn_file_takes_the_databases_permissions(tmp_path: Path) -> None:
    database = tmp_path / "h.db"
    database.touch()
    database.chmod(0o660)
    turn = WriteTurn(str(database))
    with turn.held(time.monotonic() + 1):
        pass
    assert (tmp_path / "h.db-turn").stat().st_mode & 0o777 == 0o660


def test_a_turn_file_that_cannot_be_opened_leaves_writers_polling(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    turn = WriteTurn(str(tmp_path / "no-such-directory" / "h.db"))
    with turn.held(time.monotonic() + 1):  # no turn, and no error: the writer only polls
        pass
    assert turn.path is None
    assert "no write turn" in caplog.text
