"""One way to start orgpulse for a benchmark, shared by measure.py, compare/orgpulse.py and bench/usage/measure.py:
make a key (insights:read unless told), serve DATA with --clock and --report-max-age 0 (every report request computes
a fresh snapshot), the access log going to `log_path`, and wait until it answers."""
import subprocess
import sys
import time

import requests


def start(bin_path, data, port, clock, log_path, key_name="bench", scopes="insights:read"):
    """Returns (process, key, log file, startup seconds)."""
    key = subprocess.run([bin_path, "keys", "create", "--data", data, "--scopes", scopes, "--name", key_name],
                         capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    log = open(log_path, "w")
    t0 = time.time()
    proc = subprocess.Popen([bin_path, "serve", "--data", data, "--listen", f"127.0.0.1:{port}", "--clock", clock,
                             "--report-max-age", "0"], stderr=log)
    while True:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc, key, log, time.time() - t0
        except requests.RequestException:
            time.sleep(0.3)
        if proc.poll() is not None:
            sys.exit("server exited: see " + log_path)
