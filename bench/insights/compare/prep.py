"""NDJSON event stream -> CSV for the databases: type,ts,user_id,org_id,inviter_user_id (ts = Unix ms, UTC).
Only the columns the compared questions read. Empty field = NULL (PostgreSQL COPY CSV, DuckDB read_csv; the SQLite
loader maps '' to NULL itself).   prep.py IN.ndjson OUT.csv"""
import calendar
import csv
import json
import sys

src, dst = sys.argv[1], sys.argv[2]
day_cache = {}


def ms(ts):
    if ts is None:
        return ""
    if isinstance(ts, (int, float)):
        return str(int(ts * 1000))
    # RFC 3339: 2026-05-24T00:00:00Z, 2026-05-24T00:00:00.123Z, or with an offset
    d = ts[:10]
    base = day_cache.get(d)
    if base is None:
        base = day_cache[d] = calendar.timegm((int(d[:4]), int(d[5:7]), int(d[8:10]), 0, 0, 0)) * 1000
    t = base + (int(ts[11:13]) * 3600 + int(ts[14:16]) * 60 + int(ts[17:19])) * 1000
    rest = ts[19:]
    if rest.startswith("."):
        i = 1
        while i < len(rest) and rest[i].isdigit():
            i += 1
        t += int((rest[1:i] + "00")[:3])
        rest = rest[i:]
    if rest and rest not in ("Z", "z"):
        sign = 1 if rest[0] == "+" else -1
        t -= sign * (int(rest[1:3]) * 3600 + int(rest[4:6]) * 60) * 1000
    return str(t)


n = 0
with open(src) as f, open(dst, "w", newline="") as o:
    w = csv.writer(o, lineterminator="\n")
    for line in f:
        if not line.strip():
            continue
        e = json.loads(line)
        w.writerow((e["type"], ms(e.get("timestamp")), e.get("user_id", ""), e.get("org_id", ""),
                    e.get("inviter_user_id", "")))
        n += 1
print(f"{n} events -> {dst}", file=sys.stderr)
