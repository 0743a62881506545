"""PostgreSQL's side: a throwaway cluster (initdb as the postgres user in a temporary directory, port 55432, socket in
that directory), COPY the CSV into `events`, CREATE INDEX events(type, ts), VACUUM ANALYZE, then run every question
1 + REPEAT times in one psql session with \\timing (client-side, over the Unix socket). The cluster is stopped and
removed at the end. Writes JSON like orgpulse.py.
    pg_run.py CSV QUERIES.json REPEAT OUT.json        env: PGBIN (/usr/lib/postgresql/15/bin) PGPORT_BENCH (55432)"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

CSV, QFILE, REPEAT, OUT = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
PGBIN = os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin")
PORT = os.environ.get("PGPORT_BENCH", "55432")
SETTINGS = {  # a benchmark cluster: memory for the working set; no durability (it is thrown away)
    "shared_buffers": "2GB", "work_mem": "256MB", "maintenance_work_mem": "1GB", "effective_cache_size": "8GB",
    "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "max_wal_size": "8GB",
}
tmp = tempfile.mkdtemp(prefix="orgpulse-pg-")
os.chmod(tmp, 0o755)
pgdata = os.path.join(tmp, "data")
sock = os.path.join(tmp, "sock")
os.mkdir(sock)
shutil.chown(tmp, "postgres")
shutil.chown(sock, "postgres")


def as_pg(*cmd, **kw):
    return subprocess.run(["runuser", "-u", "postgres", "--", *cmd], check=True, **kw)


def psql(script, *extra):
    return subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", sock, "-p", PORT, "-U", "postgres",
                           "-d", "bench", *extra], input=script, capture_output=True, text=True, check=True).stdout


started = False
try:
    as_pg(f"{PGBIN}/initdb", "-D", pgdata, "-A", "trust", "-U", "postgres", stdout=subprocess.DEVNULL)
    opts = f"-p {PORT} -k {sock} -c listen_addresses='' " + " ".join(f"-c {k}={v}" for k, v in SETTINGS.items())
    as_pg(f"{PGBIN}/pg_ctl", "-D", pgdata, "-o", opts, "-l", os.path.join(tmp, "log"), "-w", "start",
          stdout=subprocess.DEVNULL)
    started = True
    subprocess.run(["createdb", "-h", sock, "-p", PORT, "-U", "postgres", "bench"], check=True)
    t0 = time.time()
    with open(CSV) as f:
        subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", sock, "-p", PORT, "-U", "postgres", "-d",
                        "bench", "-c", "CREATE TABLE events (type text NOT NULL, ts bigint NOT NULL, user_id text, "
                        "org_id text, inviter_user_id text)", "-c", "COPY events FROM STDIN (FORMAT csv)"],
                       stdin=f, check=True)
    t1 = time.time()
    psql("CREATE INDEX events_type_ts ON events(type, ts); VACUUM ANALYZE events;")
    t2 = time.time()
    size = int(psql("SELECT pg_total_relation_size('events')", "-A", "-t").strip())
    out = {"_load": {"load_s": t1 - t0, "index_s": t2 - t1, "bytes": size}}
    print(f"postgres: COPY {t1 - t0:.1f} s, index + vacuum analyze {t2 - t1:.1f} s", file=sys.stderr)
    for q in json.load(open(QFILE)):
        rows = [r.split("|") for r in psql(q["sql"] + ";", "-A", "-t").splitlines() if r]
        check = (int(rows[0][-1]) if rows else 0) if q["kind"] == "report" else sum(int(r[-1]) for r in rows)
        # the check run above is the cold run; now REPEAT warm runs in one session, results discarded
        text = psql("\\o /dev/null\n\\timing on\n" + (q["sql"] + ";\n") * REPEAT)
        ms = [float(x) for x in re.findall(r"Time: ([0-9.]+) ms", text)]
        assert len(ms) == REPEAT, text
        out[q["label"]] = {"cold": None, "ms": ms, "check": check}
        print(f"postgres {q['label']}: {sorted(ms)[len(ms) // 2]:.1f} ms check {check}", file=sys.stderr)
    json.dump(out, open(OUT, "w"), indent=1)
finally:
    if started:
        as_pg(f"{PGBIN}/pg_ctl", "-D", pgdata, "-m", "fast", "-w", "stop", stdout=subprocess.DEVNULL)
    shutil.rmtree(tmp, ignore_errors=True)
