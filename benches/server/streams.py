#!/usr/bin/env python3
"""Load figures for `gantry serve` that need many connections at once, against the real
binary and a token-replaying model backend (a fake, named as such: this script's own
OpenAI-compatible server, which streams a fixed answer at a set pace, so that the figures
measure Gantry and not a model on 2 cores).

    python3 benches/server/streams.py --gantry BIN streams [--count 1000] [--hold 20]
    python3 benches/server/streams.py --gantry BIN mixed [--rate 200] [--seconds 60]
    python3 benches/server/streams.py --gantry BIN soak [--rate 100] [--minutes 10] [--read-only]

streams: COUNT answers streamed at once through one process, each in its own
  conversation: the backend sends one token, holds the stream HOLD seconds, then sends the
  rest. Reports whether every stream received every token and its `done` event, and
  Gantry's resident memory and open files before, while all streams are idle, and after.
mixed: an open-loop mix of API requests at RATE per second (lists, reads, search, creates,
  renames, chat turns) for SECONDS; latency per route (p50, p99) measured from when each
  request was due, so queueing counts.
soak: the mix at RATE for MINUTES, sampling memory (anonymous and file-backed) and open
  files every 30 s; --read-only sends only the mix's reads, so the data does not grow.

Standard library only.
"""

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from load import ORIGIN_HOST, Server, Session  # noqa: E402

ANSWER = [f" word{i}" for i in range(24)]


# ---------------------------------------------------------------- the replaying backend
class Replay:
    """An OpenAI-compatible backend that streams ANSWER: the first token at once, then
    waits `hold` seconds, then the rest `pace` seconds apart."""

    def __init__(self, hold=0.0, pace=0.0):
        self.hold, self.pace = hold, pace
        self.active = 0
        self.served = 0

    async def start(self):
        self.server = await asyncio.start_server(self.handle, ORIGIN_HOST, 0, backlog=4096)
        port = self.server.sockets[0].getsockname()[1]
        self.url = f"http://{ORIGIN_HOST}:{port}/v1"

    async def handle(self, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode().split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                length = 0
                for line in lines[1:]:
                    if line.lower().startswith("content-length:"):
                        length = int(line.split(":", 1)[1])
                body = await reader.readexactly(length) if length else b""
                if path.endswith("/models"):
                    payload = json.dumps({"object": "list", "data": [{"id": "replay", "object": "model"}]})
                    writer.write(
                        f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len(payload)}\r\n\r\n{payload}".encode()
                    )
                    await writer.drain()
                    continue
                request = json.loads(body or b"{}")
                await self.complete(writer, request.get("stream", False))
                return
        except (asyncio.IncompleteReadError, asyncio.CancelledError, ConnectionError):
            pass
        finally:
            writer.close()

    async def complete(self, writer, stream):
        self.active += 1
        self.served += 1
        try:
            if not stream:
                text = "".join(ANSWER)
                payload = json.dumps({
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 10, "completion_tokens": len(ANSWER)},
                })
                writer.write(
                    f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: {len(payload)}\r\n\r\n{payload}".encode()
                )
                await writer.drain()
                return
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n")
            for i, token in enumerate(ANSWER):
                if i == 1 and self.hold:
                    await asyncio.sleep(self.hold)
                elif i > 0 and self.pace:
                    await asyncio.sleep(self.pace)
                chunk = {"choices": [{"index": 0, "delta": {"content": token}}]}
                writer.write(f"data: {json.dumps(chunk)}\n\n".encode())
                await writer.drain()
            usage = {"choices": [], "usage": {"prompt_tokens": 10, "completion_tokens": len(ANSWER)}}
            writer.write(f"data: {json.dumps(usage)}\n\ndata: [DONE]\n\n".encode())
            await writer.drain()
        finally:
            self.active -= 1


# ---------------------------------------------------------------- a small HTTP client
async def http(port, method, path, cookie, origin, body=None, stream=False):
    """One request on its own connection; (status, body bytes). With `stream`, an
    event-stream answer is read to its end."""
    reader, writer = await asyncio.open_connection(ORIGIN_HOST, port)
    try:
        payload = json.dumps(body).encode() if body is not None else b""
        headers = [
            f"{method} {path} HTTP/1.1",
            f"host: {ORIGIN_HOST}:{port}",
            f"cookie: {cookie}",
            f"origin: {origin}",
            "connection: close",
            f"content-length: {len(payload)}",
        ]
        if body is not None:
            headers.append("content-type: application/json")
        if stream:
            headers.append("accept: text/event-stream")
        writer.write(("\r\n".join(headers) + "\r\n\r\n").encode() + payload)
        await writer.drain()
        data = await reader.read()  # connection: close
        head, _, rest = data.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        if b"transfer-encoding: chunked" in head.lower():
            rest = dechunk(rest)
        return status, rest
    finally:
        writer.close()


def dechunk(data):
    out, i = bytearray(), 0
    while True:
        end = data.find(b"\r\n", i)
        if end < 0:
            return bytes(out)
        size = int(data[i:end].split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += data[end + 2:end + 2 + size]
        i = end + 2 + size + 2


def open_files(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def memory(pid):
    """Resident memory in MB: anonymous (the heap: what a leak would grow) and file-backed
    (mapped index and database files, which the kernel can drop)."""
    found = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("RssAnon", "RssFile"):
                found[key] = round(int(value.split()[0]) / 1024, 1)
    return found.get("RssAnon", 0.0), found.get("RssFile", 0.0)


def start(args, replay, root):
    config = os.path.join(root, "gantry.toml")
    with open(config, "w") as f:
        f.write("[chat]\ntitle_with_model = false\n")
    server = Server(args.gantry, os.path.join(root, "data"), llm_url=replay.url, config=config)
    session = Session(server)
    me = json.loads(session.request("GET", "/api/auth/me").read())
    # The load's one user may ask as much as it likes.
    response = session.request(
        "PUT",
        f"/api/admin/users/{me['id']}/quotas",
        {"requests_per_minute": 10_000_000, "tokens_per_day": 10_000_000_000},
    )
    assert response.status == 200, response.read()
    response.read()
    return server, session


def create(session, n, title="Conversation"):
    ids = []
    for i in range(n):
        response = session.request("POST", "/api/chat/conversations", {"title": f"{title} {i}"})
        ids.append(json.loads(response.read())["id"])
    return ids


# ---------------------------------------------------------------- streams
async def streams(args):
    replay = Replay(hold=args.hold)
    await replay.start()
    with tempfile.TemporaryDirectory() as root:
        server, session = start(args, replay, root)
        try:
            conversations = create(session, args.count)
            pid = server.process.pid
            before = (server.rss_mb(), open_files(pid))
            started = time.monotonic()
            tasks = [
                asyncio.create_task(http(
                    server.port, "POST", f"/api/chat/conversations/{c}/messages",
                    session.cookie, server.url, {"content": f"Question {i}"}, stream=True,
                ))
                for i, c in enumerate(conversations)
            ]
            # Every stream open and idle: the backend holds each after its first token.
            peak = (0.0, 0)
            while time.monotonic() - started < args.hold - 2:
                await asyncio.sleep(1)
                peak = max(peak, (server.rss_mb(), open_files(pid)))
                if replay.active >= args.count and time.monotonic() - started > 5:
                    break
            idle_active = replay.active
            idle = (server.rss_mb(), open_files(pid))
            results = await asyncio.gather(*tasks, return_exceptions=True)
            took = time.monotonic() - started
            after = (server.rss_mb(), open_files(pid))
            complete = 0
            for result in results:
                if isinstance(result, Exception):
                    continue
                status, body = result
                text = body.decode(errors="replace")
                tokens = "".join(
                    json.loads(line[6:]).get("text", "")
                    for line in text.splitlines()
                    if line.startswith("data: {") and '"type":"token"' in line
                )
                if status == 200 and '"type":"done"' in text and tokens == "".join(ANSWER):
                    complete += 1
            per_stream_kib = (idle[0] - before[0]) * 1024 / max(idle_active, 1)
            print(json.dumps({
                "streams": args.count,
                "held_at_once": idle_active,
                "complete": complete,
                "dropped": args.count - complete,
                "seconds": round(took, 1),
                "rss_mb_before": round(before[0], 1),
                "rss_mb_idle_streams": round(idle[0], 1),
                "rss_mb_after": round(after[0], 1),
                "kib_per_idle_stream": round(per_stream_kib, 1),
                "open_files_before": before[1],
                "open_files_idle_streams": idle[1],
                "open_files_after": after[1],
            }, indent=2))
        finally:
            server.stop()


# ---------------------------------------------------------------- mixed traffic
def mix(conversations, read_only=False):
    """(route, method, path, body) for one request of the mix, by weight; only reads
    when `read_only` (so the data does not grow)."""
    c = random.choice(conversations)
    word = random.choice(["budget", "Lisbon", "llama", "tides", "word3", "Conversation"])
    choices = [
        (30, ("list conversations", "GET", "/api/chat/conversations?limit=50", None)),
        (20, ("read conversation", "GET", f"/api/chat/conversations/{c}", None)),
        (15, ("search", "GET", f"/api/chat/search?q={word}", None)),
        (10, ("me", "GET", "/api/auth/me", None)),
        (5, ("models", "GET", "/api/models", None)),
        (8, ("create conversation", "POST", "/api/chat/conversations", {"title": "Load"})),
        (7, ("rename conversation", "PATCH", f"/api/chat/conversations/{c}", {"title": f"Renamed {random.random():.6f}"})),
        (5, ("chat turn", "POST", f"/api/chat/conversations/{c}/messages", {"content": f"Tell me about {word}."})),
    ]
    if read_only:
        choices = [(w, r) for w, r in choices if r[1] == "GET"]
    pick = random.uniform(0, sum(w for w, _ in choices))
    for weight, request in choices:
        pick -= weight
        if pick <= 0:
            return request
    return choices[0][1]


async def run_mix(server, session, conversations, rate, seconds, sample=None, read_only=False):
    latencies, failures = {}, {}
    tasks = []
    started = time.monotonic()

    async def one(due, route, method, path, body):
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            status, _ = await http(server.port, method, path, session.cookie, server.url, body)
        except OSError:
            status = 0
        latencies.setdefault(route, []).append(time.monotonic() - due)
        if status >= 400 or status == 0:
            failures[f"{route} {status}"] = failures.get(f"{route} {status}", 0) + 1

    total = int(rate * seconds)
    next_sample = started
    for i in range(total):
        due = started + i / rate
        route, method, path, body = mix(conversations, read_only)
        tasks.append(asyncio.create_task(one(due, route, method, path, body)))
        if sample and time.monotonic() >= next_sample:
            sample()
            next_sample += 30
        # Keep the number of pending tasks small: schedule a second ahead.
        if due - time.monotonic() > 1:
            await asyncio.sleep(due - time.monotonic() - 1)
        tasks = [t for t in tasks if not t.done()]
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started
    return latencies, failures, elapsed


def report(latencies, failures, elapsed):
    rows = {}
    count = 0
    for route, values in sorted(latencies.items()):
        values.sort()
        count += len(values)
        rows[route] = {
            "requests": len(values),
            "p50_ms": round(values[len(values) // 2] * 1000, 1),
            "p99_ms": round(values[min(len(values) - 1, int(len(values) * 0.99))] * 1000, 1),
            "max_ms": round(values[-1] * 1000, 1),
        }
    return {"achieved_per_second": round(count / elapsed, 1), "routes": rows, "failures": failures}


async def mixed(args):
    replay = Replay(pace=0.01)
    await replay.start()
    with tempfile.TemporaryDirectory() as root:
        server, session = start(args, replay, root)
        try:
            conversations = create(session, 1000)
            latencies, failures, elapsed = await run_mix(server, session, conversations, args.rate, args.seconds)
            result = report(latencies, failures, elapsed)
            result["rate"] = args.rate
            result["rss_mb_after"] = round(server.rss_mb(), 1)
            print(json.dumps(result, indent=2))
        finally:
            server.stop()


async def soak(args):
    replay = Replay(pace=0.01)
    await replay.start()
    with tempfile.TemporaryDirectory() as root:
        server, session = start(args, replay, root)
        try:
            conversations = create(session, 1000)
            samples = []
            started = time.monotonic()

            def sample():
                anon, mapped = memory(server.process.pid)
                samples.append({
                    "minute": round((time.monotonic() - started) / 60, 1),
                    "rss_mb": round(server.rss_mb(), 1),
                    "anon_mb": anon,
                    "file_mb": mapped,
                    "open_files": open_files(server.process.pid),
                })
                print(json.dumps(samples[-1]), flush=True)

            latencies, failures, elapsed = await run_mix(
                server, session, conversations, args.rate, args.minutes * 60, sample,
                read_only=args.read_only,
            )
            sample()
            result = report(latencies, failures, elapsed)
            result["samples"] = samples
            print(json.dumps(result, indent=2))
        finally:
            server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gantry", required=True, help="the gantry binary (a release build)")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("streams")
    s.add_argument("--count", type=int, default=1000)
    s.add_argument("--hold", type=float, default=20)
    m = sub.add_parser("mixed")
    m.add_argument("--rate", type=float, default=200)
    m.add_argument("--seconds", type=float, default=60)
    k = sub.add_parser("soak")
    k.add_argument("--rate", type=float, default=100)
    k.add_argument("--minutes", type=float, default=10)
    k.add_argument("--read-only", action="store_true", help="reads only: the data does not grow")
    args = parser.parse_args()
    asyncio.run({"streams": streams, "mixed": mixed, "soak": soak}[args.command](args))


if __name__ == "__main__":
    main()
