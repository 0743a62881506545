"""Starts orgpulse on a prepared data directory with --report-max-age 0 (every report request computes a fresh
snapshot), asks every report x interval and every chart x cadence REPEAT times, and reads the server-side duration
of each request from the access log. Prints a Markdown table."""
import os
import re
import statistics
import sys
import time

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchserver  # noqa: E402

BIN = sys.argv[1]
DATA = os.environ.get("DATA", "bench/out/ingest/data")
CLOCK = os.environ.get("CLOCK", "2026-11-21T00:00:00Z")
REPEAT = int(os.environ.get("REPEAT", "15"))
PORT = 18099
URL = f"http://127.0.0.1:{PORT}"

log_path = "bench/out/insights-server.log"
os.makedirs("bench/out", exist_ok=True)
proc, key, log, startup = benchserver.start(BIN, DATA, PORT, CLOCK, log_path)
H = {"Authorization": f"Bearer {key}"}

reports = [("user_report/top_inviter", i) for i in ("30", "60", "90")] + \
          [("user_report/champion", i) for i in ("30", "60", "90")] + \
          [("user_report/reengagement", i) for i in ("Weekly", "Monthly")] + \
          [("user_report/churn", i) for i in ("7", "14", "30")] + \
          [("org_report/reengagement", i) for i in ("Weekly", "Monthly")] + \
          [("org_report/churn", i) for i in ("7", "14", "30")] + \
          [("org_report/growth", i) for i in ("30", "60", "90")] + \
          [("org_report/attrition", i) for i in ("30", "60", "90")]
end = CLOCK[:10]
charts = []
for metric in ("signups", "orgs_created", "active_users", "active_orgs"):
    charts += [(metric, "Daily", "365 days"), (metric, "Weekly", "52 weeks"), (metric, "Monthly", "12 months")]


def start_for(span):
    import datetime
    e = datetime.date.fromisoformat(end)
    return {"365 days": e - datetime.timedelta(days=364), "52 weeks": e - datetime.timedelta(weeks=51),
            "12 months": (e.replace(day=1) - datetime.timedelta(days=330)).replace(day=1)}[span].isoformat()


queries = [(f"/api/backend/v1/{r}?report_interval={i}", f"{r} {i}") for r, i in reports]
queries += [(f"/api/backend/v1/chart_metrics/{m}?cadence={c}&start_date={start_for(s)}&end_date={end}",
             f"chart {m} {c} ({s})") for m, c, s in charts]
rows = {}
for q, label in queries:
    first = requests.get(URL + q, headers=H, timeout=120)
    first.raise_for_status()
    body = first.json()
    rows[label] = body.get("total_count", len(body.get("metrics", [])))
    for _ in range(REPEAT):
        requests.get(URL + q, headers=H, timeout=120).raise_for_status()
time.sleep(0.5)
proc.terminate()
proc.wait()
log.close()

durations = {}
pattern = re.compile(r"GET (\S+) 200 \d+ ([0-9.]+)ms")
for line in open(log_path):
    m = pattern.search(line)
    if m:
        durations.setdefault(m.group(1), []).append(float(m.group(2)))
# MHD logs the path without the query: map back by order of requests per path
by_path = {}
for q, label in queries:
    by_path.setdefault(q.split("?")[0], []).append(label)
print(f"startup (rebuild + warm-up) {startup:.1f} s; {REPEAT + 1} requests each; server-side ms from the access log\n")
print("| question | rows / buckets | p50 ms | p99 ms | first (cold) ms |")
print("|---|---|---|---|---|")
for path, labels in by_path.items():
    ds = durations.get(path, [])
    per = REPEAT + 1
    for k, label in enumerate(labels):
        chunk = ds[k * per:(k + 1) * per]
        if not chunk:
            continue
        warm = sorted(chunk[1:]) or chunk
        p50 = statistics.median(warm)
        p99 = warm[min(len(warm) - 1, int(round(0.99 * (len(warm) - 1))))]
        print(f"| {label} | {rows[label]} | {p50:.1f} | {p99:.1f} | {chunk[0]:.1f} |")
