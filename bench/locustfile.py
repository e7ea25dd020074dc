"""Locust load for bench/api.sh: every user posts real catalogue photos, one after another with no
think time (a closed loop: concurrency = users), as the multipart field "image" to /v1/search?k=10.
Any non-2xx answer or connection error counts as a failure.

Locust is PyPI's, pinned in bench/peers/loadgen-requirements.txt and installed into the same venv as
the peer (bench/.cache/peers/venv), rather than Debian's python3-locust 2.12.1 (2022): the same
pinned version on every machine whatever the distribution ships, and FastHttpUser (geventhttpclient)
from the current release, which costs the load generator far less CPU per request than HttpUser.
That matters here: Locust shares the 2 cores with the server it measures.

Environment:
  BENCH_PHOTOS        directory of photos (*.jpg, *.jpeg, *.png, searched recursively), read once
  BENCH_PHOTOS_MAX    at most this many of them, in sorted order (default 1000)
  BENCH_K             k of each search (default 10)
  BENCH_TOTALS_OUT    where to write the run's totals as JSON at the end of the test: requests,
                      failures, requests/s, exact latency percentiles

Every response time is also kept here, and the run's totals written to BENCH_TOTALS_OUT, which
bench/api.sh reports from: Locust's --csv percentiles are rounded (whole ms under 100 ms, 10 ms
steps above), too coarse for a goal stated in single-digit milliseconds, and its _stats.csv is
rewritten once a second but not at shutdown, so it misses the run's last second. The CSV files
stay beside it for people to look at.
"""
import itertools
import json
import math
import os
import time
import uuid
from pathlib import Path

from locust import FastHttpUser, constant, events, task

SUFFIXES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


def load_bodies():
    """Each photo as a ready multipart body, so the load generator does no encoding per request."""
    root = Path(os.environ.get("BENCH_PHOTOS", ""))
    if not root.is_dir():
        raise SystemExit(f"BENCH_PHOTOS={root} is not a directory; point it at a folder of catalogue photos")
    paths = sorted(p for p in root.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
    paths = paths[: int(os.environ.get("BENCH_PHOTOS_MAX", "1000"))]
    if not paths:
        raise SystemExit(f"no *.jpg/*.jpeg/*.png under {root}; point BENCH_PHOTOS at a folder of catalogue photos")
    boundary = "prodlens-bench-" + uuid.uuid4().hex
    bodies = []
    for p in paths:
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="photo{p.suffix.lower()}"\r\n'
                f"Content-Type: {SUFFIXES[p.suffix.lower()]}\r\n\r\n").encode()
        bodies.append(head + p.read_bytes() + f"\r\n--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", bodies


CONTENT_TYPE, BODIES = load_bodies()
# One cycle shared by all users (gevent runs them in one thread): together they walk the photos in order.
NEXT_BODY = itertools.cycle(BODIES).__next__
PATH = f"/v1/search?k={int(os.environ.get('BENCH_K', '10'))}"

response_ms = []
run = {"failures": 0, "start": None, "end": None}


@events.test_start.add_listener
def started(**_kwargs):
    run["start"] = time.time()
    run["cpu"] = sum(os.times()[:2])


@events.request.add_listener
def record(response_time, exception, **_kwargs):
    response_ms.append(response_time)
    run["end"] = time.time()
    if exception is not None:
        run["failures"] += 1


@events.test_stop.add_listener
def write_totals(**_kwargs):
    out = os.environ.get("BENCH_TOTALS_OUT")
    if not out:
        return
    n = len(response_ms)
    ordered = sorted(response_ms)
    rank = lambda q: ordered[max(0, math.ceil(q * n) - 1)] if n else None  # nearest-rank percentile
    # Requests per second as Locust counts them: from the start of the test to the last response.
    seconds = run["end"] - run["start"] if n and run["start"] else None
    Path(out).write_text(json.dumps({
        "requests": n, "failures": run["failures"], "seconds": seconds, "rps": n / seconds if seconds else 0.0,
        # the load generator's own CPU over the test: it shares the cores with the server it measures
        "loadgen_cpu_s": sum(os.times()[:2]) - run["cpu"] if "cpu" in run else None,
        "mean_ms": sum(ordered) / n if n else None, "p50_ms": rank(0.50), "p95_ms": rank(0.95),
        "p99_ms": rank(0.99), "max_ms": ordered[-1] if n else None,
    }) + "\n")


class SearchByPhoto(FastHttpUser):
    wait_time = constant(0)
    network_timeout = 60.0
    connection_timeout = 10.0

    @task
    def search(self):
        with self.client.post(PATH, data=NEXT_BODY(), headers={"Content-Type": CONTENT_TYPE},
                              name="/v1/search", catch_response=True) as response:
            code = response.status_code
            # 0 is a connection error or timeout, which Locust already counts as a failure.
            if code and not 200 <= code < 300:
                response.failure(f"HTTP {code}: {(response.text or '')[:200]}")
