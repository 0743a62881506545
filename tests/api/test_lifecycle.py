"""Server life cycle: a graceful stop on SIGTERM finishes the requests in flight, then exits 0; one server per data
directory; an access-log line per request; /healthz needs no key."""
import json
import signal
import threading
import time

import requests

from conftest import Server


def test_sigterm_lets_a_request_in_flight_finish(data_dir):
    s = Server(data_dir).start()
    key = s.key("events:write,users:read")
    lines = [json.dumps({"type": "activity", "user_id": f"u{i}", "timestamp": "2026-03-01T10:00:00Z"}) for i in range(50)]
    sent_half = threading.Event()

    def slow_body():
        yield ("\n".join(lines[:25]) + "\n").encode()
        sent_half.set()
        time.sleep(0.6)
        yield ("\n".join(lines[25:]) + "\n").encode()

    result = {}

    def post():
        result["r"] = requests.post(s.url + "/v1/events", data=slow_body(), timeout=30,
                                    headers={"Authorization": f"Bearer {key}",
                                             "Content-Type": "application/x-ndjson"})

    t = threading.Thread(target=post)
    t.start()
    sent_half.wait(10)
    time.sleep(0.1)
    s.proc.send_signal(signal.SIGTERM)
    t.join(30)
    assert result["r"].status_code == 200
    assert result["r"].json() == {"accepted": 50, "duplicates": 0}
    assert s.stop() == 0
    # stopped: no new connections
    try:
        requests.get(s.url + "/healthz", timeout=1)
        assert False, "server still accepting"
    except requests.RequestException:
        pass
    s.start()
    assert s.request("GET", "/v1/stats", key).json()["events"] == 50
    assert s.stop() == 0


def test_a_second_server_on_the_same_data_directory_refuses_to_start(data_dir):
    a = Server(data_dir).start()
    b = Server(data_dir)
    try:
        b.start(timeout=5)
        assert False, "second server started"
    except AssertionError as e:
        assert "in use" in str(e)
    assert a.stop() == 0


def test_every_request_gets_an_access_log_line(server, admin):
    server.request("GET", "/healthz")
    server.request("GET", "/v1/stats", admin)
    server.request("GET", "/nope")
    time.sleep(0.2)
    log = server.log_text()
    assert "GET /healthz 200" in log
    assert "GET /v1/stats 200" in log
    assert "GET /nope 404" in log
    assert admin not in log  # never the secret


def test_healthz_needs_no_key(server):
    r = server.request("GET", "/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
