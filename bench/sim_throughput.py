"""Simulator throughput and latency overlap, over real loopback sockets.

    python bench/sim_throughput.py [--seconds 3] [--clients 64]

1. Requests per second with 64 concurrent clients (each its own keep-alive connection, sequential
   requests): once with a minimal asyncio HTTP/1.1 client (measures the server), once with httpx
   (what wabaplan's client costs on top).
2. Latency overlap: N requests in flight at 100 ms injected latency. Serialised they would take
   N × 0.1 s; overlapping, about 0.1 s plus set-up.

Bounded: about 4 × --seconds plus a few seconds; prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import httpx

from reconciler.simulator import run_simulator

TOKEN = "sim-token-harbour"
PATHS = (
    "/v23.0/2000000000001",
    "/v23.0/2000000000001/phone_numbers",
    "/v23.0/3000000000001/whatsapp_business_profile",
    "/v23.0/3000000000001?fields=status,name_status,quality_rating",
)
NO_LIMITS = {"waba_calls_per_hour": 10**9, "waba_calls_per_hour_registered": 10**9}


async def _raw_request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> int:
    sep = "&" if "?" in path else "?"
    writer.write(f"GET {path}{sep}access_token={TOKEN} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = next(
        int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
    )
    await reader.readexactly(length)
    return status


async def raw_throughput(port: int, clients: int, seconds: float) -> tuple[int, list[float]]:
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []

    async def client(index: int) -> int:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        done = 0
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                assert await _raw_request(reader, writer, PATHS[(index + done) % len(PATHS)]) == 200
                latencies.append(time.perf_counter() - started)
                done += 1
        finally:
            writer.close()
        return done

    counts = await asyncio.gather(*(client(i) for i in range(clients)))
    return sum(counts), latencies


async def httpx_throughput(base_url: str, clients: int, seconds: float) -> int:
    # Made before the clock starts: each AsyncClient builds an SSL context (tens of ms), which is
    # set-up, not throughput.
    pool = [httpx.AsyncClient(base_url=base_url, params={"access_token": TOKEN}) for _ in range(clients)]
    deadline = time.perf_counter() + seconds

    async def client(index: int) -> int:
        done = 0
        http = pool[index]
        while time.perf_counter() < deadline:
            response = await http.get(PATHS[(index + done) % len(PATHS)])
            assert response.status_code == 200
            done += 1
        return done

    try:
        return sum(await asyncio.gather(*(client(i) for i in range(clients))))
    finally:
        for http in pool:
            await http.aclose()


async def overlap(port: int, in_flight: int) -> float:
    connections = [await asyncio.open_connection("127.0.0.1", port) for _ in range(in_flight)]
    started = time.perf_counter()
    await asyncio.gather(*(_raw_request(r, w, PATHS[0]) for r, w in connections))
    elapsed = time.perf_counter() - started
    for _, writer in connections:
        writer.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each throughput run")
    parser.add_argument("--clients", type=int, default=64, help="concurrent clients")
    args = parser.parse_args()

    with run_simulator(rate_limits=NO_LIMITS) as sim:
        count, latencies = asyncio.run(raw_throughput(sim.port, args.clients, args.seconds))
        p50 = statistics.median(latencies) * 1000
        p99 = statistics.quantiles(latencies, n=100)[98] * 1000
        print(
            f"throughput, {args.clients} concurrent clients, "
            f"{args.seconds:.0f} s each (demo world, mixed GETs)"
        )
        print(
            f"  raw asyncio HTTP/1.1 client: {count / args.seconds:8.0f} req/s"
            f"   p50 {p50:.1f} ms   p99 {p99:.1f} ms"
        )
        count = asyncio.run(httpx_throughput(f"{sim.base_url}", args.clients, args.seconds))
        print(f"  httpx.AsyncClient per client: {count / args.seconds:7.0f} req/s")

    with run_simulator(latency_ms=100, rate_limits=NO_LIMITS) as sim:
        print("latency overlap at --latency-ms 100 (requests in flight at once)")
        for in_flight in (1, 50, 200, 500):
            elapsed = asyncio.run(overlap(sim.port, in_flight))
            print(
                f"  {in_flight:4d} in flight: {elapsed:6.3f} s"
                f"   (serialised would be {in_flight * 0.1:5.1f} s)"
            )


if __name__ == "__main__":
    main()
