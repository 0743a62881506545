"""Starts orgpulse on a prepared data directory (bench/insights/benchserver.py), finds the largest org (most
member.added events) and the user with the most usage events in it by reading the store read-only, then asks each
usage-metrics question REPEAT + 1 times and reads the server-side duration of each request from the access log.
The first request of a question is reported apart ("first"): usage rollups of big orgs and teams are cached per day
and recomputed only for days whose data changed, so the first request over a window pays for computing them.
With NOCACHE=1 the server caches nothing (ORGPULSE_USAGE_CACHE_MIN_USERS above any org), so every request computes
its answer from the index. Prints a Markdown table."""
import os
import re
import sqlite3
import statistics
import sys
import time

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "insights"))
import benchserver  # noqa: E402

BIN = sys.argv[1]
DATA = os.environ.get("DATA", "bench/out/ingest/data")
CLOCK = os.environ.get("CLOCK", "2026-11-21T00:00:00Z")
REPEAT = int(os.environ.get("REPEAT", "15"))
PORT = 18098
if os.environ.get("NOCACHE") == "1":
    os.environ["ORGPULSE_USAGE_CACHE_MIN_USERS"] = str(1 << 40)  # the server inherits it
URL = f"http://127.0.0.1:{PORT}"
MEMBER_ADDED, USAGE = 8, 19  # event_type numbers (src/engine/event.h)


def largest_org_and_user():
    """(org id, members, user id, usage events) from the store, opened read-only (immutable: no lock, no write)."""
    db = sqlite3.connect(f"file:{os.path.abspath(DATA)}/orgpulse.db?mode=ro&immutable=1", uri=True)
    org_num, members = db.execute("SELECT org_num, COUNT(*) FROM events WHERE type = ? GROUP BY org_num "
                                  "ORDER BY 2 DESC LIMIT 1", (MEMBER_ADDED,)).fetchone()
    user_num, events = db.execute("SELECT user_num, COUNT(*) FROM events WHERE type = ? AND org_num = ? "
                                  "GROUP BY user_num ORDER BY 2 DESC LIMIT 1", (USAGE, org_num)).fetchone()
    ext = lambda kind, num: db.execute("SELECT ext_id FROM entities WHERE kind = ? AND num = ?",  # noqa: E731
                                       (kind, num)).fetchone()[0]
    found = ext(1, org_num), members, ext(0, user_num), events
    db.close()
    return found


t0 = time.time()
org, members, user, user_events = largest_org_and_user()
print(f"largest org {org}: {members} member.added events; user {user}: {user_events} usage events in it "
      f"(found in {time.time() - t0:.0f} s)\n", file=sys.stderr)
log_path = "bench/out/usage-server.log"
os.makedirs("bench/out", exist_ok=True)
proc, key, log, startup = benchserver.start(BIN, DATA, PORT, CLOCK, log_path, key_name="bench-usage",
                                            scopes="usage:read")
H = {"Authorization": f"Bearer {key}"}
try:
    teams = requests.get(f"{URL}/api/v1/organization/teams", headers=H, timeout=60,
                         params={"organizationId": org, "limit": 1000}).json()["data"]
    team = max(teams, key=lambda t: t["usersCount"])
    year = {"from": "2025-11-21T00:00:00Z", "to": "2026-11-21T00:00:00Z"}
    questions = []
    for g in ("daily", "weekly", "monthly", "all"):
        questions.append((f"org usage {g}, 365 days (largest org)", "/api/v1/organization/usage",
                          dict(year, organizationId=org, granularity=g)))
    # a window whose edges cut into days (a dashboard's "the last year up to now"): the two cut days are computed for
    # each request from the time-keyed entries, the whole days come from the cache
    cut = {"from": "2025-11-21T09:30:00Z", "to": "2026-11-20T15:45:00.500Z"}
    questions.append(("org usage daily, 365 days, edges inside days (largest org)", "/api/v1/organization/usage",
                      dict(cut, organizationId=org, granularity="daily")))
    for g in ("daily", "weekly", "monthly", "all"):
        questions.append((f"user usage {g}, 365 days (its most active user)", "/api/v1/user/usage",
                          dict(year, organizationId=org, userId=user, granularity=g)))
    questions.append(("user usage daily, 365 days, edges inside days (its most active user)", "/api/v1/user/usage",
                      dict(cut, organizationId=org, userId=user, granularity="daily")))
    for g in ("daily", "monthly"):
        questions.append((f"team usage {g}, 365 days (its largest team, {team['usersCount']} users)",
                          "/api/v1/team/usage", dict(year, organizationId=org, teamId=team["id"], granularity=g)))
    questions.append(("account-utilizations, 12 months (largest org)", "/api/v1/organization/account-utilizations",
                      {"organizationId": org}))
    questions.append(("organization/users, first page of 200 (largest org)", "/api/v1/organization/users",
                      {"organizationId": org}))
    questions.append(("/v1/usage daily, 365 days, org_id (largest org)", "/v1/usage",
                      dict(year, org_id=org, granularity="day")))
    sizes = {}
    for label, path, params in questions:
        for i in range(REPEAT + 1):
            r = requests.get(URL + path, headers=H, params=params, timeout=600)
            r.raise_for_status()
        body = r.json()
        if isinstance(body, list):
            sizes[label] = len(body)
        elif "usage" in body:
            sizes[label] = len(body["usage"]["data"])
        elif "series" in body:
            sizes[label] = len(body["series"][0]["buckets"])
        else:
            sizes[label] = body["meta"]["total"]
    time.sleep(0.5)
finally:
    proc.terminate()
    proc.wait()
    log.close()

pattern = re.compile(r"GET (\S+) 200 \d+ ([0-9.]+)ms")
durations = [float(m.group(2)) for m in map(pattern.search, open(log_path))
             if m and (m.group(1).startswith("/api/v1/") or m.group(1) == "/v1/usage")][1:]  # [0]: the teams look-up
mode = "no usage cache" if os.environ.get("NOCACHE") == "1" else "usage cache on"
print(f"startup (index rebuild) {startup:.1f} s; {mode}; {REPEAT + 1} requests each; server-side ms from the access "
      f"log\n")
print("| question | buckets / rows | p50 ms | p99 ms | first ms |")
print("|---|---|---|---|---|")
for k, (label, path, params) in enumerate(questions):
    chunk = durations[k * (REPEAT + 1):(k + 1) * (REPEAT + 1)]
    warm = sorted(chunk[1:]) or chunk
    p50 = statistics.median(warm)
    p99 = warm[min(len(warm) - 1, int(round(0.99 * (len(warm) - 1))))]
    print(f"| {label} | {sizes[label]} | {p50:.2f} | {p99:.2f} | {chunk[0]:.1f} |")
