#!/usr/bin/env python3
"""HTTP throughput and latency of the production gunicorn setup, against a hello-world floor.

Starts ``python -m gunicorn -c gunicorn.conf.py service.wsgi:app`` on 127.0.0.1 (a free port) with
CODESEARCH_BENCH_ROUTES=1, waits for /readyz, then drives it with wrk at a few connection counts:
/v1/search cycling through typical queries, and /bench/hello (Flask + gunicorn, nothing else) in the
same run. Prints req/s, p50/p99 latency, requests per second per core (requests over the workers' CPU
seconds: steady even when other work shares the machine), the search/hello ratios and the memory of each
worker. The server is always stopped at the end.

    python scripts/bench_http.py                             # 1, 4, 16 connections, 8 s each
    python scripts/bench_http.py --connections 1 4 --duration 5 --workers 3

Needs wrk (Debian: apt-get install -y wrk). Load goes to 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_search import DEV_QUERIES, load_queries  # noqa: E402

HOST = "127.0.0.1"
MARK = "WRK_JSON "
LUA = """
local paths = {%(paths)s}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
                 + summary.errors.status + summary.errors.timeout
  io.write(string.format('%(mark)s{"requests": %%d, "duration_us": %%d, "errors": %%d, '
    .. '"p50_us": %%d, "p99_us": %%d, "mean_us": %%f}\\n', summary.requests, summary.duration, errors,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def lua_script(paths: list[str], folder: Path, name: str) -> Path:
    """A wrk script that cycles through ``paths`` and prints its summary as one JSON line."""
    script = folder / f"{name}.lua"
    listed = ", ".join(json.dumps(p) for p in paths)
    script.write_text(LUA % {"paths": listed, "mark": MARK})
    return script


def search_paths(queries_file: Path) -> list[str]:
    """/v1/search URLs for the typical queries (dev set, code prefixes, type-ahead)."""
    return [f"/v1/search?q={quote_plus(q)}" for q, _kind in load_queries(queries_file)]


def start_server(port: int, index_dir: str, workers: int | None, log, cache: int | None = None) -> subprocess.Popen:
    """gunicorn with the production config, bench routes on, in its own session."""
    env = dict(os.environ, CODESEARCH_INDEX_DIR=str(Path(index_dir).resolve()), CODESEARCH_BENCH_ROUTES="1",
               CODESEARCH_HOST=HOST, CODESEARCH_PORT=str(port))
    if workers:
        env["CODESEARCH_WORKERS"] = str(workers)
    if cache is not None:
        env["CODESEARCH_SEARCH_CACHE"] = str(cache)
    command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
               "--bind", f"{HOST}:{port}", "service.wsgi:app"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)


def wait_ready(server: subprocess.Popen, base: str, timeout: float = 60.0) -> None:
    """Poll /readyz until it answers 200; raise if the server dies or the timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode} before it was ready")
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as reply:
                if reply.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"/readyz did not answer 200 within {timeout:.0f}s")


def stop_server(server: subprocess.Popen) -> None:
    """SIGTERM the gunicorn master (graceful), SIGKILL its process group if it lingers."""
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)


def worker_pids(master: int) -> list[int]:
    """PIDs of the gunicorn master's children (its workers)."""
    children = Path(f"/proc/{master}/task/{master}/children")
    if children.is_file():
        return [int(p) for p in children.read_text().split()]
    pids = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            if f"PPid:\t{master}\n" in status.read_text():
                pids.append(int(status.parent.name))
        except OSError:
            continue
    return sorted(pids)


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS, VmHWM (peak RSS) and Pss (shared pages split among their users) of a process, in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    rollup = Path(f"/proc/{pid}/smaps_rollup")
    for line in rollup.read_text().splitlines() if rollup.is_file() else []:
        key, _, rest = line.partition(":")
        if key == "Pss":
            values[key] = int(rest.split()[0]) / 1024
    return values


def run_wrk(url: str, script: Path, connections: int, seconds: int) -> dict:
    """One bounded wrk run; its summary (requests/s, p50, p99 in ms, errors)."""
    threads = max(1, min(2, connections))
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s",
               "-s", str(script), url]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith(MARK))
    raw = json.loads(line[len(MARK):])
    return {"rps": raw["requests"] / (raw["duration_us"] / 1e6), "p50_ms": raw["p50_us"] / 1000,
            "p99_ms": raw["p99_us"] / 1000, "errors": raw["errors"], "requests": raw["requests"]}


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds these processes have used so far (Linux /proc)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def run_measured(master: int, url: str, script: Path, connections: int, seconds: int) -> dict:
    """run_wrk, plus the workers' CPU per request: requests per second per core, whatever else runs."""
    workers = worker_pids(master)
    before = cpu_seconds(workers)
    result = run_wrk(url, script, connections, seconds)
    used = cpu_seconds(workers) - before
    result["per_core"] = result["requests"] / used if used > 0 else float("nan")
    return result


def print_report(results: list[dict], memory: dict[int, dict[str, float]], master: int) -> None:
    """The table, the ratios and the memory per worker."""
    print(f"{'conns':>5}  {'route':<8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'req/s/core':>12}")
    for row in results:
        for route in ("search", "hello"):
            r = row[route]
            print(f"{row['connections']:>5}  {route:<8}{r['rps']:>9.0f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}"
                  f"{r['errors']:>8}{r['per_core']:>12.0f}")
    print()
    for row in results:
        s, h = row["search"], row["hello"]
        print(f"{row['connections']:>3} conns: search/hello p50 {s['p50_ms'] / max(h['p50_ms'], 1e-6):.2f}x, "
              f"p99 {s['p99_ms'] / max(h['p99_ms'], 1e-6):.2f}x, throughput {s['rps'] / max(h['rps'], 1e-6):.0%}")
    print()
    for pid, values in memory.items():
        role = "master" if pid == master else "worker"
        print(f"{role} {pid}: RSS {values.get('VmRSS', 0):.1f} MB (peak {values.get('VmHWM', 0):.1f} MB, "
              f"PSS {values.get('Pss', 0):.1f} MB)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", default=os.environ.get("CODESEARCH_INDEX_DIR", str(ROOT / "var" / "index")))
    parser.add_argument("--queries", default=str(DEV_QUERIES), help="dev queries (jsonl with query, kind)")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run (1-60)")
    parser.add_argument("--workers", type=int, default=None, help="CODESEARCH_WORKERS for this run")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    parser.add_argument("--search-cache", type=int, default=None,
                        help="CODESEARCH_SEARCH_CACHE for this run (0: every search is computed)")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get update && apt-get install -y wrk (Debian/Ubuntu), then re-run.",
              file=sys.stderr)
        return 2
    duration = max(1, min(args.duration, 60))
    connections = [max(1, min(c, 256)) for c in args.connections]

    with tempfile.TemporaryDirectory(prefix="codesearch-http-") as tmp:
        folder = Path(tmp)
        scripts = {"search": lua_script(search_paths(Path(args.queries)), folder, "search"),
                   "hello": lua_script(["/bench/hello"], folder, "hello")}
        port = free_port()
        base = f"http://{HOST}:{port}"
        with open(folder / "gunicorn.log", "w+") as log:
            server = start_server(port, args.index, args.workers, log, args.search_cache)
            try:
                wait_ready(server, base)
                for name in ("search", "hello"):  # every worker opens the index and warms its caches
                    run_wrk(base, scripts[name], max(connections), 2)
                results = []
                for count in connections:
                    row = {"connections": count}
                    for name in ("search", "hello"):
                        print(f"wrk {name} with {count} connections for {duration}s ...", file=sys.stderr)
                        row[name] = run_measured(server.pid, base, scripts[name], count, duration)
                    results.append(row)
                memory = {pid: memory_mb(pid) for pid in [server.pid] + worker_pids(server.pid)}
            except Exception:
                log.seek(0)
                print("gunicorn log (last lines):\n" + "".join(log.readlines()[-20:]), file=sys.stderr)
                raise
            finally:
                stop_server(server)
    print(f"search cache per worker: {args.search_cache if args.search_cache is not None else 'default (4096)'}")
    print_report(results, memory, server.pid)
    if args.json:
        Path(args.json).write_text(json.dumps({"runs": results, "memory_mb": memory}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
