#!/usr/bin/env python3
"""Load and start-up figures for `gantry serve`, measured against the real binary.

    python3 benches/server/load.py --gantry BIN [--llm-url URL] [--minilm DIR]
                                   [--populated DIR]

Measures, each on a fresh data directory: time from process start to the first 200 on
/health (empty, then with 10,000 conversations); resident memory when idle (without and
with the MiniLM embedder); listing conversations (10,000 in the database, 50 a page) under
wrk with 100 connections on 2 threads; and, with --llm-url, time to first token through
Gantry against the same llama-server directly. With --populated (a copy of a directory
made by `cargo bench --bench server_populate`, which needs --minilm too): start-up with
10,000 conversations and 100,000 chunks, with and without saved indexes, and time to
first token with those chunks indexed. Needs `wrk` (Debian's package). Standard library
only.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import statistics
import tempfile
import time
import urllib.parse

ORIGIN_HOST = "127.0.0.1"


def free_port():
    with socket.socket() as s:
        s.bind((ORIGIN_HOST, 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, gantry, data_dir, llm_url=None, minilm=None, config=None):
        self.port = free_port()
        self.url = f"http://{ORIGIN_HOST}:{self.port}"
        env = {
            "PATH": os.environ.get("PATH", ""),
            "GANTRY_DATA_DIR": data_dir,
            "GANTRY_ADMIN_EMAIL": "root@example.com",
            "GANTRY_ADMIN_PASSWORD": "correct horse battery",
        }
        if llm_url:
            env["GANTRY_LLM_URL"] = llm_url
            env["GANTRY_CONTEXT_LENGTH"] = "2048"
        if minilm:
            env["GANTRY_MINILM_DIR"] = minilm
        self.started = time.monotonic()
        command = [gantry, "serve", "--listen", f"{ORIGIN_HOST}:{self.port}"]
        if config:
            command += ["--config", config]
        self.process = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.ready_after = self.wait_for_health()

    def wait_for_health(self):
        while True:
            try:
                conn = http.client.HTTPConnection(ORIGIN_HOST, self.port, timeout=1)
                conn.request("GET", "/health")
                if conn.getresponse().status == 200:
                    return time.monotonic() - self.started
            except OSError:
                pass
            if self.process.poll() is not None:
                raise SystemExit("gantry serve exited")
            time.sleep(0.002)

    def rss_mb(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=60)


class Session:
    def __init__(self, server, email="root@example.com"):
        self.server = server
        self.conn = http.client.HTTPConnection(ORIGIN_HOST, server.port, timeout=600)
        body = json.dumps({"email": email, "password": "correct horse battery"})
        self.conn.request("POST", "/api/auth/login", body, {"content-type": "application/json"})
        response = self.conn.getresponse()
        response.read()
        cookie = response.getheader("set-cookie")
        self.cookie = cookie.split(";")[0]

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        headers["cookie"] = self.cookie
        headers["origin"] = self.server.url
        if body is not None:
            headers["content-type"] = "application/json"
            body = json.dumps(body)
        self.conn.request(method, path, body, headers)
        return self.conn.getresponse()


def create_conversations(server, n):
    session = Session(server)
    for i in range(n):
        response = session.request("POST", "/api/chat/conversations", {"title": f"Conversation {i}"})
        response.read()
        assert response.status == 201, response.status
    return session


def wrk_list(server, session, seconds=20):
    out = subprocess.run(
        ["wrk", "-t2", "-c100", f"-d{seconds}s", "--latency",
         "-H", f"Cookie: {session.cookie}",
         f"{server.url}/api/chat/conversations?limit=50"],
        capture_output=True, text=True, check=True,
    ).stdout
    figures = {}
    for label in ["50%", "90%", "99%"]:
        m = re.search(rf"{re.escape(label)}\s+([\d.]+)(us|ms|s)", out)
        if m:
            value, unit = float(m.group(1)), m.group(2)
            figures[label] = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    figures["rps"] = float(m.group(1)) if m else 0.0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    figures["errors"] = int(m.group(1)) if m else 0
    return figures


# Gantry's system prompt when no persona sets one (gantry_core::prompt::DEFAULT_SYSTEM_PROMPT):
# sent directly too, so both requests give the model the same prompt.
SYSTEM_PROMPT = "You are a helpful assistant. Answer accurately and concisely."

# One word each, sharing none, so a question retrieves nothing from the earlier ones and
# Gantry's prompt is its system prompt and the question, as the direct request's is.
# Two lists, one for each path: llama-server keeps the last prompt of each slot cached, so
# asking both paths the same question would make the second one look faster.
WORDS = ["Lemons", "Volcano", "Saxophone", "Glacier", "Origami", "Lighthouse",
         "Cinnamon", "Tornado", "Harpsichord", "Meteor", "Cactus", "Submarine"]
OTHER_WORDS = ["Oranges", "Earthquake", "Clarinet", "Iceberg", "Calligraphy", "Windmill",
               "Nutmeg", "Hurricane", "Accordion", "Comet", "Orchid", "Zeppelin"]


def ttft_direct(llm_url, question):
    parsed = urllib.parse.urlparse(llm_url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=120)
    body = json.dumps({"messages": [{"role": "system", "content": SYSTEM_PROMPT},
                                    {"role": "user", "content": question}],
                       "stream": True, "max_tokens": 16, "temperature": 0})
    started = time.monotonic()
    conn.request("POST", parsed.path.rstrip("/") + "/chat/completions", body,
                 {"content-type": "application/json"})
    response = conn.getresponse()
    while True:
        line = response.readline()
        if not line:
            return None
        if line.startswith(b"data: ") and b'"content"' in line and b'"content":""' not in line:
            took = time.monotonic() - started
            response.read()
            return took


def ttft_gantry(session, conversation, question, timings=None):
    """Time to the first token event; the context event's timings go into `timings`."""
    started = time.monotonic()
    response = session.request(
        "POST", f"/api/chat/conversations/{conversation}/messages",
        {"content": question, "temperature": 0},
        {"accept": "text/event-stream"})
    took = None
    while True:
        line = response.readline()
        if not line:
            break
        if timings is not None and line.startswith(b'data: {"type":"context"'):
            context = json.loads(line[len(b"data: "):])
            timings.append(context["timings"])
            timings[-1]["citations"] = len(context["citations"])
        if took is None and line.startswith(b"data: ") and b'"type":"token"' in line:
            took = time.monotonic() - started
    return took


def compare_ttft(llm_url, session, timings=None):
    """Medians over 12 one-word questions, alternating which path asks first. Each is
    asked in a fresh conversation, deleted afterwards: no history in the prompt, and no
    earlier question retrieved from memory (with an embedder, the nearest messages are
    always found, however unrelated)."""
    questions = list(zip(WORDS, OTHER_WORDS))
    direct, through = [], []
    for i, (one, other) in enumerate(questions):
        response = session.request("POST", "/api/chat/conversations", {})
        conversation = json.loads(response.read())["id"]
        if i % 2 == 0:
            direct.append(ttft_direct(llm_url, f"{one}?"))
            through.append(ttft_gantry(session, conversation, f"{other}?", timings))
        else:
            through.append(ttft_gantry(session, conversation, f"{one}?", timings))
            direct.append(ttft_direct(llm_url, f"{other}?"))
        session.request("DELETE", f"/api/chat/conversations/{conversation}").read()
    direct_ms = statistics.median(d for d in direct if d) * 1000
    through_ms = statistics.median(t for t in through if t) * 1000
    return len(questions), direct_ms, through_ms


def populated(args, root):
    """Start-up and time to first token with 100,000 chunks (see the module doc)."""
    copy = os.path.join(root, "populated")
    shutil.copytree(args.populated, copy)
    starts = []
    for _ in range(3):
        server = Server(args.gantry, copy, minilm=args.minilm)
        starts.append(server.ready_after * 1000)
        time.sleep(3)
        server.stop()
    print("cold start to /health, 10,000 conversations and 100,000 chunks, indexes saved: "
          + ", ".join(f"{s:.0f}" for s in starts) + " ms")
    shutil.rmtree(os.path.join(copy, "index"))
    server = Server(args.gantry, copy, minilm=args.minilm)
    print(f"the same with the index files removed (rebuilt in the background): "
          f"{server.ready_after * 1000:.0f} ms")
    server.stop()
    if not args.llm_url:
        return
    config = os.path.join(root, "populated.toml")
    with open(config, "w") as f:
        f.write("[chat]\ntitle_with_model = false\n")
    server = Server(args.gantry, copy, llm_url=args.llm_url, minilm=args.minilm,
                    config=config)
    # Let the rebuilt indexes catch up with the 100,000 chunks.
    time.sleep(90)
    print(f"idle resident memory, 100,000 chunks indexed, MiniLM loaded: "
          f"{server.rss_mb():.1f} MB")
    for email, what in [("asker@example.com", "asker owns none of the 100,000 chunks "
                         "(another user's), so the prompt matches the direct one"),
                        ("reader@example.com", "reader owns all 100,000 chunks, so the "
                         "prompt also carries the retrieved passages")]:
        timings = []
        n, direct_ms, through_ms = compare_ttft(args.llm_url, Session(server, email), timings)
        stages = {key: statistics.median(t[key] for t in timings)
                  for key in ["embed_ms", "vector_ms", "keyword_ms", "fuse_ms",
                              "confirm_ms", "facts_ms", "total_ms", "citations"]}
        print(f"time to first token, median of {n}, {what}: direct {direct_ms:.1f} ms, "
              f"through Gantry {through_ms:.1f} ms (+{through_ms - direct_ms:.1f} ms); "
              "context stages (medians): "
              + ", ".join(f"{k} {v:.2f}" for k, v in stages.items()))
    server.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gantry", required=True)
    parser.add_argument("--llm-url")
    parser.add_argument("--minilm")
    parser.add_argument("--populated")
    parser.add_argument("--populated-only", action="store_true",
                        help="measure only the --populated figures")
    args = parser.parse_args()
    if args.populated and not args.minilm:
        raise SystemExit("--populated needs --minilm (its indexes were built for MiniLM)")
    root = tempfile.mkdtemp(prefix="gantry-load-")
    if args.populated_only:
        try:
            populated(args, root)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        return
    try:
        empty = os.path.join(root, "empty")
        server = Server(args.gantry, empty)
        print(f"cold start to /health, empty database: {server.ready_after * 1000:.0f} ms")
        time.sleep(5)
        print(f"idle resident memory, no embedder: {server.rss_mb():.1f} MB")
        server.stop()

        if args.minilm:
            server = Server(args.gantry, os.path.join(root, "minilm"), minilm=args.minilm)
            time.sleep(8)
            print(f"idle resident memory, MiniLM loaded: {server.rss_mb():.1f} MB "
                  f"(ready after {server.ready_after * 1000:.0f} ms)")
            server.stop()

        full = os.path.join(root, "full")
        server = Server(args.gantry, full)
        started = time.monotonic()
        create_conversations(server, 10_000)
        print(f"10,000 conversations created in {time.monotonic() - started:.1f} s")
        server.stop()
        starts = []
        for _ in range(3):
            server = Server(args.gantry, full)
            starts.append(server.ready_after * 1000)
            server.stop()
        print("cold start to /health, 10,000 conversations: "
              + ", ".join(f"{s:.0f}" for s in starts) + " ms")
        server = Server(args.gantry, full)
        session = Session(server)
        figures = wrk_list(server, session)
        print(f"list 50 of 10,000 conversations, wrk 100 connections 2 threads 20 s: "
              f"p50 {figures.get('50%', 0):.2f} ms, p90 {figures.get('90%', 0):.2f} ms, "
              f"p99 {figures.get('99%', 0):.2f} ms, {figures['rps']:.0f} requests/s, "
              f"{figures['errors']} errors")
        server.stop()

        if args.llm_url:
            # No titling by the model: it would share llama-server with the next question.
            config = os.path.join(root, "chat.toml")
            with open(config, "w") as f:
                f.write("[chat]\ntitle_with_model = false\n")
            server = Server(args.gantry, os.path.join(root, "chat"), llm_url=args.llm_url,
                            config=config)
            n, direct_ms, through_ms = compare_ttft(args.llm_url, Session(server))
            print(f"time to first token, median of {n}: llama-server direct "
                  f"{direct_ms:.1f} ms, through Gantry {through_ms:.1f} ms "
                  f"(+{through_ms - direct_ms:.1f} ms; the same system prompt and question, "
                  f"fresh conversations, no documents)")
            server.stop()

        if args.populated:
            populated(args, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
