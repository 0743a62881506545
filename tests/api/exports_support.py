"""Shared pieces of the batch-export tests: a server with the test clock, a small org data set whose expected export
contents are written out by hand, a loopback HTTP receiver, and helpers for the export API."""
import http.server
import json
import threading
import time

import pytest

from conftest import Server

ORG = "0a000000-0000-4000-8000-00000000000a"
OTHER = "0b000000-0000-4000-8000-00000000000b"
U1 = "u1000000-0000-4000-8000-000000000001"
U2 = "u2000000-0000-4000-8000-000000000002"
U3 = "u3000000-0000-4000-8000-000000000003"
TEAM = "t1000000-0000-4000-8000-000000000001"
START = "2026-03-02T10:00:00Z"  # the clock is set here before anything is sent


def org_events():
    """The data set: org ORG with members U1 (Owner) and U2, org OTHER with member U3."""
    return [
        {"type": "org.created", "org_id": ORG, "name": "Acme", "timestamp": "2026-03-01T08:00:00Z", "id": "e-org-a"},
        {"type": "org.created", "org_id": OTHER, "name": "Other", "timestamp": "2026-03-01T08:00:00Z", "id": "e-org-b"},
        {"type": "user.created", "user_id": U1, "email": "one@acme.test", "first_name": "One",
         "timestamp": "2026-03-01T08:01:00Z", "id": "e-u1"},
        {"type": "user.created", "user_id": U2, "email": "two@acme.test", "timestamp": "2026-03-01T08:02:00Z",
         "id": "e-u2"},
        {"type": "user.created", "user_id": U3, "email": "three@other.test", "timestamp": "2026-03-01T08:03:00Z",
         "id": "e-u3"},
        {"type": "member.added", "org_id": ORG, "user_id": U1, "role": "Owner", "timestamp": "2026-03-01T09:00:00Z",
         "id": "e-m1"},
        {"type": "member.added", "org_id": ORG, "user_id": U2, "timestamp": "2026-03-01T12:00:00Z", "id": "e-m2"},
        {"type": "member.added", "org_id": OTHER, "user_id": U3, "timestamp": "2026-03-01T09:00:00Z", "id": "e-m3"},
        {"type": "team.created", "team_id": TEAM, "org_id": ORG, "name": "Core", "timestamp": "2026-03-01T09:30:00Z",
         "id": "e-t1"},
        {"type": "team.member_added", "team_id": TEAM, "user_id": U1, "timestamp": "2026-03-01T09:31:00Z",
         "id": "e-tm1"},
        # U1 active naming the org; U2 active naming no org, before (not the org's) and after joining (the org's)
        {"type": "activity", "user_id": U1, "org_id": ORG, "timestamp": "2026-03-01T10:00:00Z", "id": "e-a1"},
        {"type": "activity", "user_id": U2, "timestamp": "2026-03-01T11:00:00Z", "id": "e-a2-before"},
        {"type": "activity", "user_id": U2, "timestamp": "2026-03-01T13:00:00Z", "id": "e-a2"},
        {"type": "activity", "user_id": U3, "timestamp": "2026-03-01T13:00:00Z", "id": "e-a3"},
        {"type": "activity", "user_id": U3, "org_id": OTHER, "timestamp": "2026-03-01T13:00:00Z", "id": "e-a3b"},
        # usage: U1 in its team (by history), U2 naming the org, U3 elsewhere
        {"type": "usage", "user_id": U1, "feature": "chat", "metrics": {"interactions": 2, "useful": 1},
         "timestamp": "2026-03-01T14:00:00Z", "id": "e-g1"},
        {"type": "usage", "user_id": U1, "feature": "chat", "metrics": {"interactions": 3},
         "timestamp": "2026-03-01T15:00:00Z", "id": "e-g2"},
        {"type": "usage", "user_id": U2, "org_id": ORG, "feature": "codeCompletions", "metrics": {"completions": 5},
         "timestamp": "2026-03-02T01:00:00Z", "id": "e-g3"},
        {"type": "usage", "user_id": U3, "feature": "chat", "metrics": {"interactions": 9},
         "timestamp": "2026-03-01T14:00:00Z", "id": "e-g4"},
    ]


# The ids of the org's events, by the definition in src/export/export.h
ORG_EVENT_IDS = ["e-org-a", "e-m1", "e-m2", "e-t1", "e-tm1", "e-a1", "e-a2", "e-g1", "e-g2", "e-g3"]
# usage rollups of those events: (day, user_id, team_id, feature, metric, value), sorted as the export sorts them
ORG_USAGE = [
    ("2026-03-01", U1, TEAM, "chat", "interactions", 5),
    ("2026-03-01", U1, TEAM, "chat", "useful", 1),
    ("2026-03-02", U2, None, "codeCompletions", "completions", 5),
]
# persons: (user_id, email, role, team_id)
ORG_PERSONS = [(U1, "one@acme.test", "Owner", TEAM), (U2, "two@acme.test", "Member", None)]


class ExportServer(Server):
    def __init__(self, data_dir, env=None, extra_args=()):
        super().__init__(data_dir, extra_args=["--test-clock", *extra_args], env=env)

    def clock(self, key, now=None, advance=None, wait=True):
        """Move the clock; with wait, return once the scheduler has run what became due."""
        body = {"now": now} if now else {"advance_seconds": advance}
        body["wait"] = wait
        r = self.request("POST", "/v1/test/clock", key, json=body)
        assert r.status_code == 200, r.text
        assert r.json()["settled"] or not wait, r.text
        return r.json()["now"]

    def api(self, method, path, key, **kw):
        return self.request(method, f"/api/organizations/{ORG}/batch_exports{path}", key, **kw)

    def create_export(self, key, destination, model="events", interval="hour", **extra):
        body = {"name": f"{model} export", "model": model, "interval": interval, "destination": destination, **extra}
        r = self.api("POST", "/", key, json=body)
        assert r.status_code == 201, r.text
        return r.json()

    def runs(self, key, export_id):
        r = self.api("GET", f"/{export_id}/runs/", key)
        assert r.status_code == 200, r.text
        return list(reversed(r.json()["results"]))  # oldest first


def start_server(data_dir, env=None):
    s = ExportServer(data_dir, env=env).start()
    key = s.key("*", name="test-admin")
    s.clock(key, now=START)
    return s, key


def load(server, key, events=None):
    r = server.post_events(key, events or org_events())
    assert r.status_code == 200, r.text


class Receiver:
    """An HTTP receiver on loopback: records every POST (headers and NDJSON lines); `fail` answers 503 instead;
    `hold` (a threading.Event) makes requests wait until it is set."""

    def __init__(self):
        self.requests = []
        self.arrived = 0  # requests whose body was read (counted before `hold` makes them wait)
        self.fail = False
        self.hold = None
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with outer.lock:
                    outer.arrived += 1
                if outer.hold is not None:
                    outer.hold.wait(30)
                if outer.fail:
                    with outer.lock:
                        outer.requests.append({"failed": True, "headers": dict(self.headers), "lines": []})
                    self.send_response(503)
                    self.end_headers()
                    return
                lines = [json.loads(x) for x in body.decode().splitlines() if x.strip()]
                with outer.lock:
                    outer.requests.append({"failed": False, "headers": dict(self.headers), "lines": lines})
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/ingest"

    def ok_lines(self):
        with self.lock:
            return [line for r in self.requests if not r["failed"] for line in r["lines"]]

    def close(self):
        if self.hold is not None:
            self.hold.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def wait_for(predicate, timeout=20.0, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = predicate()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def env(tmp_path):
    """A started export server (--test-clock) loaded with the org's data set: (server, admin key, tmp_path). Import it
    into a test module to use it as that module's fixture."""
    s, key = start_server(str(tmp_path / "data"))
    load(s, key)
    yield s, key, tmp_path
    if s.proc is not None:
        assert s.stop() == 0, s.log_text()


def file_dest(tmp, name="out", **cfg):
    return {"type": "File", "config": {"path": str(tmp / name), **cfg}}
