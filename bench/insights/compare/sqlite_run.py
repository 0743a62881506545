"""SQLite's side: load CSV into DB (executemany in one transaction, then CREATE INDEX events(type, ts) and ANALYZE)
unless DB exists, then run every question 1 + REPEAT times with Python's sqlite3 module (REPEAT 0: one run, which is
then its time). Writes JSON like orgpulse.py, after every question; questions already in OUT are not asked again
(SQLite takes minutes per question at 1M users: an interrupted run resumes).
A question still running after TIMEOUT seconds (env SQLITE_TIMEOUT, default none) is interrupted and recorded as
timed out.
    sqlite_run.py CSV DB QUERIES.json REPEAT OUT.json"""
import csv
import json
import os
import sqlite3
import sys
import time

CSV, DB, QFILE, REPEAT, OUT = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
SCHEMA = "CREATE TABLE events (type TEXT NOT NULL, ts INTEGER NOT NULL, user_id TEXT, org_id TEXT, inviter_user_id TEXT)"
out = json.load(open(OUT)) if os.path.exists(OUT) else {}
meta = DB + ".load.json"
if not os.path.exists(DB):
    t0 = time.time()
    db = sqlite3.connect(DB + ".tmp", isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-1000000")
    db.execute(SCHEMA)
    db.execute("BEGIN")
    with open(CSV, newline="") as f:
        db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?)",
                       ((t, int(ts), u or None, o or None, i or None) for t, ts, u, o, i in csv.reader(f)))
    db.execute("COMMIT")
    t1 = time.time()
    db.execute("CREATE INDEX events_type_ts ON events(type, ts)")
    db.execute("ANALYZE")
    db.close()
    os.rename(DB + ".tmp", DB)
    t2 = time.time()
    json.dump({"load_s": t1 - t0, "index_s": t2 - t1, "bytes": os.path.getsize(DB)}, open(meta, "w"))
out["_load"] = json.load(open(meta))
db = sqlite3.connect(DB)
db.execute("PRAGMA cache_size=-2000000")  # 2 GB page cache: warm runs read memory
db.execute("PRAGMA mmap_size=8000000000")
db.execute("PRAGMA temp_store=MEMORY")
TIMEOUT = float(os.environ.get("SQLITE_TIMEOUT", "0"))
deadline = [0.0]
if TIMEOUT:
    db.set_progress_handler(lambda: 1 if time.perf_counter() > deadline[0] else 0, 100000)
for q in json.load(open(QFILE)):
    if q["label"] in out:
        continue
    ms = []
    try:
        for i in range(REPEAT + 1):
            t0 = time.perf_counter()
            deadline[0] = t0 + TIMEOUT
            rows = db.execute(q["sql"]).fetchall()
            ms.append((time.perf_counter() - t0) * 1000)
    except sqlite3.OperationalError as e:  # interrupted by the progress handler
        out[q["label"]] = {"timed_out_s": TIMEOUT, "ms": [TIMEOUT * 1000], "check": None, "error": str(e)}
        print(f"sqlite {q['label']}: timed out after {TIMEOUT:.0f} s", file=sys.stderr)
        json.dump(out, open(OUT + ".tmp", "w"), indent=1)
        os.replace(OUT + ".tmp", OUT)
        continue
    check = (rows[0][-1] if rows else 0) if q["kind"] == "report" else sum(r[-1] for r in rows)
    warm = ms[1:] or ms
    out[q["label"]] = {"cold": ms[0], "ms": warm, "check": check}
    print(f"sqlite {q['label']}: {sorted(warm)[len(warm) // 2]:.1f} ms check {check}", file=sys.stderr)
    json.dump(out, open(OUT + ".tmp", "w"), indent=1)
    os.replace(OUT + ".tmp", OUT)
