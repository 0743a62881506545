"""Starts orgpulse on a prepared data directory (bench/insights/benchserver.py) and asks for
/api/v1/engagement-dashboard/users/active-users over windows of DAYS days ending on the demo's last day. For each it
resets the server's peak RSS (writing 5 to /proc/PID/clear_refs), reads the answer off the socket in 1 MiB pieces,
samples VmRSS while it arrives, and reports: response size, time to first byte, total time, MB/s, peak RSS before and
after (VmHWM) and the growth. Then the 90-day answer once more read by a slow client (SLOW_MBPS), which shows the
server produces only as fast as the socket drains. Prints a Markdown table."""
import os
import sys
import time

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "insights"))
import benchserver  # noqa: E402

BIN = sys.argv[1]
DATA = os.environ.get("DATA", "bench/out/snap/data")
CLOCK = os.environ.get("CLOCK", "2026-11-21T00:00:00Z")
DAYS = [int(d) for d in os.environ.get("DAYS", "90 180 365").split()]
SLOW_MBPS = float(os.environ.get("SLOW_MBPS", "20"))
PORT = 18099
URL = f"http://127.0.0.1:{PORT}"
LAST_DAY_MS = 1795132800000  # 2026-11-20T00:00:00Z: the demo's last day
DAY_MS = 86400000
MB = 1e6


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


def status_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def measure_curl(proc, key, days):
    """The same request read by curl into /dev/null: the server's own pace, not Python's."""
    import subprocess
    with open(f"/proc/{proc.pid}/clear_refs", "w") as f:
        f.write("5")
    hwm0 = status_kb(proc.pid, "VmHWM")
    q = f"start={iso(LAST_DAY_MS - (days - 1) * DAY_MS)}&end={iso(LAST_DAY_MS + DAY_MS - 1)}"
    out = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-H", f"X-Auth-Token: {key}", "-H", "X-User-Id: bench",
                          "-w", "%{size_download} %{time_starttransfer} %{time_total}",
                          f"{URL}/api/v1/engagement-dashboard/users/active-users?{q}"],
                         capture_output=True, text=True, check=True).stdout.split()
    return {"days": days, "items": "—", "size": int(out[0]), "ttfb": float(out[1]), "total": float(out[2]),
            "hwm0": hwm0, "hwm1": status_kb(proc.pid, "VmHWM"), "pace": None, "client": "curl > /dev/null"}


def measure(proc, key, days, pace_mbps=None):
    with open(f"/proc/{proc.pid}/clear_refs", "w") as f:
        f.write("5")  # VmHWM := VmRSS
    hwm0, rss0 = status_kb(proc.pid, "VmHWM"), status_kb(proc.pid, "VmRSS")
    params = {"start": iso(LAST_DAY_MS - (days - 1) * DAY_MS), "end": iso(LAST_DAY_MS + DAY_MS - 1)}
    t0 = time.monotonic()
    r = requests.get(f"{URL}/api/v1/engagement-dashboard/users/active-users", params=params, stream=True,
                     headers={"X-Auth-Token": key, "X-User-Id": "bench"}, timeout=600)
    assert r.status_code == 200, r.text[:300]
    size, ttfb, rss_max, tail, items = 0, None, rss0, b"", 0
    for piece in r.iter_content(1 << 20):
        if ttfb is None:
            ttfb = time.monotonic() - t0
        size += len(piece)
        items += piece.count(b'"usersList"')
        tail = (tail + piece)[-64:]
        rss_max = max(rss_max, status_kb(proc.pid, "VmRSS"))
        if pace_mbps:
            behind = size / (pace_mbps * MB) - (time.monotonic() - t0)
            if behind > 0:
                time.sleep(behind)
    total = time.monotonic() - t0
    assert tail.endswith(b'],"success":true}'), tail
    hwm1 = status_kb(proc.pid, "VmHWM")
    return {"days": days, "items": items, "size": size, "ttfb": ttfb, "total": total, "hwm0": hwm0, "hwm1": hwm1,
            "rss_max": rss_max, "pace": pace_mbps, "encoding": r.headers.get("Transfer-Encoding")}


log_path = "bench/out/engagement-server.log"
os.makedirs("bench/out", exist_ok=True)
proc, key, log, startup = benchserver.start(BIN, DATA, PORT, CLOCK, log_path, key_name="bench-engagement",
                                            scopes="engagement:read")
print(f"server up in {startup:.1f} s (pid {proc.pid}); VmRSS {status_kb(proc.pid, 'VmRSS') / 1024:.0f} MB",
      file=sys.stderr)
rows = []
try:
    measure(proc, key, 7)  # warm-up: the id order (insights_user_ranks) is made on the first request
    for d in DAYS:
        rows.append(measure_curl(proc, key, d))
        print(rows[-1], file=sys.stderr)
        rows.append(measure(proc, key, d))
        print(rows[-1], file=sys.stderr)
    if SLOW_MBPS > 0:
        rows.append(measure(proc, key, DAYS[0], SLOW_MBPS))
        print(rows[-1], file=sys.stderr)
finally:
    proc.terminate()
    proc.wait(timeout=60)
    log.close()

print("| window | client | days listed | response | first byte | total | throughput | peak RSS before | peak RSS after "
      "| growth |")
print("|---|---|---|---|---|---|---|---|---|---|")
for x in rows:
    client = x.get("client") or (f"Python, reads at {x['pace']:.0f} MB/s" if x["pace"] else "Python requests")
    print(f"| {x['days']} days | {client} | {x['items']} | {x['size'] / MB:.1f} MB | {x['ttfb'] * 1000:.0f} ms "
          f"| {x['total']:.2f} s | {x['size'] / MB / x['total']:.0f} MB/s | {x['hwm0'] / 1024:.0f} MiB "
          f"| {x['hwm1'] / 1024:.0f} MiB | {(x['hwm1'] - x['hwm0']) / 1024:+.1f} MiB |")
