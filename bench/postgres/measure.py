"""The PostgreSQL store next to SQLite on one demo stream: durable import rate, index rebuild from the log, node RSS,
POST /v1/events latency, query latency, and (PostgreSQL) a second node's cross-node lag. PostgreSQL runs as a
throwaway cluster (tests/pgcluster.py) with fsync=on and synchronous_commit=on: the same durability as SQLite's
synchronous=FULL. Prints Markdown tables.

    bench/postgres/run build/orgpulse            # USERS=100000 ORGS=5000 DAYS=60 by default
"""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests"))
from pgcluster import PgCluster  # noqa: E402

BIN = os.path.abspath(sys.argv[1])
USERS, ORGS, DAYS = (int(os.environ.get(k, d)) for k, d in (("USERS", "100000"), ("ORGS", "5000"), ("DAYS", "60")))
END = "2026-11-20"
CLOCK = "2026-11-21T00:00:00Z"
REPEAT = int(os.environ.get("REPEAT", "30"))
work = tempfile.mkdtemp(prefix="orgpulse-bench-pg-")


def sh(*args, env=None):
    t0 = time.monotonic()
    p = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, env=dict(os.environ, **(env or {})))
    if p.returncode:
        sys.exit(f"orgpulse {args[0]} failed: {p.stderr}")
    return p, time.monotonic() - t0


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


class Node:
    def __init__(self, data, store=None, port=18190):
        self.data, self.store, self.port = data, store, port
        self.env = {"ORGPULSE_STORE": store} if store else {}

    def start(self):
        self.log = os.path.join(work, os.path.basename(self.data) + ".log")
        t0 = time.monotonic()
        self.proc = subprocess.Popen([BIN, "serve", "--data", self.data, "--listen", f"127.0.0.1:{self.port}",
                                      "--clock", CLOCK, "--no-snapshot", "--quiet"],
                                     stderr=open(self.log, "w"), env=dict(os.environ, **self.env))
        while True:
            try:
                if requests.get(self.url("/healthz"), timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.1)
            if self.proc.poll() is not None:
                sys.exit("server exited: " + open(self.log).read())
        self.startup = time.monotonic() - t0
        m = re.search(r"index rebuilt from (\d+) events in ([0-9.]+) s", open(self.log).read())
        self.rebuild = float(m.group(2)) if m else float("nan")
        return self

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def rss_mib(self):
        for line in open(f"/proc/{self.proc.pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def queries(org):
    return [("/v1/stats?day=2026-11-19", "stats of a day"),
            ("/api/backend/v1/user_report/churn?report_interval=30", "PropelAuth churn report (30)"),
            ("/api/backend/v1/chart_metrics/active_users?cadence=Daily&start_date=2026-09-22&end_date=2026-11-20",
             "active-users chart, daily, 60 days"),
            ("/api/v2/users?limit=100", "users v2, 100 users"),
            (f"/api/v1/organization/usage?organizationId={org}&from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z"
             "&granularity=weekly", "Tabnine org usage, weekly"),
            ("/api/v1/engagement-dashboard/users/active-users?start=2026-11-01T00:00:00.000Z"
             "&end=2026-11-19T23:59:59.999Z", "Rocket.Chat active users, 19 days")]


def measure(node, key, org):
    h = {"Authorization": f"Bearer {key}"}
    out = {}
    for path, label in queries(org):
        times = []
        for _ in range(REPEAT + 1):
            t0 = time.monotonic()
            r = requests.get(node.url(path), headers=h, timeout=120)
            times.append((time.monotonic() - t0) * 1000)
            r.raise_for_status()
        out[label] = times[1:]
    posts = []
    for b in range(REPEAT * 3):
        body = "".join(f'{{"type":"activity","user_id":"bench-u{b}-{i}","org_id":"{org}","id":"bench-{b}-{i}",'
                       f'"timestamp":"2026-11-20T12:00:00Z"}}\n' for i in range(100))
        t0 = time.monotonic()
        r = requests.post(node.url("/v1/events"), data=body.encode(), timeout=60,
                          headers=dict(h, **{"Content-Type": "application/x-ndjson"}))
        posts.append((time.monotonic() - t0) * 1000)
        r.raise_for_status()
    out["POST /v1/events, 100 new events"] = posts
    return out


stream = os.path.join(work, "demo.ndjson")
with open(stream, "w") as f:
    subprocess.run([BIN, "demo", "--users", str(USERS), "--orgs", str(ORGS), "--days", str(DAYS),
                                  "--seed", "1", "--end", END], stdout=f, check=True)
events = sum(1 for _ in open(stream))
org = next(line for line in open(stream) if '"org.created"' in line).split('"org_id":"')[1].split('"')[0]
print(f"stream: {USERS} users, {ORGS} orgs, {DAYS} days: {events} events ({os.path.getsize(stream) >> 20} MiB)\n")

pg = PgCluster(fsync=True).start()
try:
    dsn = pg.dsn_for(pg.create_database("bench"))
    results = {}
    for name, store in (("SQLite", None), ("PostgreSQL", dsn)):
        data = os.path.join(work, name.lower())
        args = ["import", "--store", store] if store else ["import", "--data", data]
        _, secs = sh(*args, stream)
        key = sh("keys", "create", "--data", data, *(["--store", store] if store else []), "--scopes", "*")[0] \
            .stdout.strip().splitlines()[-1]
        node = Node(data, store).start()
        rss = node.rss_mib()
        lat = measure(node, key, org)
        extra = {}
        if store:  # a second node: its start, and how soon it answers what the first accepted
            b = Node(data + "-b", store, port=18191).start()
            extra["second node start"] = b.rebuild
            lags = []
            h = {"Authorization": f"Bearer {key}"}
            for i in range(50):
                user = f"lag-u{i}"
                requests.post(node.url("/v1/events"), headers=dict(h, **{"Content-Type": "application/json"}),
                              data=f'{{"type":"user.created","user_id":"{user}","email":"{user}@x.test",'
                                   f'"timestamp":"2026-11-20T13:00:00Z"}}'.encode(), timeout=30).raise_for_status()
                t0 = time.monotonic()
                while requests.get(b.url(f"/v1/users/{user}"), headers=h, timeout=30).status_code != 200:
                    time.sleep(0.001)
                lags.append((time.monotonic() - t0) * 1000)
            extra["lag"] = lags
            b.stop()
        node.stop()
        size = pg.psql("SELECT pg_database_size(current_database())", db=dsn.rsplit("/", 1)[1])[0][0] if store \
            else os.path.getsize(os.path.join(data, "orgpulse.db"))
        results[name] = dict(import_s=secs, rebuild=node.rebuild, rss=rss, lat=lat, size=int(size) >> 20, **extra)

    print("| store | import (wall) | import rate | store size | index rebuild from the log | node RSS after start |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['import_s']:.2f} s | {events / r['import_s']:,.0f} events/s | {r['size']:,} MiB "
              f"| {r['rebuild']:.2f} s ({events / r['rebuild']:,.0f} events/s) | {r['rss']:,.0f} MiB |")
    print(f"\nclient-side wall ms over {REPEAT} requests each (the first, cold, left out; POSTs: {REPEAT * 3}):\n")
    print("| request | SQLite p50 | SQLite p99 | PostgreSQL p50 | PostgreSQL p99 |")
    print("|---|---|---|---|---|")
    for label in results["SQLite"]["lat"]:
        s, p = results["SQLite"]["lat"][label], results["PostgreSQL"]["lat"][label]
        print(f"| {label} | {pct(s, .5):.1f} | {pct(s, .99):.1f} | {pct(p, .5):.1f} | {pct(p, .99):.1f} |")
    r = results["PostgreSQL"]
    print(f"\nPostgreSQL second node: rebuilt its index in {r['second node start']:.2f} s; an event accepted by the "
          f"first was answered by the second after {pct(r['lag'], .5):.1f} ms (p50), {max(r['lag']):.1f} ms (max) "
          f"over 50 events")
finally:
    pg.stop()
    shutil.rmtree(work, ignore_errors=True)
