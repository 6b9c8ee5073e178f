"""Throughput and latency of the storefront API under gunicorn on PostgreSQL.

Migrates a scratch database (helpdesk_bench_api; BENCH_DATABASE_URL picks another), loads both
brands, creates a storefront key, starts gunicorn, then drives with wrk for 20 seconds each at
16 concurrent connections:

  POST /api/v1/tickets/              (a new ticket per request, acknowledged as by mail)
  GET  /api/v1/tickets/{reference}/  (cycling over the tickets the first phase created)

and prints requests per second and p50/p99 latency for each, against the targets: at least
150 creations per second with p99 under 250 ms, and at least 400 detail reads per second.

Throttle counts and the acknowledgement tasks go to Redis (BENCH_REDIS_URL, database 13 by
default; only this run's keys are removed afterwards). Nothing consumes the tasks: the
benchmark measures the web tier, and sending mail is a worker's job.

Needs wrk (Debian/Ubuntu: `apt-get install wrk`; macOS: `brew install wrk`).

    python bench/api.py [--seconds 20] [--connections 16] [--workers N]
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import _django

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench_api"
DEFAULT_REDIS = "redis://127.0.0.1:6379/13"
TARGETS = {"create": (150, 250.0), "detail": (400, None)}

if shutil.which("wrk") is None:
    raise SystemExit(
        "bench/api.py needs the wrk load generator: `apt-get install wrk` (Debian/Ubuntu) or "
        "`brew install wrk` (macOS), then run it again."
    )

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS)
_django.setup(DATABASE_URL)

from django.db import connection  # noqa: E402

from brands.models import BrandApiKey  # noqa: E402
from helpdesk.models import Ticket  # noqa: E402
from helpdesk.services.api_keys import api_key_create  # noqa: E402

CREATE_LUA = """
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Api-Key %(key)s"
request = function()
  counter = counter + 1
  local body = string.format(
    '{"customer_email": "bench-%%d-%%d@customer.example", "customer_name": "Bench Customer",'
    .. ' "category": "product-information", "subject": "Is the chain adjustable?",'
    .. ' "message": "I would like to know before I order. Thank you!"}',
    math.random(1, 1000000000), counter)
  return wrk.format(nil, nil, nil, body)
end
"""

DETAIL_LUA = """
local refs = {%(refs)s}
local i = 0
wrk.headers["Authorization"] = "Api-Key %(key)s"
request = function()
  i = i %% #refs + 1
  return wrk.format("GET", "/api/v1/tickets/" .. refs[i] .. "/")
end
"""


def reset() -> str:
    """Empty the ticket tables, load the brands and return a new key for Kendrascottes."""
    brand = _django.reset_helpdesk()["kendrascottes"]
    BrandApiKey.objects.all().delete()
    api_key, key = api_key_create(brand, name="Benchmark")
    # Counted like any key (in Redis), at a rate the benchmark does not reach.
    api_key.throttle_rate = "1000000/min"
    api_key.save(update_fields=["throttle_rate"])
    return key


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "SECRET_KEY": "benchmark-only",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--worker-class", "sync",
        "--backlog", "256",
        "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(
        command, cwd=_django.ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/schema/", timeout=2)
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {log}") from None
            time.sleep(0.3)
    server.terminate()
    raise SystemExit(f"gunicorn did not start; see {log}")


def to_ms(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(url: str, script: str, seconds: int, connections: int, threads: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    output = subprocess.run(
        [
            "wrk", "--latency", "-t", str(threads), "-c", str(connections),
            "-d", f"{seconds}s", "--timeout", "10s", "-s", lua.name, url,
        ],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    os.unlink(lua.name)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "p50": to_ms(re.search(r"\s50%\s+(\S+)", output).group(1)),
        "p99": to_ms(re.search(r"\s99%\s+(\S+)", output).group(1)),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
        "raw": output,
    }


def clean_redis() -> None:
    """Remove what this run put in Redis: its throttle counts and the unconsumed tasks."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for pattern in ("helpdesk:*throttle:*", "helpdesk:*api-key*", "_kombu.binding*"):
        for name in client.scan_iter(match=pattern, count=1000):
            client.delete(name)
    client.delete("celery", "unacked", "unacked_index")


def report(name: str, label: str, result: dict) -> bool:
    minimum, p99_limit = TARGETS[name]
    ok = result["rps"] >= minimum and (p99_limit is None or result["p99"] < p99_limit)
    ok = ok and result["non_2xx"] == 0
    target = f">= {minimum}/s" + (f", p99 < {p99_limit:.0f} ms" if p99_limit else "")
    print(
        f"{label:<34} {result['rps']:>8.1f} {result['p50']:>9.1f} {result['p99']:>9.1f}"
        f"  {result['non_2xx']:>6}  {target:<26} {'met' if ok else 'MISSED'}"
    )
    if result["socket_errors"]:
        print(f"    socket errors: {result['socket_errors']}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2)),
        # PostgreSQL and wrk share the machine: more sync workers than CPUs only add
        # context switches to CPU-bound requests.
        help="gunicorn workers (default WEB_CONCURRENCY, else one per CPU)",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("This benchmark runs on PostgreSQL (set BENCH_DATABASE_URL).")

    key = reset()
    connection.close()
    port = free_port()
    log = Path(tempfile.gettempdir()) / "helpdesk-bench-api-gunicorn.log"
    server = start_gunicorn(port, args.workers, log)
    base = f"http://127.0.0.1:{port}"
    try:
        check = urllib.request.Request(
            f"{base}/api/v1/brand/", headers={"Authorization": f"Api-Key {key}"}
        )
        assert json.load(urllib.request.urlopen(check))["slug"] == "kendrascottes"
        create = run_wrk(
            f"{base}/api/v1/tickets/",
            CREATE_LUA % {"key": key},
            args.seconds,
            args.connections,
            args.threads,
        )
        references = list(Ticket.objects.order_by("?").values_list("reference", flat=True)[:2000])
        connection.close()
        if not references:
            raise SystemExit("No ticket was created; see " + str(log) + "\n" + create["raw"])
        detail = run_wrk(
            f"{base}/api/v1/tickets/",
            DETAIL_LUA % {"key": key, "refs": ", ".join(f'"{r}"' for r in references)},
            args.seconds,
            args.connections,
            args.threads,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        clean_redis()

    created = Ticket.objects.count()
    print(
        f"gunicorn {args.workers} sync workers, wrk {args.connections} connections, "
        f"{args.seconds} s per endpoint, PostgreSQL, {os.cpu_count()} CPUs"
    )
    print(
        f"{'endpoint':<34} {'req/s':>8} {'p50 ms':>9} {'p99 ms':>9}  {'non-2xx':>6}  {'target':<26}"
    )
    ok = report("create", "POST /api/v1/tickets/", create)
    ok &= report("detail", "GET  /api/v1/tickets/{reference}/", detail)
    print(f"tickets created: {created} (wrk counted {create['requests']} requests)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
