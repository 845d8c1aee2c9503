"""The Python side of the search benchmark: how much a `search` from Python costs over
the same call from Rust, on the same data.

    python gantry-py/bench/search.py [--data DIR] [--docs 1000] [--iterations 2000]
        [--query "lemon harvest"] [--minilm DIR] [--rust]

Fills DIR (a temporary directory by default) with DOCS small documents, the same ones
gantry-py/examples/search_bench.rs writes, then times ``UserScope.search``:

* in rounds that alternate the Python call and the same call made from Rust inside this
  process (``block_on``, as the binding makes it, with no Python in between), so both see
  the same data, the same runtime and the same load on the machine: the difference of
  their medians is the binding's cost;
* awaited in a loop (``AsyncUserScope.search``);
* with ``--rust``, in a separate Rust process too (``cargo run -p gantry-py --example
  search_bench`` on the same directory), compared median to median.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import gantry

EMAIL = "bench@example.com"
WORDS = (
    "lemon harvest porto river engine garden violin winter market copper lantern meadow "
    "harbour pepper signal canvas thunder orchard glacier saffron timber falcon marble "
    "velvet compass ember quartz willow cobalt juniper basalt cinder tundra lagoon mosaic "
    "nectar prairie summit walnut zephyr"
).split()


def text(i: int) -> str:
    """Document ``i``'s text: the same formula as search_bench.rs's ``text``."""
    words = [WORDS[(i * 7 + j * 3 + i // 40) % len(WORDS)] for j in range(40)]
    return f"Note {i}. {' '.join(words)}."


def stats(name: str, samples: list[float]) -> float:
    """Prints and returns the median, in microseconds."""
    samples = sorted(s * 1e6 for s in samples)
    n = len(samples)
    median = statistics.median(samples)
    print(
        f"{name}: n={n} mean={statistics.fmean(samples):.1f}us median={median:.1f}us "
        f"p90={samples[min(n - 1, int(n * 0.9))]:.1f}us min={samples[0]:.1f}us"
    )
    return median


def fill(g: gantry.Gantry, docs: int) -> gantry.UserScope:
    user = g.users.find(EMAIL) or g.users.create(EMAIL, "Bench", "a long passphrase")
    me = g.for_user(user)
    if not me.documents.list(limit=1):
        started = time.perf_counter()
        for i in range(docs):
            me.ingest(text(i).encode(), f"doc-{i:04}.txt", content_type="text/plain", wait=False)
            # wait=False admits a few readings per user at a time: wait for room.
            if i % 4 == 3:
                g.flush()
        g.flush()
        print(f"wrote {docs} documents in {time.perf_counter() - started:.1f}s")
    return me


def bench_blocking(me: gantry.UserScope, query: str, iterations: int) -> float:
    """Each Python call paired with the same call from Rust in this process, alternating,
    so slow changes in the machine's load hit both alike; returns the Python median
    (microseconds)."""
    for _ in range(200):
        me.search(query)
    from_rust = gantry._gantry._search_from_rust
    python: list[float] = []
    rust: list[float] = []
    clock = time.perf_counter
    for _ in range(iterations):
        started = clock()
        me.search(query)
        python.append(clock() - started)
        rust.extend(from_rust(me, query, 10, 1))
    reading: list[float] = []
    for _ in range(max(1, iterations // 4)):
        started = clock()
        found = me.search(query)
        [(m.document.filename, m.snippet) for m in found.documents]
        reading.append(clock() - started)
    median = stats("python blocking", python)
    in_process = stats("rust block_on (same process)", rust)
    stats("python blocking + reading every result", reading)
    paired = statistics.median((p - r) * 1e6 for p, r in zip(python, rust))
    print(
        f"python blocking - rust block_on (same process): medians {median - in_process:+.1f}us, "
        f"median of paired differences {paired:+.1f}us"
    )
    return median


async def bench_async(data: Path, query: str, iterations: int, minilm: str | None) -> float:
    async with await gantry.AsyncGantry.open(data, embedder=minilm) as g:
        user = await g.users.find(EMAIL)
        assert user is not None
        me = g.for_user(user)
        for _ in range(200):
            await me.search(query)
        samples = []
        clock = time.perf_counter
        for _ in range(iterations):
            started = clock()
            await me.search(query)
            samples.append(clock() - started)
        return stats("python asyncio", samples)


def run_rust(data: Path, iterations: int, query: str, docs: int) -> dict[str, float]:
    """The Rust example's medians, by line name."""
    command = [
        "cargo",
        "run",
        "--quiet",
        "-p",
        "gantry-py",
        "--example",
        "search_bench",
        "--",
        str(data),
        str(iterations),
        query,
        str(docs),
    ]
    if os.environ.get("GANTRY_BENCH_RELEASE") == "1":
        command.insert(2, "--release")
    root = Path(__file__).resolve().parents[2]
    output = subprocess.run(command, cwd=root, check=True, capture_output=True, text=True)
    print(output.stdout, end="")
    medians = {}
    for line in output.stdout.splitlines():
        found = re.match(r"(rust [a-z_]+): .*median=([0-9.]+)us", line)
        if found:
            medians[found[1]] = float(found[2])
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--query", default="lemon harvest")
    parser.add_argument("--minilm", help="a MiniLM directory: hybrid search, not keywords alone")
    parser.add_argument("--rust", action="store_true", help="also run the Rust side")
    args = parser.parse_args()
    scratch = None
    if args.data is None:
        scratch = tempfile.TemporaryDirectory()
        args.data = Path(scratch.name)

    with gantry.Gantry.open(args.data, embedder=args.minilm) as g:
        me = fill(g, args.docs)
        found = me.search(args.query)
        print(
            f"python: query {args.query!r} finds {len(found.documents)} documents, "
            f"{len(found.conversations)} conversations"
        )
        blocking = bench_blocking(me, args.query, args.iterations)
    awaited = asyncio.run(bench_async(args.data, args.query, args.iterations, args.minilm))

    if args.rust:
        if args.minilm:
            sys.exit("--rust compares keyword search only (the example opens no embedder)")
        rust = run_rust(args.data, args.iterations, args.query, args.docs)
        if "rust block_on" in rust:
            print(f"python blocking - rust block_on: {blocking - rust['rust block_on']:+.1f}us")
        if "rust await" in rust:
            print(f"python asyncio - rust await: {awaited - rust['rust await']:+.1f}us")
    if scratch is not None:
        scratch.cleanup()


if __name__ == "__main__":
    main()
