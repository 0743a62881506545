"""orgpulse's side: serve DATA with --report-max-age 0 (every report request computes a fresh snapshot), ask every
compared question 1 + REPEAT times, read each request's server-side duration from the access log (as
bench/insights/measure.py does). Writes JSON {label: {"ms": [...warm], "cold": ms, "check": n}}.
    orgpulse.py BIN DATA CLOCK REPEAT QUERIES.json OUT.json"""
import json
import os
import re
import sys
import time

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import benchserver  # noqa: E402

BIN, DATA, CLOCK, REPEAT, QFILE, OUT = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
PORT = 18177
URL = f"http://127.0.0.1:{PORT}"
queries = json.load(open(QFILE))
log_path = OUT + ".server.log"
proc, key, log, startup = benchserver.start(BIN, DATA, PORT, CLOCK, log_path, "bench-compare")
try:
    H = {"Authorization": f"Bearer {key}"}
    checks = {}
    for q in queries:
        for i in range(REPEAT + 1):
            r = requests.get(URL + q["path"], headers=H, timeout=300)
            r.raise_for_status()
            if i == 0:
                b = r.json()
                checks[q["label"]] = b["total_count"] if q["kind"] == "report" else \
                    sum(m.get("result", m.get("count", 0)) if isinstance(m, dict) else 0 for m in b["metrics"])
                if q["kind"] != "report":
                    first = b["metrics"][0] if b["metrics"] else {}
                    checks[q["label"] + " keys"] = sorted(first)
    time.sleep(0.3)
finally:
    proc.terminate()
    proc.wait()
    log.close()
pattern = re.compile(r"GET (\S+) 200 \d+ ([0-9.]+)ms")
ds = {}
for line in open(log_path):
    m = pattern.search(line)
    if m:
        ds.setdefault(m.group(1), []).append(float(m.group(2)))
out = {"_startup_s": startup}
seen = {}
for q in queries:
    p = q["path"].split("?")[0]
    k = seen.get(p, 0)
    seen[p] = k + 1
    chunk = ds[p][k * (REPEAT + 1):(k + 1) * (REPEAT + 1)]
    out[q["label"]] = {"cold": chunk[0], "ms": chunk[1:], "check": checks[q["label"]]}
json.dump(out, open(OUT, "w"), indent=1)
print(f"orgpulse: startup {startup:.1f} s", file=sys.stderr)
