"""Benchmark of several service instances on one PostgreSQL: creates per second and p99 latency for
one tenant on one and on two instances, and for four tenants on one and on two, side by side.

Run as a script (it is not a pytest module)::

    python tests/benchmarks/bench_instances.py                 # 600 creates per setup, 20 s at most
    python tests/benchmarks/bench_instances.py --creates 300 --concurrency 8 --max-seconds 10

What is measured: ``uvicorn`` processes of the real service on 127.0.0.1, all on one fresh
PostgreSQL database per setup (127.0.0.1:5432), 50 available agents with ample chat capacity per
tenant. A closed loop of ``--concurrency`` httpx async clients sends ``POST /v1/escalations`` (the
body of ``bench_service.py``), request ``i`` for tenant ``i mod tenants`` to instance
``(i div tenants) mod instances`` (each tenant's requests alternate between the instances),
until ``--creates`` are acknowledged or ``--max-seconds`` pass, after a warm-up on every
instance and tenant. Requests to one tenant take its lock in turn on whichever instance
they reach, so every switch of instance makes that instance catch up: with the command log it
applies the commands it has not seen; before it, it rebuilt the tenant from every active row.
``rebuilds`` counts the "rebuilt tenant" lines the servers logged during the measured run (after
the warm-up, which caches every tenant on every instance once).

The floors judged at the end: two instances are no slower than one for one tenant (within 10%,
the run-to-run noise of a shared machine), and faster than one for four tenants.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.benchmarks.bench_service import (
    body,
    closed_loop,
    cpu_s,
    drop_postgres,
    postgres_database,
    run_uvicorn,
)

KEY = "hk_benchmark_instances_key_0000000000000000"
NOISE = 0.10  # "no slower" allows this much: run-to-run spread on a shared 2-core machine


#: the servers' logging: the service's own at info (its "rebuilt tenant" lines), uvicorn's warnings
LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"err": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr"}},
    "loggers": {
        "handoff": {"handlers": ["err"], "level": "INFO"},
        "uvicorn": {"handlers": ["err"], "level": "WARNING"},
    },
}


def start(database_url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """One instance of the service; the tick loop on, its logs (info: rebuilds) in ``log``."""
    log_config = log.with_suffix(".logging.json")
    log_config.write_text(json.dumps(LOG_CONFIG))
    env = {
        "HANDOFF_DATABASE_URL": database_url,
        "HANDOFF_BOOTSTRAP_TENANT": "t0",
        "HANDOFF_BOOTSTRAP_API_KEY": KEY + "0",
        "HANDOFF_RATE_LIMITS__ENABLED": "false",  # the benchmark is the only client
    }
    return run_uvicorn(env, log, "--log-config", str(log_config))


def provision(database_url: str, tenants: int, now_s: float) -> None:
    """Tenants t1.. with keys ``KEY + i`` (t0 is the servers' bootstrap tenant)."""
    from routing.service import tenants as admin
    from routing.service.storage.database import Database

    db = Database(database_url)
    try:
        for i in range(1, tenants):
            admin.provision(db, f"t{i}", api_key=f"{KEY}{i}", now_s=now_s)
    finally:
        db.dispose()


def headers(tenant: int, esc_id: str | None = None) -> dict[str, str]:
    out = {"Authorization": f"Bearer {KEY}{tenant}"}
    if esc_id is not None:
        out["Idempotency-Key"] = esc_id
    return out


async def load(
    urls: list[str], tenants: int, creates: int, concurrency: int, max_seconds: float, log: Path
) -> dict[str, Any]:
    """The closed loop after a warm-up; latencies, wall time and the rebuilds ``log`` gained
    after the warm-up."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    clients = [httpx.AsyncClient(base_url=u, limits=limits, timeout=60) for u in urls]
    run = uuid.uuid4().hex[:6]
    try:

        async def one(i: int) -> float:
            esc_id = f"b{run}-{i}"
            # each tenant's requests alternate between the instances: every one of them catches up
            client, tenant = clients[(i // tenants) % len(clients)], i % tenants
            t0 = time.perf_counter()
            r = await client.post("/v1/escalations", json=body(esc_id), headers=headers(tenant, esc_id))
            elapsed = time.perf_counter() - t0
            if r.status_code != 201:
                raise RuntimeError(f"create failed: {r.status_code} {r.text[:200]}")
            return elapsed

        for i in range(2 * len(clients) * tenants):  # every instance has every tenant cached
            await one(-1 - i)
        warmed = rebuilds_logged(log)
        latencies, wall_s = await closed_loop(one, creates, concurrency, max_seconds)
        return {"latencies": latencies, "wall_s": wall_s, "rebuilds": rebuilds_logged(log) - warmed}
    finally:
        for client in clients:
            await client.aclose()


def rebuilds_logged(log: Path) -> int:
    return sum(line.count("rebuilt tenant") for line in log.read_text(errors="replace").splitlines())


def setup(instances: int, tenants: int, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    made = postgres_database()
    if made is None:
        raise SystemExit("PostgreSQL does not answer on 127.0.0.1:5432: this benchmark needs it")
    url, name = made
    log = tmp / f"i{instances}-t{tenants}.log"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        proc, first = start(url, log)
        procs.append(proc)
        provision(url, tenants, time.time())
        urls = [first]
        for _ in range(instances - 1):
            proc, other = start(url, log)
            procs.append(proc)
            urls.append(other)
        with httpx.Client(base_url=first) as client:
            for tenant in range(tenants):
                for i in range(50):
                    agent = {"id": f"a{i}", "skills": {"billing": 2 + i % 4, "refunds": 1 + i % 5},
                             "tier": 1 + i % 2, "channels": {"chat": 100}}  # fmt: skip
                    r = client.post("/v1/agents", json=agent, headers=headers(tenant))
                    if r.status_code != 201:
                        raise RuntimeError(f"agent not created: {r.status_code} {r.text[:200]}")
        cpu0 = sum(cpu_s(p.pid) for p in procs)
        result = asyncio.run(load(urls, tenants, args.creates, args.concurrency, args.max_seconds, log))
        servers_cpu = (sum(cpu_s(p.pid) for p in procs) - cpu0) / result["wall_s"]
        rebuilds = result["rebuilds"]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(10)
        drop_postgres(name)
    lat = sorted(result["latencies"])
    n = len(lat)
    return {
        "instances": instances,
        "tenants": tenants,
        "creates": n,
        "wall_s": result["wall_s"],
        "creates_per_s": n / result["wall_s"],
        "p50_ms": 1000 * statistics.median(lat),
        "p99_ms": 1000 * lat[min(n - 1, int(0.99 * n))],
        "servers_cpu": servers_cpu,
        "rebuilds": rebuilds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--creates", type=int, default=600, help="creates per setup, at most")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    parser.add_argument("--max-seconds", type=float, default=20.0, help="measured time per setup, at most")
    parser.add_argument("--log-dir", type=Path, help="keep the servers' logs here (default: discarded)")
    args = parser.parse_args()
    if args.creates < 1 or args.concurrency < 1 or args.max_seconds <= 0:
        raise SystemExit("--creates and --concurrency must be >= 1, --max-seconds > 0")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        logs = args.log_dir or Path(tmp)
        logs.mkdir(parents=True, exist_ok=True)
        for instances, tenants in ((1, 1), (2, 1), (1, 4), (2, 4)):
            rows.append(setup(instances, tenants, args, logs))
    print(f"\n{'instances':>9} {'tenants':>7} {'creates':>7} {'wall s':>7} {'creates/s':>9} "
          f"{'p50 ms':>7} {'p99 ms':>7} {'servers CPU':>11} {'rebuilds':>8}")  # fmt: skip
    for r in rows:
        print(f"{r['instances']:>9} {r['tenants']:>7} {r['creates']:>7} {r['wall_s']:>7.2f} "
              f"{r['creates_per_s']:>9.1f} {r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f} "
              f"{r['servers_cpu']:>8.2f} cores {r['rebuilds']:>8}")  # fmt: skip
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rate = {(r["instances"], r["tenants"]): r["creates_per_s"] for r in rows}
    one_tenant = rate[2, 1] >= (1 - NOISE) * rate[1, 1]
    four_tenants = rate[2, 4] > rate[1, 4]
    print(f"floor: 2 instances no slower than 1 for one tenant (within {NOISE:.0%}): "
          f"{'met' if one_tenant else 'NOT met'} ({rate[2, 1]:.1f} vs {rate[1, 1]:.1f}/s)")  # fmt: skip
    print(f"floor: 2 instances faster than 1 for four tenants: "
          f"{'met' if four_tenants else 'NOT met'} ({rate[2, 4]:.1f} vs {rate[1, 4]:.1f}/s)")  # fmt: skip
    if not (one_tenant and four_tenants):
        sys.exit(1)


if __name__ == "__main__":
    main()
