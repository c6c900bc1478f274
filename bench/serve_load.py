"""`mdfollow serve` under load on loopback, against the targets it is held to.

    python bench/serve_load.py [--notes 200] [--bursts 3] [--burst 200] [--slowloris 2000]

Starts `serve` on a generated vault, then: bursts of concurrent requests on fresh
connections, each timed from connect to the last byte, by ApacheBench (`ab`, in C, so the
client is not what is measured; apt-get install apache2-utils) when it is installed, else
by an asyncio client in this process; then slowloris connections held open (partial
headers) while legitimate requests are timed; the server's memory (VmRSS) before and
after. Targets: every burst request answered 200 with p99 < 100 ms; with 2,000 slowloris
connections held a legitimate request answers within 100 ms; memory bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from make_vault import make_vault


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(match[1]) / 1024 if match else float("nan")


async def get(port: int, path: str) -> tuple[int, float]:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    data = await reader.read()
    writer.close()
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else 0
    return status, time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000


def ab_bursts(port: int, path: str, bursts: int, burst: int) -> None:
    for n in range(bursts):
        done = subprocess.run(["ab", "-c", str(burst), "-n", str(burst), f"http://127.0.0.1:{port}{path}"],
                              capture_output=True, text=True, check=True).stdout
        ok = int(re.search(r"Complete requests:\s+(\d+)", done)[1]) - int(  # type: ignore[index]
            re.search(r"Failed requests:\s+(\d+)", done)[1])  # type: ignore[index]
        non_2xx = re.search(r"Non-2xx responses:\s+(\d+)", done)
        p50, p99 = (re.search(rf"\s{q}%\s+(\d+)", done)[1] for q in (50, 99))  # type: ignore[index]
        print(f"burst {n + 1} (ab): {ok - int(non_2xx[1] if non_2xx else 0)} of {burst} answered 200; "
              f"p50 {p50} ms, p99 {p99} ms")
        time.sleep(0.5)


async def load(port: int, path: str, bursts: int, burst: int, slowloris: int, pid: int) -> None:
    statuses, latencies = [], []
    before = rss_mb(pid)
    if shutil.which("ab"):
        ab_bursts(port, path, bursts, burst)
        bursts = 0
    for _ in range(bursts):
        results = await asyncio.gather(*(get(port, path) for _ in range(burst)))
        statuses += [s for s, _ in results]
        latencies += [t for _, t in results]
        await asyncio.sleep(0.5)
    ok = statuses.count(200)
    if statuses:
            print(f"bursts: {ok} of {len(statuses)} answered 200; p50 {percentile(latencies, .5):.1f} ms, "
              f"p99 {percentile(latencies, .99):.1f} ms, max {max(latencies) * 1000:.1f} ms")
    held = []
    for n in range(slowloris):
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-{n}: ".encode())
        held.append(writer)
    await asyncio.sleep(0.5)
    legit = [await get(port, path) for _ in range(20)]
    print(f"with {len(held)} slowloris connections held: {sum(s == 200 for s, _ in legit)} of 20 "
          f"legitimate requests answered 200; p50 {percentile([t for _, t in legit], .5):.1f} ms, "
          f"max {max(t for _, t in legit) * 1000:.1f} ms")
    during = rss_mb(pid)
    for writer in held:
        writer.close()
    await asyncio.sleep(1)
    print(f"server memory: {before:.0f} MB before, {during:.0f} MB with the slowloris connections held, "
          f"{rss_mb(pid):.0f} MB after")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=200)
    parser.add_argument("--bursts", type=int, default=3)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--slowloris", type=int, default=2000)
    args = parser.parse_args()
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, args.slowloris + 512)), hard))
    with tempfile.TemporaryDirectory() as folder:
        vault = Path(folder) / "vault"
        make_vault(args.notes, vault)
        env = {**os.environ, "XDG_STATE_HOME": f"{folder}/state", "MDFOLLOW_CACHE_DIR": f"{folder}/cache"}
        server = subprocess.Popen([sys.executable, "-m", "mdfollow", "--vault", str(vault), "serve",
                                   "--port", "0"], stdout=subprocess.PIPE, text=True, env=env, cwd=folder)
        try:
            assert server.stdout is not None
            url = next(line for line in server.stdout if line.startswith("  http://"))
            port, path = re.match(r"  http://127\.0\.0\.1:(\d+)(/\S+)", url).groups()  # type: ignore[union-attr]
            with urllib.request.urlopen(url.strip(), timeout=10) as response:
                print(f"serve on a vault of {args.notes} notes; feed of {len(response.read())} bytes")
            asyncio.run(load(int(port), path, args.bursts, args.burst, args.slowloris, server.pid))
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
