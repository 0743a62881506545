"""The official PropelAuth Node SDK (`@propelauth/node-apis`, pinned in tests/sdk/package.json) against a live orgpulse.

This file starts a server with its clock set to 2026-07-01T06:30:00Z (a Wednesday), loads a small hand-built event
set, writes down what every insight call must answer (worked out by hand below, in the SDK's camelCase shape), and
runs `node --test tests/sdk/insights.test.mjs`, which redirects the SDK's `fetch` from https://propelauth-api.com to
the server. `make check` installs node and the SDK (scripts/install-deps), so their absence is a failure, not a skip.

Windows (now = 2026-07-01T06:30Z; every event below is at least 2 h away from a window edge):
  7 d  = [06-24 06:30, now)     14 d = [06-17 06:30, now)    30 d = [06-01 06:30, now)
  60 d = [05-02 06:30, now)     90 d = [04-02 06:30, now)
  Weekly reengagement:  recent [06-24 06:30, now), quiet [06-17 06:30, 06-24 06:30), some activity before 06-17 06:30
  Monthly reengagement: recent [06-01 06:30, now), quiet [05-02 06:30, 06-01 06:30), some activity before 05-02 06:30
"""
import calendar
import datetime
import json
import os
import pathlib
import shutil
import subprocess

from conftest import Server

SDK_DIR = pathlib.Path(__file__).resolve().parent
ROOT = SDK_DIR.parents[1]
CLOCK = "2026-07-01T06:30:00Z"

# ---- the people and orgs (UUID v4 shaped, lowercase: the SDK checks user ids client-side) ----
ALICE = "aaaaaaaa-0000-4000-8000-000000000001"
BOB = "bbbbbbbb-0000-4000-8000-000000000002"
CAROL = "cccccccc-0000-4000-8000-000000000003"
DAVE = "dddddddd-0000-4000-8000-000000000004"
ERIN = "eeeeeeee-0000-4000-8000-000000000005"
FRANK = "ffffffff-0000-4000-8000-000000000006"  # deleted: in no report, no chart, 404 for signup params
HEIDI = "88888888-0000-4000-8000-000000000008"
IVAN = "99999999-0000-4000-8000-000000000009"
JUDY = "12121212-0000-4000-8000-00000000000a"
NOBODY = "0badc0de-0000-4000-8000-00000000000f"  # never named by any event

ACME = "4f18c3a2-0000-4000-8000-000000000001"
GLOBEX = "4f18c3a2-0000-4000-8000-000000000002"
INITECH = "4f18c3a2-0000-4000-8000-000000000003"
UMBRELLA = "4f18c3a2-0000-4000-8000-000000000004"
HOOLI = "4f18c3a2-0000-4000-8000-000000000005"
VANDELAY = "4f18c3a2-0000-4000-8000-000000000006"  # deleted: in no report, no chart


def ts(s):
    """'2026-06-10T12:00' -> Unix seconds (UTC)."""
    return calendar.timegm(datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M").timetuple())


def iso(s):
    return s + ":00Z"


def user(uid, at, email, **fields):
    return {"type": "user.created", "user_id": uid, "email": email, "timestamp": iso(at), **fields}


def org(oid, at, name):
    return {"type": "org.created", "org_id": oid, "name": name, "timestamp": iso(at)}


def added(oid, uid, at, role):
    return {"type": "member.added", "org_id": oid, "user_id": uid, "role": role, "timestamp": iso(at)}


def removed(oid, uid, at):
    return {"type": "member.removed", "org_id": oid, "user_id": uid, "timestamp": iso(at)}


def active(uid, at, org_id=None):
    e = {"type": "activity", "user_id": uid, "timestamp": iso(at)}
    if org_id:
        e["org_id"] = org_id
    return e


def invite(oid, at, email, inviter=None):
    e = {"type": "invite.sent", "org_id": oid, "email": email, "timestamp": iso(at)}
    if inviter:
        e["inviter_user_id"] = inviter
    return e


CREATED = {  # user -> signup time
    ALICE: "2026-01-10T09:05", BOB: "2026-01-12T10:00", JUDY: "2026-02-10T10:00", CAROL: "2026-03-02T09:10",
    HEIDI: "2026-03-03T10:00", IVAN: "2026-06-05T12:00", DAVE: "2026-06-10T09:00", ERIN: "2026-06-20T12:00",
    FRANK: "2026-06-30T10:00",
}
ORG_CREATED = {
    ACME: "2026-01-10T09:00", HOOLI: "2026-02-01T10:00", GLOBEX: "2026-03-02T09:00", VANDELAY: "2026-06-02T12:00",
    INITECH: "2026-06-10T09:00", UMBRELLA: "2026-06-29T09:00",
}
ORG_NAME = {ACME: "Acme Inc", GLOBEX: "Globex", INITECH: "Initech", UMBRELLA: "Umbrella", HOOLI: "Hooli",
            VANDELAY: "Vandelay"}
EMAIL = {u: name + "@example.com" for u, name in [(ALICE, "alice"), (BOB, "bob"), (CAROL, "carol"), (DAVE, "dave"),
                                                  (ERIN, "erin"), (FRANK, "frank"), (HEIDI, "heidi"),
                                                  (IVAN, "ivan"), (JUDY, "judy")]}
ERIN_PARAMS = {"utm_source": "newsletter", "utm_campaign": "summer_launch"}

ACTIVITY = {  # user -> activity times (one per day at most)
    ALICE: ["2026-02-01T12:00", "2026-05-15T12:00", "2026-06-20T12:00", "2026-06-26T12:00", "2026-06-27T12:00",
            "2026-06-28T12:00", "2026-06-29T12:00", "2026-06-30T12:00", "2026-07-01T04:00"],
    BOB: ["2026-01-15T12:00", "2026-05-20T12:00", "2026-06-10T12:00"],
    CAROL: ["2026-03-05T12:00", "2026-04-20T12:00", "2026-06-28T12:00"],
    DAVE: ["2026-06-10T12:00", "2026-06-25T12:00", "2026-06-29T12:00", "2026-06-30T12:00"],
    HEIDI: ["2026-03-20T12:00"],
    JUDY: ["2026-02-15T12:00"],
    FRANK: ["2026-06-30T11:00"],
}


def events():
    ev = [org(o, at, ORG_NAME[o]) for o, at in ORG_CREATED.items()]
    ev += [user(ALICE, CREATED[ALICE], EMAIL[ALICE], username="alice", first_name="Alice", last_name="Anders"),
           user(BOB, CREATED[BOB], EMAIL[BOB], first_name="Bob")]
    ev += [user(u, CREATED[u], EMAIL[u]) for u in (JUDY, CAROL, HEIDI, IVAN, DAVE)]
    ev += [user(ERIN, CREATED[ERIN], EMAIL[ERIN], signup_query_parameters=ERIN_PARAMS),
           user(FRANK, CREATED[FRANK], EMAIL[FRANK], signup_query_parameters={"utm_source": "ads"})]
    ev += [
        added(ACME, ALICE, "2026-01-10T09:05", "Owner"),
        added(ACME, BOB, "2026-01-12T10:00", "Member"),
        added(HOOLI, BOB, "2026-03-25T12:00", "Member"),
        added(GLOBEX, CAROL, "2026-03-02T09:10", "Owner"),
        added(GLOBEX, HEIDI, "2026-03-03T10:00", "Member"),
        removed(GLOBEX, HEIDI, "2026-06-12T12:00"),
        added(HOOLI, HEIDI, "2026-03-03T10:00", "Owner"),
        added(INITECH, DAVE, "2026-06-10T09:30", "Admin"),
        added(INITECH, ERIN, "2026-06-20T12:00", "Member"),
        added(INITECH, FRANK, "2026-06-30T10:00", "Member"),
        added(ACME, IVAN, "2026-06-05T12:00", "Member"),
        removed(ACME, IVAN, "2026-06-25T12:00"),
        added(UMBRELLA, IVAN, "2026-06-29T12:00", "Owner"),
        added(VANDELAY, JUDY, "2026-06-02T13:00", "Member"),
        removed(VANDELAY, JUDY, "2026-06-03T12:00"),
        {"type": "org.deleted", "org_id": VANDELAY, "timestamp": iso("2026-06-03T13:00")},
        {"type": "user.deleted", "user_id": FRANK, "timestamp": iso("2026-06-30T15:00")},
    ]
    ev += [
        invite(ACME, "2026-03-01T12:00", "x1@example.com", ALICE),   # outside 90 d
        invite(ACME, "2026-04-10T12:00", "x2@example.com", ALICE),   # 90 d only
        invite(ACME, "2026-06-05T12:00", "ivan@example.com", ALICE),
        invite(INITECH, "2026-06-15T12:00", "x3@example.com", DAVE),
        invite(INITECH, "2026-06-21T12:00", "x4@example.com", ERIN),
        invite(INITECH, "2026-06-22T12:00", "x5@example.com", DAVE),
        invite(INITECH, "2026-06-27T12:00", "x6@example.com", DAVE),
        invite(ACME, "2026-06-18T12:00", "x7@example.com"),           # sent through the API: counts for nobody
        invite(INITECH, "2026-06-30T12:00", "x8@example.com", FRANK), # deleted inviter
    ]
    for u, times in ACTIVITY.items():
        ev += [active(u, at, ACME if u == ALICE else None) for at in times]
    return ev


# ---- expected report rows, in the SDK's shape (it camelCases every key; it renames `user_role` to
# `userAssignedRole`, also inside a report's org_data) ----

def org_data(*pairs):
    return [{"displayName": ORG_NAME[o], "orgId": o, "userAssignedRole": role} for o, role in pairs]


USER_FIELDS = {
    ALICE: {"username": "alice", "firstName": "Alice", "lastName": "Anders", "orgData": org_data((ACME, "Owner"))},
    BOB: {"username": None, "firstName": "Bob", "lastName": None,
          "orgData": org_data((ACME, "Member"), (HOOLI, "Member"))},
    CAROL: {"orgData": org_data((GLOBEX, "Owner"))},
    DAVE: {"orgData": org_data((INITECH, "Admin"))},
    ERIN: {"orgData": org_data((INITECH, "Member"))},
    HEIDI: {"orgData": org_data((HOOLI, "Owner"))},  # removed from Globex on 06-12
    JUDY: {"orgData": []},                          # her only org (Vandelay) removed her and was deleted
}
LAST_ACTIVE = {u: max(ts(t) for t in times) for u, times in ACTIVITY.items()}


def urow(u, **extra):
    f = {"username": None, "firstName": None, "lastName": None, **USER_FIELDS[u]}
    return {"userId": u, "email": EMAIL[u], "userCreatedAt": ts(CREATED[u]), "username": f["username"],
            "firstName": f["firstName"], "lastName": f["lastName"],
            "lastActiveAt": LAST_ACTIVE.get(u, ts(CREATED[u])),  # never active: the signup time
            "orgData": f["orgData"], "extraProperties": extra}


NUM_USERS = {ACME: 2, GLOBEX: 1, INITECH: 2, UMBRELLA: 1, HOOLI: 2}  # current members; Frank deleted


def orow(o, **extra):
    return {"orgId": o, "name": ORG_NAME[o], "numUsers": NUM_USERS[o], "orgCreatedAt": ts(ORG_CREATED[o]),
            "extraProperties": extra}


# Top inviters: Dave 06-15, 06-22, 06-27; Erin 06-21; Alice 06-05 (+ 04-10 within 90 d); the API invite and deleted
# Frank's count for nobody. Ties (Alice, Erin at 1) by user_id. Erin never active: last_active_at = her signup.
TOP_30 = [urow(DAVE, numInvites=3), urow(ALICE, numInvites=1), urow(ERIN, numInvites=1)]
TOP_90 = [urow(DAVE, numInvites=3), urow(ALICE, numInvites=2), urow(ERIN, numInvites=1)]
# Champions (distinct active days): 30 d: Alice 06-20, 06-26..06-30, 07-01 = 7; Dave 06-10, 06-25, 06-29, 06-30 = 4;
# Carol 06-28 = 1 and Bob 06-10 = 1 (Carol's later last activity first). 60 d adds Alice 05-15 and Bob 05-20.
# 90 d adds Carol 04-20 (tie at 2 with Bob: Carol active later).
CHAMPION = {
    "30": [urow(ALICE, numActiveDays=7), urow(DAVE, numActiveDays=4), urow(CAROL, numActiveDays=1),
           urow(BOB, numActiveDays=1)],
    "60": [urow(ALICE, numActiveDays=8), urow(DAVE, numActiveDays=4), urow(BOB, numActiveDays=2),
           urow(CAROL, numActiveDays=1)],
    "90": [urow(ALICE, numActiveDays=8), urow(DAVE, numActiveDays=4), urow(CAROL, numActiveDays=2),
           urow(BOB, numActiveDays=2)],
}
# Reengaged users. Weekly: Dave (06-25.., quiet, 06-10 before) and Carol (06-28, quiet, 04-20 before); Alice was
# active 06-20 in the quiet week. Monthly: only Carol (Alice 05-15 and Bob 05-20 in the quiet month; Dave is new).
USER_REENGAGEMENT = {"Weekly": [urow(DAVE), urow(CAROL)], "Monthly": [urow(CAROL)]}
# Churned users (active once, not in the last N days), latest first: Bob 06-10, Heidi 03-20, Judy 02-15.
USER_CHURN = {"7": [urow(BOB), urow(HEIDI), urow(JUDY)], "14": [urow(BOB), urow(HEIDI), urow(JUDY)],
              "30": [urow(HEIDI), urow(JUDY)]}

# Org activity = members' activity while members. Weekly reengaged: Initech (Dave, latest 06-30) then Globex
# (Carol 06-28); Acme had Alice on 06-20. Monthly: Globex only (Acme busy in May, Hooli had Bob 05-20, Initech new).
ORG_REENGAGEMENT = {"Weekly": [orow(INITECH), orow(GLOBEX)], "Monthly": [orow(GLOBEX)]}
# Churned orgs: Hooli's last activity is Bob's on 06-10; Umbrella never had any; the rest were active this week.
ORG_CHURN = {"7": [orow(HOOLI)], "14": [orow(HOOLI)], "30": []}
# Growth (net > 0) in any of 30/60/90 d: Initech +Dave +Erin (Frank deleted), Umbrella +Ivan. Acme +Ivan -Ivan = 0.
GROWTH = [orow(INITECH, numUsersAdded=2, numUsersRemoved=0), orow(UMBRELLA, numUsersAdded=1, numUsersRemoved=0)]
# Attrition: Globex -Heidi (net -1) before Acme +Ivan -Ivan (net 0); deleted Vandelay is left out.
ATTRITION = [orow(GLOBEX, numUsersAdded=0, numUsersRemoved=1, netUsersChange=-1),
             orow(ACME, numUsersAdded=1, numUsersRemoved=1, netUsersChange=0)]


# ---- expected charts: nonzero buckets only; `metrics` zero-fills the rest ----

def day_range(start, end):
    d, e = datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)
    while d <= e:
        yield d
        d += datetime.timedelta(days=1)


def buckets(cadence, start, end):
    """First days of every bucket overlapping [start, end], and each bucket's end (exclusive)."""
    out = []
    for d in day_range(start, end):
        if cadence == "Daily":
            b, nxt = d, d + datetime.timedelta(days=1)
        elif cadence == "Weekly":
            b = d - datetime.timedelta(days=d.weekday())
            nxt = b + datetime.timedelta(days=7)
        else:
            b = d.replace(day=1)
            nxt = (b + datetime.timedelta(days=32)).replace(day=1)
        if not out or out[-1][0] != b:
            out.append((b, nxt))
    return out


NOW_DATE = datetime.datetime(2026, 7, 1, 6, 30)


def metrics(cadence, start, end, nonzero):
    return [{"date": b.isoformat(), "result": nonzero.get(b.isoformat(), 0),
             "cadenceCompleted": datetime.datetime.combine(nxt, datetime.time()) <= NOW_DATE}
            for b, nxt in buckets(cadence, start, end)]


RANGES = {"Daily": ("2026-06-20", "2026-07-01"), "Weekly": ("2026-06-03", "2026-07-01"),
          "Monthly": ("2026-01-15", "2026-07-01")}
CHART_TYPE = {"signups": "Signups", "orgs_created": "OrgsCreated", "active_users": "ActiveUsers",
              "active_orgs": "ActiveOrgs"}
NONZERO = {
    # Signups by creation day (Frank deleted): Alice 01-10, Bob 01-12, Judy 02-10, Carol 03-02, Heidi 03-03,
    # Ivan 06-05, Dave 06-10, Erin 06-20.
    "signups": {"Daily": {"2026-06-20": 1},
                "Weekly": {"2026-06-01": 1, "2026-06-08": 1, "2026-06-15": 1},
                "Monthly": {"2026-01-01": 2, "2026-02-01": 1, "2026-03-01": 2, "2026-06-01": 3}},
    # Orgs by creation day (Vandelay deleted): Acme 01-10, Hooli 02-01, Globex 03-02, Initech 06-10, Umbrella 06-29.
    "orgs_created": {"Daily": {"2026-06-29": 1},
                     "Weekly": {"2026-06-08": 1, "2026-06-29": 1},
                     "Monthly": {"2026-01-01": 1, "2026-02-01": 1, "2026-03-01": 1, "2026-06-01": 2}},
    # Distinct active users (Frank deleted). Week of 06-08: Bob, Dave; of 06-22: Dave, Alice, Carol.
    # June: Alice, Bob, Carol, Dave.
    "active_users": {"Daily": {"2026-06-20": 1, "2026-06-25": 1, "2026-06-26": 1, "2026-06-27": 1, "2026-06-28": 2,
                               "2026-06-29": 2, "2026-06-30": 2, "2026-07-01": 1},
                     "Weekly": {"2026-06-08": 2, "2026-06-15": 1, "2026-06-22": 3, "2026-06-29": 2},
                     "Monthly": {"2026-01-01": 1, "2026-02-01": 2, "2026-03-01": 2, "2026-04-01": 1,
                                 "2026-05-01": 2, "2026-06-01": 4, "2026-07-01": 1}},
    # Distinct orgs with members' activity. Week of 06-08: Bob (Acme, Hooli) and Dave (Initech). February: Alice's
    # Acme only (Judy had no org). March: Carol's and Heidi's Globex, Heidi's Hooli. May: Acme, Hooli (Bob).
    "active_orgs": {"Daily": {"2026-06-20": 1, "2026-06-25": 1, "2026-06-26": 1, "2026-06-27": 1, "2026-06-28": 2,
                              "2026-06-29": 2, "2026-06-30": 2, "2026-07-01": 1},
                    "Weekly": {"2026-06-08": 3, "2026-06-15": 1, "2026-06-22": 3, "2026-06-29": 2},
                    "Monthly": {"2026-01-01": 1, "2026-02-01": 1, "2026-03-01": 2, "2026-04-01": 1,
                                "2026-05-01": 2, "2026-06-01": 4, "2026-07-01": 1}},
}


def expectations():
    charts = {m: {c: {"startDate": RANGES[c][0], "endDate": RANGES[c][1],
                      "expected": {"chartType": CHART_TYPE[m], "cadence": c,
                                   "metrics": metrics(c, *RANGES[c], NONZERO[m][c])}}
                  for c in RANGES} for m in CHART_TYPE}
    return {
        "clock": ts("2026-07-01T06:30"),
        "today": "2026-07-01",
        "signupQueryParams": [
            {"userId": ERIN, "expected": {"userSignupQueryParameters": ERIN_PARAMS}},
            {"userId": ALICE, "expected": {"userSignupQueryParameters": {}}},
            {"userId": FRANK, "expected": None},   # deleted: 404
            {"userId": NOBODY, "expected": None},  # unknown: 404
        ],
        "userReports": {
            "top_inviter": {"default": "30", "intervals": {"30": TOP_30, "60": TOP_30, "90": TOP_90}},
            "champion": {"default": "30", "intervals": CHAMPION},
            "reengagement": {"default": "Weekly", "intervals": USER_REENGAGEMENT},
            "churn": {"default": "7", "intervals": USER_CHURN},
        },
        "orgReports": {
            "reengagement": {"default": "Weekly", "intervals": ORG_REENGAGEMENT},
            "churn": {"default": "7", "intervals": ORG_CHURN},
            "growth": {"default": "30", "intervals": {"30": GROWTH, "60": GROWTH, "90": GROWTH}},
            "attrition": {"default": "30", "intervals": {"30": ATTRITION, "60": ATTRITION, "90": ATTRITION}},
        },
        "charts": charts,
    }


def test_the_official_propelauth_node_sdk_reads_every_insight_of_a_live_server_as_worked_out_by_hand(tmp_path):
    node = shutil.which("node")
    assert node, "node is not installed: run scripts/install-deps (make check does) to install Node.js"
    sdk = SDK_DIR / "node_modules" / "@propelauth" / "node-apis" / "package.json"
    assert sdk.is_file(), ("the PropelAuth Node SDK is not installed in tests/sdk/node_modules: run scripts/install-deps "
                           "(or `cd tests/sdk && npm ci`)")

    # a snapshot serves its pages for 10 minutes, so paging stays on one snapshot even on a slow sanitizer build
    server = Server(tmp_path / "data", ["--clock", CLOCK, "--report-max-age", "600"]).start()
    try:
        writer = server.key("events:write", name="sdk-loader")
        reader = server.key("insights:read", name="sdk-reader")
        r = server.post_events(writer, events())
        assert r.status_code == 200, r.text
        assert r.json() == {"accepted": len(events()), "duplicates": 0}

        exp_path = tmp_path / "expectations.json"
        exp_path.write_text(json.dumps(expectations(), indent=1))
        env = dict(os.environ, ORGPULSE_URL=server.url, ORGPULSE_KEY=reader, ORGPULSE_WRITE_KEY=writer,
                   ORGPULSE_EXPECTATIONS=str(exp_path), NODE_NO_WARNINGS="1")
        p = subprocess.run([node, "--test", "--test-reporter=spec", str(SDK_DIR / "insights.test.mjs")], cwd=ROOT,
                           env=env, capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, f"node --test failed ({p.returncode}):\n{p.stdout}\n{p.stderr}"
        assert "# fail 0" in p.stdout or "ℹ fail 0" in p.stdout, p.stdout
    finally:
        rc = server.stop()
    assert rc == 0, f"server exited {rc} on SIGTERM: {server.log_text()}"
