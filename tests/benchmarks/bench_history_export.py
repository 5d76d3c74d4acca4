"""Benchmark of ``handoff history export`` and ``GET /v1/analytics/summary``'s computation over
the service's database.

Run as a script (it is not a pytest module)::

    python tests/benchmarks/bench_history_export.py            # 20,000 escalations over 7 days
    python tests/benchmarks/bench_history_export.py --quick    # 2,000
    python tests/benchmarks/bench_history_export.py --escalations 100000 --backend postgresql

What is measured: a fresh database (a SQLite file in a temporary directory, or a fresh PostgreSQL
database on 127.0.0.1:5432) holding one tenant's escalations spread evenly over 7 days, written
straight into the tables the service writes (an escalation row each, with its
``escalation.offered`` and -- for the 85 % accepted -- ``escalation.assigned`` outbox events; 60 %
completed with feedback, 10 % abandoned, 5 % cancelled, the rest open), since creating them through
the dispatcher would measure the service, not the export. Timed: the export of the 7 days to a
``.csv.gz`` history log (records read in batches, written streaming) as rows per second, and the
summary of the same 7 days (read + :func:`routing.analytics.weekly_review` + summary), wall clock.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from routing.history import write_history
from routing.service import tenants
from routing.service.analytics import Analytics
from routing.service.history_export import history_records
from routing.service.settings import StatsSettings
from routing.service.storage.database import Database
from routing.service.storage.outbox import OUTBOX
from routing.service.storage.repository import ESCALATIONS
from routing.service.storage.volume import VOLUME

T0 = 1_767_571_200.0  # 2026-01-05T00:00:00Z, a Monday
DAYS = 7
TRIGGERS = ("explicit_request", "low_confidence", "negative_sentiment", "loop", "policy_topic")


def fill(db: Database, n: int) -> None:
    """``n`` escalations of tenant ``bench`` over the 7 days (see the module docstring)."""
    step_s = DAYS * 86_400 / n
    escalations, events = [], []
    for i in range(n):
        created_s = T0 + i * step_s
        kind = i % 20
        accepted = kind < 17
        state = (
            "completed"
            if kind < 12
            else "assigned"
            if kind < 17
            else "abandoned"
            if kind < 19
            else "cancelled"
        )
        outcome = None
        if state == "completed":
            outcome = {"resolved": True, "csat": 1 + i % 5, "first_contact_resolved": i % 3 > 0,
                       "ai_could_have_handled": i % 7 == 0}  # fmt: skip
        elif state in ("abandoned", "cancelled"):
            outcome = {
                "cancelled": {
                    "reason": "customer_left" if state == "abandoned" else "resolved_by_ai",
                    "note": "",
                }
            }
        esc_id = f"e{i}"
        escalations.append(
            {
                "tenant_id": "bench", "id": esc_id, "seq": i,
                "spec": {"id": esc_id, "created_at": created_s, "channel": "chat",
                         "required_skills": {"billing": 2}, "trigger": TRIGGERS[i % len(TRIGGERS)],
                         "customer_tier": "standard", "language": "en"},
                "context": {}, "state": state, "offered_to": ["a1"], "reoffer_at": [],
                "agent_id": "a1" if accepted else None, "created_s": created_s, "arrived_s": created_s,
                "assigned_s": created_s + 12 if accepted else None, "handoff_s": 12.0 if accepted else None,
                "finished_s": created_s + 400 if state in ("completed", "abandoned", "cancelled") else None,
                "outcome": outcome, "transfers": 0, "transferred_from": [],
                "customer_ref": f"c_{i % 3000:032x}", "segment": "billing",
                "context_viewed_s": created_s + 15 if accepted and i % 2 else None,
            }
        )  # fmt: skip
        kinds = [("escalation.offered", created_s)] + (
            [("escalation.assigned", created_s + 12)] if accepted else []
        )
        for kind_name, at_s in kinds:
            events.append(
                {"id": "evt_" + uuid.uuid4().hex, "tenant_id": "bench", "type": kind_name,
                 "escalation_id": esc_id, "sequence": 1, "stream": f"escalation:{esc_id}",
                 "occurred_s": at_s, "body": "{}"}
            )  # fmt: skip
    volume = [
        {"tenant_id": "bench", "segment": "billing", "interval_start_s": T0 + k * 900, "interval_s": 900,
         "conversations": 40, "reported_s": T0}
        for k in range(DAYS * 96)
    ]  # fmt: skip
    with db.write() as s:
        s.connection().execute(ESCALATIONS.insert(), escalations)
        s.connection().execute(OUTBOX.insert(), events)
        s.connection().execute(VOLUME.insert(), volume)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--escalations", type=int, default=20_000)
    parser.add_argument("--quick", action="store_true", help="2,000 escalations")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    n = 2_000 if args.quick else args.escalations
    with tempfile.TemporaryDirectory() as tmp:
        if args.backend == "sqlite":
            url, drop = f"sqlite:///{tmp}/bench.db", None
        else:
            import psycopg

            name = f"handoff_bench_{uuid.uuid4().hex[:8]}"
            admin = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            url, drop = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", (admin, name)
        db = Database(url)
        try:
            db.migrate()
            tenants.provision(db, "bench", now_s=T0)
            started = time.perf_counter()
            fill(db, n)
            print(f"{args.backend}: {n} escalations written in {time.perf_counter() - started:.1f} s")
            out = Path(tmp) / "history.csv.gz"
            started = time.perf_counter()
            with db.read() as s:
                written = write_history(out, history_records(s, "bench", T0, T0 + DAYS * 86_400, {}))
            export_s = time.perf_counter() - started
            print(
                f"history export: {written} rows in {export_s:.2f} s = {written / export_s:,.0f} rows/s, "
                f"{out.stat().st_size / 1e6:.2f} MB gzipped"
            )
            started = time.perf_counter()
            body = Analytics(db, StatsSettings()).summary(
                "bench", T0, T0 + DAYS * 86_400, ("trigger", "segment")
            )
            summary_s = time.perf_counter() - started
            sl = body["total"]["service_level"]["value"]
            print(
                f"analytics summary of {DAYS} days (trigger, segment): {summary_s:.2f} s "
                f"(service level {sl:.3f})"
            )
        finally:
            db.dispose()
            if drop is not None:
                import psycopg

                with psycopg.connect(drop[0], autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{drop[1]}" WITH (FORCE)')


if __name__ == "__main__":
    main()
