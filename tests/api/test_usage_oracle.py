"""Usage oracle: org, team and user usage at every granularity, as served by orgpulse, must equal what a plain Python
reference (usage_reference.py, the contract in src/engine/usage.h turned into code) computes directly from the NDJSON
event stream: the same buckets with the same times, active users, per-feature active users, sums and ratios; and
GET /v1/usage's whole-project series and its per-org groups must hold the same numbers.

Streams: `orgpulse demo --users 2000 --orgs 80 --days 120 --end 2026-06-30` for two seeds and one of 400 smaller orgs,
each shuffled with a seeded RNG and posted in batches of 3000 lines. One of them runs with
ORGPULSE_USAGE_CACHE_MIN_USERS=0, so that every org and team goes through the per-day rollup cache (usage.c), which
the demo's orgs are otherwise too small to use; the whole-project series always does.

Windows: one of whole days around the stream (2026-02-20 to 2026-07-01), and one whose edges cut into days
(2026-03-17T13:45Z to 2026-05-09T06:00Z: usage.h, Precision: events count at their exact times, so the cut days count
only their part inside the window). Every org and team of the stream is asked about, teams in both windows; users,
30 (org, member) pairs drawn with a seeded RNG. The demo moves users between teams and orgs at any time of day (each
stream has a few users with events on both sides of a move on one day), so the answers also check that each event is
judged by the user's team and memberships at its own time."""
import datetime as dt
import json
import random

import pytest

from conftest import Server, run_cli
from insights_reference import parse_ts
from usage_reference import UsageReference

DEMOS = ((3, 2000, 80, 120, {}), (17, 2000, 80, 120, {"ORGPULSE_USAGE_CACHE_MIN_USERS": "0"}),
         (42, 2000, 400, 120, {}))
END = "2026-06-30"
CLOCK = "2026-07-01T06:30:00Z"
BATCH_LINES = 3000
GRANULARITIES = ("daily", "weekly", "monthly", "all")
WINDOWS = (("2026-02-20T00:00:00Z", "2026-07-01T00:00:00Z"), ("2026-03-17T13:45:00Z", "2026-05-09T06:00:00Z"))
USERS_ASKED = 30


def iso(ms):
    """The server's rendering of a usage time: whole seconds, or the milliseconds without trailing zeros."""
    t = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(milliseconds=ms)
    base = t.strftime("%Y-%m-%dT%H:%M:%S")
    frac = f"{ms % 1000:03d}".rstrip("0")
    return base + ("." + frac if frac else "") + "Z"


@pytest.fixture(scope="module", params=DEMOS, ids=lambda d: f"seed{d[0]}-orgs{d[2]}" + ("-cached" if d[4] else ""))
def stream(request, tmp_path_factory):
    seed, users, orgs, days, env = request.param
    text = run_cli("demo", "--users", users, "--orgs", orgs, "--days", days, "--seed", seed, "--end", END,
                   timeout=300).stdout
    lines = text.splitlines()
    events = [json.loads(line) for line in lines]
    ref = UsageReference(events)
    assert not ref.conflicting_ties(), "set-up: the stream has facts whose order at one millisecond would matter"
    random.Random(seed).shuffle(lines)
    server = Server(tmp_path_factory.mktemp(f"usage-oracle-{seed}") / "data", ["--clock", CLOCK, "--quiet"],
                    env=env).start()
    key = server.key("events:write,usage:read")
    for i in range(0, len(lines), BATCH_LINES):
        body = ("\n".join(lines[i:i + BATCH_LINES]) + "\n").encode()
        r = server.request("POST", "/v1/events", key, data=body, headers={"Content-Type": "application/x-ndjson"},
                           timeout=120)
        assert r.status_code == 200, r.text
    yield server, key, ref, seed
    assert server.stop() == 0


def ask(server, key, path, **params):
    r = server.request("GET", path, key, params=params, timeout=60)
    assert r.status_code == 200, (path, params, r.status_code, r.text)
    return r.json()


def check(failures, label, got, want):
    if got != want:
        diff = next((k for k, (g, w) in enumerate(zip(got, want)) if g != w), min(len(got), len(want)))
        failures.append(f"{label}: first differing bucket {diff}: server "
                        f"{json.dumps(got[diff] if diff < len(got) else None)}, reference "
                        f"{json.dumps(want[diff] if diff < len(want) else None)}")


def test_org_usage_equals_the_reference_at_every_granularity(stream):
    server, key, ref, _ = stream
    failures, asked = [], 0
    for o in ref.orgs():
        for frm, to in WINDOWS:
            for g in GRANULARITIES:
                body = ask(server, key, "/api/v1/organization/usage", organizationId=o, granularity=g,
                           **{"from": frm, "to": to})
                want = ref.tabnine(parse_ts(frm), parse_ts(to), g, iso, org=o)
                check(failures, f"org {o} {g} {frm}..{to}", body["usage"]["data"], want)
                asked += 1
    assert len(ref.orgs()) >= 70 and asked == len(ref.orgs()) * 8
    assert not failures, "\n".join(failures[:10])


def test_team_usage_equals_the_reference_at_every_granularity(stream):
    server, key, ref, _ = stream
    failures = []
    teams = ref.teams()
    assert len(teams) >= 70
    for t, o in teams:
        for frm, to in WINDOWS:
            for g in GRANULARITIES:
                body = ask(server, key, "/api/v1/team/usage", organizationId=o, teamId=t, granularity=g,
                           **{"from": frm, "to": to})
                check(failures, f"team {t} {g} {frm}..{to}", body["usage"]["data"],
                      ref.tabnine(parse_ts(frm), parse_ts(to), g, iso, team=t))
    assert not failures, "\n".join(failures[:10])


def test_user_usage_equals_the_reference_at_every_granularity(stream):
    server, key, ref, seed = stream
    pairs = sorted(ref.members)
    random.Random(seed).shuffle(pairs)
    failures, asked = [], 0
    orgs = set(ref.orgs())
    for o, u in [p for p in pairs if p[0] in orgs and not ref.users[p[1]]["deleted"]][:USERS_ASKED]:
        for frm, to in WINDOWS:
            for g in GRANULARITIES:
                body = ask(server, key, "/api/v1/user/usage", organizationId=o, userId=u, granularity=g,
                           **{"from": frm, "to": to})
                check(failures, f"user {u} in {o} {g} {frm}..{to}", body["usage"]["data"],
                      ref.tabnine(parse_ts(frm), parse_ts(to), g, iso, org=o, user=u))
                asked += 1
    assert asked == USERS_ASKED * 8 and not failures, "\n".join(failures[:10])


def v1_buckets(series):
    """(from, to, active users, {(feature, metric): sum without zeros}) of /v1/usage buckets."""
    return [(b["from"], b["to"], b["active_users"],
             {(f, m): v for f, ms in b["usage"].items() for m, v in ms.items() if v}) for b in series["buckets"]]


def ref_buckets(ref, frm, to, g, **scope):
    return [(iso(bf), iso(bt), active, {k: v for k, v in sums.items() if v})
            for bf, bt, active, _, sums in ref.series(parse_ts(frm), parse_ts(to), g, **scope)]


def test_v1_usage_of_the_whole_project_and_per_org_equals_the_reference(stream):
    server, key, ref, _ = stream
    failures = []
    for frm, to in WINDOWS:
        for g, name in (("weekly", "week"), ("all", "all"), ("daily", "day")):
            body = ask(server, key, "/v1/usage", granularity=name, **{"from": frm, "to": to})
            [series] = body["series"]
            check(failures, f"/v1/usage {name} {frm}..{to}", v1_buckets(series), ref_buckets(ref, frm, to, g))
    frm, to = WINDOWS[0]
    body = ask(server, key, "/v1/usage", granularity="month", group_by="org", limit=1000, **{"from": frm, "to": to})
    by_org = {s["group"]: v1_buckets(s) for s in body["series"]}
    for o in ref.orgs():
        check(failures, f"/v1/usage group_by=org {o}", by_org.get(o, []), ref_buckets(ref, frm, to, "monthly", org=o))
    assert not failures, "\n".join(failures[:10])
