"""Shared helpers of the usage-metrics tests (specs/tabnine.md, the contract in src/engine/usage.h): ids, times, event
builders, and a server started with --clock on which each test works in its own project (a key made with
--project), so tests on one server never see each other's events."""
import datetime as dt
import time
import uuid

from conftest import Server

CLOCK = "2026-03-15T12:00:00Z"
SEC = 1000
HOUR = 3600 * SEC
DAY = 24 * HOUR
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def ms(text):
    """Milliseconds of an RFC 3339 UTC time 'YYYY-MM-DDTHH:MM:SS[.fff]Z' (or a date YYYY-MM-DD)."""
    if len(text) == 10:
        text += "T00:00:00Z"
    t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int((t - EPOCH).total_seconds() * 1000)


def iso(t):
    """RFC 3339 of ms (with milliseconds)."""
    d = EPOCH + dt.timedelta(milliseconds=t)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + f".{t % 1000:03d}Z"


def at(text):
    """An event timestamp: '2026-01-05T10:00' or '2026-01-05' (UTC)."""
    if len(text) == 10:
        text += "T00:00"
    return text + ":00Z" if len(text) == 16 else text


def U(n):
    return f"813bef10-0000-4000-8000-{n:012d}"


def O(n):
    return f"4f18c3a2-0000-4000-8000-{n:012d}"


def T(n):
    return f"7eab0c11-0000-4000-8000-{n:012d}"


def org(n, when="2025-12-01", **fields):
    return {"type": "org.created", "org_id": O(n), "name": fields.pop("name", f"Org {n}"), "timestamp": at(when),
            **fields}


def user(n, when="2025-12-01", **fields):
    fields.setdefault("email", f"user{n}@example.com")
    return {"type": "user.created", "user_id": U(n), "timestamp": at(when), **fields}


def member(o, u, when="2025-12-01", role="Member"):
    return {"type": "member.added", "org_id": O(o), "user_id": U(u), "role": role, "timestamp": at(when)}


def removed(o, u, when):
    return {"type": "member.removed", "org_id": O(o), "user_id": U(u), "timestamp": at(when)}


def team(n, o, when="2025-12-01", name=None, default=None):
    e = {"type": "team.created", "team_id": T(n), "org_id": O(o), "name": name or f"Team {n}", "timestamp": at(when)}
    if default is not None:
        e["is_default"] = default
    return e


def joined(t, u, when="2025-12-01"):
    return {"type": "team.member_added", "team_id": T(t), "user_id": U(u), "timestamp": at(when)}


def left(t, u, when):
    return {"type": "team.member_removed", "team_id": T(t), "user_id": U(u), "timestamp": at(when)}


def status(kind, u, when):
    return {"type": f"user.{kind}", "user_id": U(u), "timestamp": at(when)}


def invite(o, email, when, team_id=None, kind="sent"):
    e = {"type": f"invite.{kind}", "org_id": O(o), "email": email, "timestamp": at(when)}
    if team_id is not None:
        e["team_id"] = T(team_id)
    return e


def activity(u, when, org_id=None):
    e = {"type": "activity", "user_id": U(u), "timestamp": at(when)}
    if org_id is not None:
        e["org_id"] = O(org_id)
    return e


def cc(u, when, completions=1, chars=0, keys=0, lines=0, org_id=None, team_id=None):
    """A codeCompletions usage event."""
    return usage(u, when, "codeCompletions", {"completions": completions, "charsCompleted": chars,
                                               "keystrokes": keys, "lines": lines}, org_id, team_id)


def chat(u, when, interactions=1, useful=0, chars=0, lines=0, org_id=None, team_id=None):
    return usage(u, when, "chat", {"interactions": interactions, "usefulChatInteractions": useful,
                                    "charsCompleted": chars, "lines": lines}, org_id, team_id)


def usage(u, when, feature, metrics, org_id=None, team_id=None):
    e = {"type": "usage", "user_id": U(u), "metrics": metrics, "timestamp": at(when)}
    if feature is not None:
        e["feature"] = feature
    if org_id is not None:
        e["org_id"] = O(org_id)
    if team_id is not None:
        e["team_id"] = T(team_id)
    return e


class Env:
    """A server started with --clock CLOCK (its clock starts there and runs in real time)."""

    def __init__(self, data_dir, clock=CLOCK):
        self.server = Server(data_dir, ["--clock", clock, "--quiet"])

    def start(self):
        self.server.start()
        return self

    def project(self):
        name = "p" + uuid.uuid4().hex[:12]
        return Project(self, self.server.key("*", project=name), name)


class Project:
    def __init__(self, env, key, name):
        self.env, self.key, self.name = env, key, name

    def post(self, events):
        r = self.env.server.post_events(self.key, events)
        assert r.status_code == 200, r.text
        assert r.json()["accepted"] == len(events), r.text

    def key_for(self, scopes="usage:read", org_id=None):
        return self.env.server.key(scopes, org=org_id, project=self.name)

    def get(self, path, key=None, **params):
        return self.env.server.request("GET", path, key or self.key, params=params)

    def ok(self, path, key=None, **params):
        r = self.get(path, key, **params)
        assert r.status_code == 200, (path, params, r.status_code, r.text)
        return r.json()

    def usage(self, level, o, granularity, frm, to, **extra):
        """/api/v1/{level}/usage -> the buckets (data), after checking the envelope."""
        params = {"organizationId": O(o), "granularity": granularity, "from": frm, "to": to, **extra}
        body = self.ok(f"/api/v1/{level}/usage", **params)
        assert body["organizationId"] == O(o)
        assert body["usage"]["granularity"] == granularity
        return body["usage"]["data"]


def wait_until(predicate, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()
