"""Insights family, reports and signup query parameters (specs/propelauth.md, the contract in src/engine/insights.h):
the four user reports and the four org reports over small hand-built event sets whose expected rows are worked out by
hand below, their envelopes, paging, snapshots, defaults, validation errors and auth.

Timing. The servers run with `--clock CLOCK`: their clock starts at CLOCK when the process starts and advances in real
time. `Env.now_ms()` is an upper bound of the server's clock (the server set it after we launched it), and the server's
clock is at least `now_ms() - startup` (it set it before /healthz answered). Boundary events sit 2 s either side of
"now - N days" computed from that bound, so an answer cannot depend on the sub-second gap between computing it and the
report's first request. Each test works in its own project (a key made with `--project`), so every test gets fresh
report snapshots on a shared server."""
import datetime as dt
import re
import time
import uuid

import pytest

from conftest import SLOW, Server, started_env

CLOCK = "2026-03-15T12:00:00Z"
CLOCK_MS = int(dt.datetime(2026, 3, 15, 12, 0, 0, tzinfo=dt.timezone.utc).timestamp() * 1000)
SEC = 1000
HOUR = 3600 * SEC
DAY = 24 * HOUR
EPS = int(2 * SEC * SLOW)  # distance of a boundary event from the window's edge (wider when processes run slowly)

USER_REPORTS = ["top_inviter", "champion", "reengagement", "churn"]
ORG_REPORTS = ["reengagement", "churn", "growth", "attrition"]
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
USER_ROW_KEYS = {"id", "report_id", "user_id", "user_created_at", "username", "first_name", "last_name", "email",
                 "last_active_at", "org_data", "extra_properties"}
ORG_ROW_KEYS = {"id", "report_id", "org_id", "name", "num_users", "org_created_at", "extra_properties"}
ENVELOPE_KEYS = {"current_page", "total_count", "page_size", "has_more_results", "report_time"}


# ---- ids, times and events ----

def U(n):
    """User ids sort like their numbers."""
    return f"813bef10-0000-4000-8000-{n:012d}"


def O(n):
    return f"4f18c3a2-0000-4000-8000-{n:012d}"


def iso(ms):
    t = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(milliseconds=ms)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z"


def secs(ms):
    return ms // 1000


def user(n, at, **fields):
    return {"type": "user.created", "user_id": U(n), "email": f"user{n}@example.com", "timestamp": iso(at), **fields}


def org(n, at, name=None):
    return {"type": "org.created", "org_id": O(n), "name": name or f"Org {n}", "timestamp": iso(at)}


def act(u, at, org_id=None):
    e = {"type": "activity", "user_id": U(u), "timestamp": iso(at)}
    if org_id is not None:
        e["org_id"] = O(org_id)
    return e


def usage(u, at):
    return {"type": "usage", "user_id": U(u), "metrics": {"requests": 1}, "timestamp": iso(at)}


def add(o, u, at, role="Member"):
    return {"type": "member.added", "org_id": O(o), "user_id": U(u), "role": role, "timestamp": iso(at)}


def remove(o, u, at):
    return {"type": "member.removed", "org_id": O(o), "user_id": U(u), "timestamp": iso(at)}


def invite(o, inviter, at, email=None):
    e = {"type": "invite.sent", "org_id": O(o), "email": email or f"invitee-{uuid.uuid4().hex[:8]}@example.com",
         "timestamp": iso(at)}
    if inviter is not None:
        e["inviter_user_id"] = U(inviter)
    return e


def status(kind, u, at):
    return {"type": f"user.{kind}", "user_id": U(u), "timestamp": iso(at)}


def org_deleted(o, at):
    return {"type": "org.deleted", "org_id": O(o), "timestamp": iso(at)}


# ---- servers and projects ----

class Env:
    """A server started with --clock CLOCK."""

    def __init__(self, data_dir, extra=()):
        self.server = Server(data_dir, ["--clock", CLOCK, "--quiet", *extra])

    def start(self):
        self.launched = time.time()
        self.server.start()
        return self

    def now_ms(self):
        """An upper bound of the server's clock now."""
        return CLOCK_MS + int((time.time() - self.launched) * 1000) + 1

    def project(self):
        name = "p" + uuid.uuid4().hex[:12]
        return Project(self, self.server.key("*", project=name), name)


class Project:
    def __init__(self, env, key, name):
        self.env, self.key, self.name = env, key, name

    def now_ms(self):
        return self.env.now_ms()

    def post(self, events):
        r = self.env.server.post_events(self.key, events)
        assert r.status_code == 200, r.text
        assert r.json()["accepted"] == len(events), r.text

    def get(self, path, key=None, **params):
        return self.env.server.request("GET", path, key or self.key, params=params)

    def report(self, family, kind, **params):
        r = self.get(f"/api/backend/v1/{family}_report/{kind}", **params)
        assert r.status_code == 200, r.text
        body = r.json()
        rows = body[f"{family}_reports"]
        assert set(body) == ENVELOPE_KEYS | {f"{family}_reports"}, body
        for row in rows:
            assert set(row) == (USER_ROW_KEYS if family == "user" else ORG_ROW_KEYS), row
        return body, rows

    def user_report(self, kind, **params):
        return self.report("user", kind, **params)

    def org_report(self, kind, **params):
        return self.report("org", kind, **params)


def ids(rows, field=None):
    if not rows:
        return []
    field = field or ("user_id" if "user_id" in rows[0] else "org_id")
    return [r[field] for r in rows]


def extras(rows):
    return [r["extra_properties"] for r in rows]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    yield from started_env(Env, tmp_path_factory, "insights-reports")


@pytest.fixture
def proj(env):
    """A fresh project (its own events and report snapshots) on the shared server."""
    return env.project()


@pytest.fixture(scope="module")
def shared(env):
    """One project for the requests that only read (validation errors)."""
    return env.project()


# ======================================================================================================================
# top_inviter
# ======================================================================================================================

def test_top_inviter_counts_an_invite_just_inside_the_window_but_not_one_just_outside_or_after_now(proj):
    T = proj.now_ms()
    proj.post([org(1, T - 200 * DAY), user(1, T - 100 * DAY), user(2, T - 100 * DAY), user(3, T - 100 * DAY),
               invite(1, 1, T - 30 * DAY + EPS),  # inside [now-30d, now)
               invite(1, 2, T - 30 * DAY - EPS),  # before the window
               invite(1, 3, T + 60 * SEC)])       # after now
    body, rows = proj.user_report("top_inviter", report_interval="30")
    assert ids(rows) == [U(1)]
    assert extras(rows) == [{"num_invites": 1}]
    assert body["total_count"] == 1


def test_top_inviter_60_and_90_day_intervals_widen_the_window(proj):
    T = proj.now_ms()
    proj.post([org(1, T - 200 * DAY), user(1, T - 150 * DAY), user(2, T - 150 * DAY), user(3, T - 150 * DAY),
               invite(1, 1, T - 45 * DAY), invite(1, 2, T - 75 * DAY), invite(1, 3, T - 100 * DAY)])
    assert ids(proj.user_report("top_inviter", report_interval="30")[1]) == []
    assert ids(proj.user_report("top_inviter", report_interval="60")[1]) == [U(1)]
    assert ids(proj.user_report("top_inviter", report_interval="90")[1]) == [U(1), U(2)]


def test_top_inviter_orders_by_invites_desc_then_user_id_with_num_invites(proj):
    T = proj.now_ms()
    ev = [org(1, T - 200 * DAY), org(2, T - 200 * DAY)] + [user(n, T - 100 * DAY) for n in (1, 3, 4, 5)]
    ev += [invite(1, 5, T - 3 * DAY), invite(2, 5, T - 2 * DAY)]                       # u5: 2
    ev += [invite(1, 1, T - 9 * DAY)]                                                  # u1: 1
    ev += [invite(1, 3, T - 20 * DAY), invite(1, 3, T - 10 * DAY), invite(2, 3, T - DAY)]  # u3: 3
    ev += [invite(2, 4, T - 4 * DAY), invite(2, 4, T - 5 * DAY)]                       # u4: 2
    proj.post(ev)
    _, rows = proj.user_report("top_inviter")
    assert ids(rows) == [U(3), U(4), U(5), U(1)]
    assert extras(rows) == [{"num_invites": 3}, {"num_invites": 2}, {"num_invites": 2}, {"num_invites": 1}]


def test_top_inviter_counts_every_invite_sent_even_re_sent_accepted_or_revoked_ones(proj):
    T = proj.now_ms()
    proj.post([org(1, T - 200 * DAY), user(1, T - 100 * DAY),
               invite(1, 1, T - 6 * DAY, "a@example.com"), invite(1, 1, T - 5 * DAY, "a@example.com"),  # re-sent
               invite(1, 1, T - 4 * DAY, "b@example.com"),
               {"type": "invite.accepted", "org_id": O(1), "email": "b@example.com", "timestamp": iso(T - 3 * DAY)},
               invite(1, 1, T - 4 * DAY, "c@example.com"),
               {"type": "invite.revoked", "org_id": O(1), "email": "c@example.com", "timestamp": iso(T - 3 * DAY)}])
    _, rows = proj.user_report("top_inviter")
    assert ids(rows) == [U(1)]
    assert extras(rows) == [{"num_invites": 4}]


def test_top_inviter_counts_invites_without_an_inviter_for_nobody(proj):
    T = proj.now_ms()
    proj.post([org(1, T - 200 * DAY), user(1, T - 100 * DAY), invite(1, None, T - 2 * DAY),
               invite(1, None, T - 3 * DAY), invite(1, 1, T - 4 * DAY)])
    body, rows = proj.user_report("top_inviter")
    assert ids(rows) == [U(1)]
    assert extras(rows) == [{"num_invites": 1}]
    assert body["total_count"] == 1


def test_top_inviter_excludes_deactivated_and_deleted_users_but_not_reactivated_ones(proj):
    T = proj.now_ms()
    ev = [org(1, T - 200 * DAY)] + [user(n, T - 100 * DAY) for n in (1, 2, 3, 4)]
    ev += [invite(1, n, T - 5 * DAY) for n in (1, 2, 3, 4)]
    ev += [status("deactivated", 2, T - 2 * DAY),
           status("deleted", 3, T - 2 * DAY),
           status("deactivated", 4, T - 3 * DAY), status("reactivated", 4, T - 2 * DAY)]
    proj.post(ev)
    _, rows = proj.user_report("top_inviter")
    assert ids(rows) == [U(1), U(4)]


# ======================================================================================================================
# champion
# ======================================================================================================================

def test_champion_counts_activity_just_inside_the_window_but_not_just_outside(proj):
    T = proj.now_ms()
    proj.post([user(1, T - 100 * DAY), user(2, T - 100 * DAY),
               act(1, T - 30 * DAY + EPS), act(2, T - 30 * DAY - EPS)])
    body, rows = proj.user_report("champion", report_interval="30")
    assert ids(rows) == [U(1)]
    assert extras(rows) == [{"num_active_days": 1}]
    assert rows[0]["last_active_at"] == secs(T - 30 * DAY + EPS)


def test_champion_counts_distinct_utc_days_of_activity_or_usage_not_events(proj):
    T = proj.now_ms()  # about 12:00 UTC: T - k days + up to 3 h stays on the same UTC day
    proj.post([user(1, T - 100 * DAY),
               act(1, T - 5 * DAY), act(1, T - 5 * DAY + HOUR), act(1, T - 5 * DAY + 2 * HOUR),
               usage(1, T - 3 * DAY), usage(1, T - 3 * DAY + HOUR),
               act(1, T - 2 * DAY)])
    _, rows = proj.user_report("champion")
    assert ids(rows) == [U(1)]
    assert extras(rows) == [{"num_active_days": 3}]
    assert rows[0]["last_active_at"] == secs(T - 2 * DAY)


def test_champion_counts_a_day_straddling_the_window_start_once_and_a_day_wholly_before_it_not_at_all(proj):
    T = proj.now_ms()  # about 12:00 UTC, so T - 30 d +- 1 h lies on one UTC day
    proj.post([user(1, T - 100 * DAY), user(2, T - 100 * DAY),
               act(1, T - 30 * DAY - EPS), act(1, T - 30 * DAY + HOUR),
               act(2, T - 30 * DAY - HOUR), act(2, T - 30 * DAY - EPS)])
    _, rows = proj.user_report("champion")
    assert ids(rows) == [U(1)]
    assert extras(rows) == [{"num_active_days": 1}]


def test_champion_orders_by_active_days_then_last_active_at_desc_then_user_id(proj):
    T = proj.now_ms()
    ev = [user(n, T - 100 * DAY) for n in range(1, 6)]
    ev += [act(5, T - 10 * DAY), act(5, T - 9 * DAY), act(5, T - 8 * DAY)]  # 3 days
    ev += [act(1, T - 10 * DAY), act(1, T - 2 * HOUR - DAY)]               # 2 days, last T-1d-2h
    ev += [act(2, T - 10 * DAY), act(2, T - HOUR - DAY)]                   # 2 days, last T-1d-1h
    ev += [act(4, T - 4 * DAY)]                                            # 1 day, same last time as u3
    ev += [act(3, T - 4 * DAY)]
    proj.post(ev)
    _, rows = proj.user_report("champion")
    assert ids(rows) == [U(5), U(2), U(1), U(3), U(4)]
    assert extras(rows) == [{"num_active_days": k} for k in (3, 2, 2, 1, 1)]
    assert [r["last_active_at"] for r in rows] == [secs(T - 8 * DAY), secs(T - HOUR - DAY), secs(T - 2 * HOUR - DAY),
                                                  secs(T - 4 * DAY), secs(T - 4 * DAY)]


def test_champion_counts_days_right_for_thousands_of_users_active_on_the_same_days(proj):
    # 6,000 users: a day's users fill one block of the day bitmap densely (bitset containers), next to sparse days
    T = proj.now_ms()
    n = 6000
    ev = [user(k, T - 100 * DAY) for k in range(1, n + 1)]
    for k in range(1, n + 1):
        days = 1 + k % 4  # 1-4 days; the 1-day users active only on a sparse day
        ev += [act(k, T - (20 + d) * DAY + (k % 7) * HOUR) for d in range(days)]
    ev += [act(k, T - 29 * DAY) for k in range(1, n + 1, 500)]  # a sparse day: 12 users
    for i in range(0, len(ev), 5000):
        proj.post(ev[i:i + 5000])
    body, rows = proj.user_report("champion", page_size="1000", page_number="0")
    assert body["total_count"] == n
    want = {U(k): 1 + k % 4 + (1 if (k - 1) % 500 == 0 else 0) for k in range(1, n + 1)}
    got = {}
    page = 0
    while True:
        for r in rows:
            got[r["user_id"]] = r["extra_properties"]["num_active_days"]
        if not body["has_more_results"]:
            break
        page += 1
        body, rows = proj.user_report("champion", page_size="1000", page_number=str(page))
    assert got == want


def test_champion_60_and_90_day_intervals_widen_the_window(proj):
    T = proj.now_ms()
    proj.post([user(1, T - 150 * DAY), user(2, T - 150 * DAY), user(3, T - 150 * DAY),
               act(1, T - 45 * DAY), act(1, T - 10 * DAY), act(2, T - 75 * DAY), act(3, T - 100 * DAY)])
    assert ids(proj.user_report("champion", report_interval="30")[1]) == [U(1)]
    _, rows = proj.user_report("champion", report_interval="60")
    assert ids(rows) == [U(1)] and extras(rows) == [{"num_active_days": 2}]
    _, rows = proj.user_report("champion", report_interval="90")
    assert ids(rows) == [U(1), U(2)] and extras(rows) == [{"num_active_days": 2}, {"num_active_days": 1}]


# ======================================================================================================================
# user reengagement
# ======================================================================================================================

def test_user_reengagement_weekly_needs_recent_activity_a_quiet_week_before_and_older_activity(proj):
    T = proj.now_ms()
    ev = [user(n, T - 100 * DAY) for n in range(1, 7)]
    ev += [act(1, T - 20 * DAY), act(1, T - DAY)]                        # in
    ev += [act(2, T - 20 * DAY), act(2, T - 10 * DAY), act(2, T - DAY)]  # active in the previous week: out
    ev += [act(3, T - DAY)]                                              # nothing before now-14d: out
    ev += [act(4, T - 20 * DAY)]                                         # not active recently: out
    ev += [act(5, T - 30 * DAY), act(5, T - 3 * DAY)]                    # in
    ev += [act(6, T - 40 * DAY), act(6, T - DAY)]                        # in, same last time as u1
    proj.post(ev)
    _, rows = proj.user_report("reengagement", report_interval="Weekly")
    assert ids(rows) == [U(1), U(6), U(5)]
    assert extras(rows) == [{}, {}, {}]
    assert [r["last_active_at"] for r in rows] == [secs(T - DAY), secs(T - DAY), secs(T - 3 * DAY)]


def test_user_reengagement_weekly_windows_at_their_boundaries(proj):
    T = proj.now_ms()
    ev = [user(n, T - 100 * DAY) for n in range(1, 5)]
    ev += [act(1, T - 20 * DAY), act(1, T - 7 * DAY + EPS)]                      # recent, just: in
    ev += [act(2, T - 20 * DAY), act(2, T - 7 * DAY - EPS), act(2, T - DAY)]     # previous week, just: out
    ev += [act(3, T - 20 * DAY), act(3, T - 14 * DAY + EPS), act(3, T - DAY)]    # previous week, just: out
    ev += [act(4, T - 14 * DAY - EPS), act(4, T - DAY)]                          # older, just: in
    proj.post(ev)
    _, rows = proj.user_report("reengagement", report_interval="Weekly")
    assert ids(rows) == [U(4), U(1)]


def test_user_reengagement_monthly_uses_30_day_periods(proj):
    T = proj.now_ms()
    ev = [user(n, T - 200 * DAY) for n in range(1, 5)]
    ev += [act(1, T - 70 * DAY), act(1, T - DAY)]                      # in
    ev += [act(2, T - 40 * DAY), act(2, T - DAY)]                      # active in [now-60d, now-30d): out
    ev += [act(3, T - 61 * DAY), act(3, T - 29 * DAY)]                 # in
    ev += [act(4, T - 59 * DAY), act(4, T - 2 * DAY)]                  # out (previous period)
    proj.post(ev)
    _, rows = proj.user_report("reengagement", report_interval="Monthly")
    assert ids(rows) == [U(1), U(3)]


# ======================================================================================================================
# user churn
# ======================================================================================================================

def test_user_churn_includes_activity_just_before_the_window_but_not_just_inside_nor_never_active(proj):
    T = proj.now_ms()
    proj.post([user(1, T - 100 * DAY), user(2, T - 100 * DAY), user(3, T - 100 * DAY),
               act(1, T - 7 * DAY - EPS), act(2, T - 7 * DAY + EPS)])
    body, rows = proj.user_report("churn", report_interval="7")
    assert ids(rows) == [U(1)]
    assert extras(rows) == [{}]
    assert body["total_count"] == 1


def test_user_churn_orders_by_last_active_desc_then_user_id_for_each_interval(proj):
    T = proj.now_ms()
    proj.post([user(n, T - 100 * DAY) for n in range(1, 6)] +
              [act(1, T - 50 * DAY), act(1, T - 8 * DAY), act(3, T - 20 * DAY), act(2, T - 20 * DAY),
               act(4, T - 40 * DAY), act(5, T - DAY)])
    assert ids(proj.user_report("churn", report_interval="7")[1]) == [U(1), U(2), U(3), U(4)]
    assert ids(proj.user_report("churn", report_interval="14")[1]) == [U(2), U(3), U(4)]
    _, rows = proj.user_report("churn", report_interval="30")
    assert ids(rows) == [U(4)]
    assert rows[0]["last_active_at"] == secs(T - 40 * DAY)


def test_deactivated_and_deleted_users_appear_in_no_user_report(proj):
    T = proj.now_ms()
    ev = [org(1, T - 200 * DAY)] + [user(n, T - 100 * DAY) for n in range(1, 7)]
    # u1, u2 (deactivated), u3 (deleted): an inviter, a champion and reengaged
    for n in (1, 2, 3):
        ev += [invite(1, n, T - 3 * DAY), act(n, T - 20 * DAY), act(n, T - DAY)]
    # u4, u5 (deactivated), u6 (deleted): churned
    for n in (4, 5, 6):
        ev += [act(n, T - 10 * DAY)]
    ev += [status("deactivated", 2, T - HOUR), status("deleted", 3, T - HOUR),
           status("deactivated", 5, T - HOUR), status("deleted", 6, T - HOUR)]
    proj.post(ev)
    assert ids(proj.user_report("top_inviter")[1]) == [U(1)]
    assert ids(proj.user_report("champion")[1]) == [U(1), U(4)]
    assert ids(proj.user_report("reengagement")[1]) == [U(1)]
    assert ids(proj.user_report("churn")[1]) == [U(4)]


# ======================================================================================================================
# user rows
# ======================================================================================================================

def test_a_user_row_carries_its_fields_and_org_data_sorted_by_org_id(proj):
    T = proj.now_ms()
    created = T - 100 * DAY
    proj.post([org(2, T - 200 * DAY, "Beta"), org(1, T - 200 * DAY, "Alpha"), org(3, T - 200 * DAY, "Gamma"),
               user(1, created, username="jdoe", first_name="John", last_name="Doe", email="John@AcmeInc.com"),
               add(2, 1, T - 90 * DAY, "Admin"), add(1, 1, T - 90 * DAY, "Owner"),
               add(3, 1, T - 90 * DAY), remove(3, 1, T - 50 * DAY),             # no longer a member of Gamma
               {"type": "member.role_changed", "org_id": O(2), "user_id": U(1), "role": "Member",
                "timestamp": iso(T - 20 * DAY)},
               act(1, T - 3 * DAY)])
    _, rows = proj.user_report("champion")
    assert len(rows) == 1
    row = rows[0]
    assert row["user_id"] == U(1)
    assert row["user_created_at"] == secs(created)
    assert row["username"] == "jdoe" and row["first_name"] == "John" and row["last_name"] == "Doe"
    assert row["email"] == "John@AcmeInc.com"
    assert row["last_active_at"] == secs(T - 3 * DAY)
    assert row["org_data"] == [{"display_name": "Alpha", "org_id": O(1), "user_role": "Owner"},
                               {"display_name": "Beta", "org_id": O(2), "user_role": "Member"}]
    assert row["extra_properties"] == {"num_active_days": 1}


def test_a_user_row_has_null_names_empty_org_data_and_last_active_at_of_its_creation_when_never_active(proj):
    T = proj.now_ms()
    created = T - 100 * DAY
    proj.post([org(1, T - 200 * DAY), user(1, created), invite(1, 1, T - 2 * DAY)])
    _, rows = proj.user_report("top_inviter")
    assert len(rows) == 1
    row = rows[0]
    assert row["username"] is None and row["first_name"] is None and row["last_name"] is None
    assert row["email"] == "user1@example.com"
    assert row["org_data"] == []
    assert row["user_created_at"] == secs(created)
    assert row["last_active_at"] == secs(created)


def test_user_created_at_is_the_user_created_time_else_the_first_event_naming_the_user(proj):
    T = proj.now_ms()
    proj.post([act(1, T - 20 * DAY), act(1, T - 5 * DAY),                        # u1: never created
               act(2, T - 20 * DAY), user(2, T - 10 * DAY), act(2, T - 4 * DAY)])  # u2: created after its activity
    _, rows = proj.user_report("champion")
    assert ids(rows) == [U(2), U(1)]
    assert [r["user_created_at"] for r in rows] == [secs(T - 10 * DAY), secs(T - 20 * DAY)]


def test_every_row_of_a_snapshot_shares_its_report_id_and_has_its_own_stable_uuid(proj):
    T = proj.now_ms()
    proj.post([user(n, T - 100 * DAY) for n in range(1, 5)] + [act(n, T - n * DAY) for n in range(1, 5)])
    _, rows = proj.user_report("champion")
    assert len(rows) == 4
    assert len({r["report_id"] for r in rows}) == 1
    assert UUID_RE.match(rows[0]["report_id"])
    assert all(UUID_RE.match(r["id"]) for r in rows)
    assert len({r["id"] for r in rows}) == 4
    _, again = proj.user_report("champion")
    assert [(r["id"], r["report_id"]) for r in again] == [(r["id"], r["report_id"]) for r in rows]


# ======================================================================================================================
# org reengagement
# ======================================================================================================================

def test_org_reengagement_weekly_counts_member_activity_and_org_named_activity(proj):
    T = proj.now_ms()
    ev = [org(n, T - 60 * DAY) for n in range(1, 6)] + [user(n, T - 60 * DAY) for n in range(1, 7)]
    ev += [add(1, 1, T - 50 * DAY), act(1, T - 20 * DAY), act(1, T - DAY)]          # o1 via its member: in
    ev += [act(2, T - 25 * DAY, org_id=2), act(2, T - 2 * DAY, org_id=2)]          # o2 named by a non-member: in
    ev += [act(3, T - 20 * DAY), add(3, 3, T - 10 * DAY), act(3, T - 3 * DAY)]      # o3: older activity predates
    #                                                                                 the membership: out
    ev += [add(4, 4, T - 50 * DAY), act(4, T - 20 * DAY), act(4, T - 10 * DAY), act(4, T - DAY)]  # o4: out
    ev += [add(5, 5, T - 50 * DAY), add(5, 6, T - 50 * DAY), act(5, T - 20 * DAY),
           act(6, T - 2 * DAY)]                                                     # o5 via two members: in
    proj.post(ev)
    _, rows = proj.org_report("reengagement", report_interval="Weekly")
    assert ids(rows) == [O(1), O(2), O(5)]
    assert extras(rows) == [{}, {}, {}]
    assert [r["num_users"] for r in rows] == [1, 0, 2]


def test_org_reengagement_weekly_windows_at_their_boundaries(proj):
    T = proj.now_ms()
    ev = [org(n, T - 60 * DAY) for n in range(1, 5)] + [user(n, T - 60 * DAY) for n in range(1, 5)]
    ev += [add(n, n, T - 50 * DAY) for n in range(1, 5)]
    ev += [act(1, T - 20 * DAY), act(1, T - 7 * DAY + EPS)]                    # in
    ev += [act(2, T - 20 * DAY), act(2, T - 7 * DAY - EPS), act(2, T - DAY)]   # out
    ev += [act(3, T - 20 * DAY), act(3, T - 14 * DAY + EPS), act(3, T - DAY)]  # out
    ev += [act(4, T - 14 * DAY - EPS), act(4, T - DAY)]                        # in
    proj.post(ev)
    _, rows = proj.org_report("reengagement")
    assert ids(rows) == [O(4), O(1)]


def test_org_reengagement_counts_a_former_members_activity_while_a_member_as_older_activity(proj):
    T = proj.now_ms()
    proj.post([org(1, T - 100 * DAY), user(1, T - 100 * DAY), user(2, T - 100 * DAY),
               add(1, 1, T - 50 * DAY), act(1, T - 40 * DAY), remove(1, 1, T - 30 * DAY),
               act(1, T - 10 * DAY),                       # after leaving: not the org's (else the org would be out)
               add(1, 2, T - 5 * DAY), act(2, T - 2 * DAY)])
    _, rows = proj.org_report("reengagement")
    assert ids(rows) == [O(1)]
    assert rows[0]["num_users"] == 1


def test_org_reengagement_monthly_uses_30_day_periods(proj):
    T = proj.now_ms()
    ev = [org(n, T - 200 * DAY) for n in (1, 2)] + [user(n, T - 200 * DAY) for n in (1, 2)]
    ev += [add(1, 1, T - 150 * DAY), act(1, T - 70 * DAY), act(1, T - DAY)]   # in
    ev += [add(2, 2, T - 150 * DAY), act(2, T - 40 * DAY), act(2, T - DAY)]   # previous period active: out
    proj.post(ev)
    _, rows = proj.org_report("reengagement", report_interval="Monthly")
    assert ids(rows) == [O(1)]


# ======================================================================================================================
# org churn
# ======================================================================================================================

def test_org_churn_lists_orgs_with_members_whose_activity_ended_before_the_window_latest_first(proj):
    T = proj.now_ms()
    ev = [org(n, T - 60 * DAY) for n in range(1, 8)] + [user(n, T - 60 * DAY) for n in range(1, 10)]
    ev += [add(1, 1, T - 50 * DAY), act(1, T - 7 * DAY - EPS)]                       # o1: just churned: in
    ev += [add(2, 2, T - 50 * DAY), act(2, T - 7 * DAY + EPS)]                       # o2: just active: out
    ev += [add(3, 3, T - 50 * DAY), act(3, T - 20 * DAY), remove(3, 3, T - 15 * DAY)]  # o3: no members: out
    ev += [add(4, 4, T - 50 * DAY)]                                                  # o4: never active: out
    ev += [add(5, 5, T - 50 * DAY), act(5, T - 10 * DAY), org_deleted(5, T - 5 * DAY)]  # o5: deleted: out
    ev += [add(6, 6, T - 50 * DAY), add(6, 7, T - 50 * DAY), act(6, T - 10 * DAY)]   # o6: in, 2 members
    ev += [add(7, 9, T - 50 * DAY), act(8, T - 12 * DAY, org_id=7)]                  # o7: named by a non-member: in
    proj.post(ev)
    _, rows = proj.org_report("churn", report_interval="7")
    assert ids(rows) == [O(1), O(6), O(7)]
    assert [r["num_users"] for r in rows] == [1, 2, 1]
    assert [r["name"] for r in rows] == ["Org 1", "Org 6", "Org 7"]
    assert [r["org_created_at"] for r in rows] == [secs(T - 60 * DAY)] * 3
    assert extras(rows) == [{}, {}, {}]


def test_org_churn_ignores_deleted_members_and_former_members_activity_after_leaving(proj):
    T = proj.now_ms()
    ev = [org(1, T - 60 * DAY), org(2, T - 60 * DAY)] + [user(n, T - 60 * DAY) for n in range(1, 5)]
    # o1: u1 active recently but deleted; u2 last active 10 days ago
    ev += [add(1, 1, T - 50 * DAY), add(1, 2, T - 50 * DAY), act(1, T - DAY), act(2, T - 10 * DAY),
           status("deleted", 1, T - HOUR)]
    # o2: u3 active while a member 30 days ago, left 20 days ago, active since; u4 a member never active
    ev += [add(2, 3, T - 50 * DAY), act(3, T - 30 * DAY), remove(2, 3, T - 20 * DAY), act(3, T - DAY),
           add(2, 4, T - 50 * DAY)]
    proj.post(ev)
    _, rows = proj.org_report("churn")
    assert ids(rows) == [O(1), O(2)]
    assert [r["num_users"] for r in rows] == [1, 1]


def test_org_churn_needs_a_current_member_who_is_not_deleted(proj):
    T = proj.now_ms()
    proj.post([org(1, T - 100 * DAY), org(2, T - 100 * DAY)] + [user(n, T - 100 * DAY) for n in (1, 2, 3)] +
              [add(1, 1, T - 50 * DAY), act(3, T - 10 * DAY, org_id=1), status("deleted", 1, T - HOUR),
               add(2, 2, T - 50 * DAY), act(3, T - 10 * DAY, org_id=2)])
    _, rows = proj.org_report("churn")
    assert ids(rows) == [O(2)]
    assert rows[0]["num_users"] == 1


def test_org_activity_counts_a_members_activity_after_many_re_joins(proj):
    T = proj.now_ms()
    ev = [org(1, T - 300 * DAY), user(1, T - 300 * DAY), act(1, T - 250 * DAY, org_id=1)]
    for k in range(70):  # 70 short memberships, 200..130 days ago
        ev += [add(1, 1, T - (200 - k) * DAY), remove(1, 1, T - (200 - k) * DAY + HOUR)]
    ev += [add(1, 1, T - 50 * DAY), act(1, T - DAY)]  # a member again, active yesterday
    proj.post(ev)
    assert ids(proj.org_report("churn")[1]) == []
    _, rows = proj.org_report("churn", report_interval="30")
    assert ids(rows) == []


def test_org_churn_14_and_30_day_intervals_narrow_the_list(proj):
    T = proj.now_ms()
    ev = [org(n, T - 60 * DAY) for n in (1, 2, 3)] + [user(n, T - 60 * DAY) for n in (1, 2, 3)]
    ev += [add(n, n, T - 50 * DAY) for n in (1, 2, 3)]
    ev += [act(1, T - 10 * DAY), act(2, T - 20 * DAY), act(3, T - 40 * DAY)]
    proj.post(ev)
    assert ids(proj.org_report("churn", report_interval="7")[1]) == [O(1), O(2), O(3)]
    assert ids(proj.org_report("churn", report_interval="14")[1]) == [O(2), O(3)]
    assert ids(proj.org_report("churn", report_interval="30")[1]) == [O(3)]


# ======================================================================================================================
# org growth and attrition
# ======================================================================================================================

def test_org_growth_counts_a_member_added_just_inside_the_window_but_not_just_outside(proj):
    T = proj.now_ms()
    proj.post([org(1, T - 60 * DAY), org(2, T - 60 * DAY), user(1, T - 60 * DAY), user(2, T - 60 * DAY),
               add(1, 1, T - 30 * DAY + EPS), add(2, 2, T - 30 * DAY - EPS)])
    _, rows = proj.org_report("growth", report_interval="30")
    assert ids(rows) == [O(1)]
    assert extras(rows) == [{"num_users_added": 1, "num_users_removed": 0}]
    assert rows[0]["num_users"] == 1


def test_org_attrition_counts_a_removal_just_inside_the_window_but_not_just_outside(proj):
    T = proj.now_ms()
    proj.post([org(1, T - 60 * DAY), org(2, T - 60 * DAY), user(1, T - 60 * DAY), user(2, T - 60 * DAY),
               add(1, 1, T - 40 * DAY), remove(1, 1, T - 30 * DAY + EPS),
               add(2, 2, T - 40 * DAY), remove(2, 2, T - 30 * DAY - EPS)])
    _, rows = proj.org_report("attrition", report_interval="30")
    assert ids(rows) == [O(1)]
    assert extras(rows) == [{"num_users_added": 0, "num_users_removed": 1, "net_users_change": -1}]
    assert rows[0]["num_users"] == 0


def test_a_member_removed_then_re_added_counts_two_starts_one_end_and_one_current_membership(proj):
    T = proj.now_ms()
    proj.post([org(3, T - 60 * DAY, "Gamma")] + [user(n, T - 60 * DAY) for n in (4, 5, 6)] +
              [add(3, 4, T - 10 * DAY), remove(3, 4, T - 8 * DAY), add(3, 4, T - 3 * DAY, "Admin"),
               add(3, 5, T - 5 * DAY), add(3, 5, T - 4 * DAY, "Owner"),  # an add while a member is no new start
               remove(3, 6, T - 2 * DAY),                                 # a remove of a non-member is no end
               act(4, T - DAY)])
    _, rows = proj.org_report("growth")
    assert ids(rows) == [O(3)]
    assert extras(rows) == [{"num_users_added": 3, "num_users_removed": 1}]
    assert rows[0]["num_users"] == 2
    _, rows = proj.org_report("attrition")
    assert ids(rows) == [O(3)]
    assert extras(rows) == [{"num_users_added": 3, "num_users_removed": 1, "net_users_change": 2}]
    _, rows = proj.user_report("champion")
    assert ids(rows) == [U(4)]
    assert rows[0]["org_data"] == [{"display_name": "Gamma", "org_id": O(3), "user_role": "Admin"}]


def test_org_growth_orders_by_net_desc_then_added_desc_then_org_id_and_drops_net_zero_or_less(proj):
    T = proj.now_ms()
    ev = [org(n, T - 100 * DAY) for n in range(1, 7)] + [user(n, T - 100 * DAY) for n in range(1, 20)]
    ev += [add(1, 1, T - 5 * DAY), add(1, 2, T - 5 * DAY)]                                  # o1: +2 -0
    ev += [add(2, 3, T - 5 * DAY), add(2, 4, T - 5 * DAY), add(2, 5, T - 5 * DAY),
           add(2, 6, T - 40 * DAY), remove(2, 6, T - 5 * DAY)]                               # o2: +3 -1
    ev += [add(4, 7, T - 5 * DAY)]                                                          # o4: +1 -0
    ev += [add(3, 8, T - 5 * DAY)]                                                          # o3: +1 -0
    ev += [add(5, 9, T - 6 * DAY), add(5, 10, T - 40 * DAY), remove(5, 10, T - 5 * DAY)]     # o5: +1 -1
    ev += [add(6, 11, T - 40 * DAY), remove(6, 11, T - 5 * DAY)]                            # o6: +0 -1
    proj.post(ev)
    _, rows = proj.org_report("growth")
    assert ids(rows) == [O(2), O(1), O(3), O(4)]
    assert extras(rows) == [{"num_users_added": 3, "num_users_removed": 1},
                            {"num_users_added": 2, "num_users_removed": 0},
                            {"num_users_added": 1, "num_users_removed": 0},
                            {"num_users_added": 1, "num_users_removed": 0}]
    assert [r["num_users"] for r in rows] == [3, 2, 1, 1]


def test_org_attrition_orders_by_removed_desc_then_net_asc_then_org_id(proj):
    T = proj.now_ms()
    ev = [org(n, T - 100 * DAY) for n in range(1, 7)] + [user(n, T - 100 * DAY) for n in range(1, 20)]
    old = T - 40 * DAY
    ev += [add(1, 1, old), add(1, 2, old), remove(1, 1, T - 5 * DAY), remove(1, 2, T - 4 * DAY)]     # o1: +0 -2
    ev += [add(2, 3, old), add(2, 4, old), remove(2, 3, T - 5 * DAY), remove(2, 4, T - 5 * DAY),
           add(2, 5, T - 3 * DAY), add(2, 6, T - 3 * DAY), add(2, 7, T - 3 * DAY)]                    # o2: +3 -2
    ev += [add(4, 8, old), remove(4, 8, T - 5 * DAY)]                                               # o4: +0 -1
    ev += [add(3, 9, old), remove(3, 9, T - 5 * DAY)]                                               # o3: +0 -1
    ev += [add(5, 10, old), remove(5, 10, T - 5 * DAY), add(5, 11, T - 2 * DAY), add(5, 12, T - 2 * DAY)]  # +2 -1
    ev += [add(6, 13, T - 5 * DAY)]                                                                 # o6: +1 -0
    proj.post(ev)
    _, rows = proj.org_report("attrition")
    assert ids(rows) == [O(1), O(2), O(3), O(4), O(5)]
    assert extras(rows) == [{"num_users_added": 0, "num_users_removed": 2, "net_users_change": -2},
                            {"num_users_added": 3, "num_users_removed": 2, "net_users_change": 1},
                            {"num_users_added": 0, "num_users_removed": 1, "net_users_change": -1},
                            {"num_users_added": 0, "num_users_removed": 1, "net_users_change": -1},
                            {"num_users_added": 2, "num_users_removed": 1, "net_users_change": 1}]
    assert [r["num_users"] for r in rows] == [0, 3, 0, 0, 2]


def test_deleted_users_do_not_count_for_orgs_and_deleted_orgs_are_in_no_org_report(proj):
    T = proj.now_ms()
    ev = [org(n, T - 100 * DAY) for n in range(1, 5)] + [user(n, T - 100 * DAY) for n in range(1, 7)]
    ev += [add(1, 1, T - 5 * DAY), add(1, 2, T - 5 * DAY)]                 # o1: u2 deleted later: +1
    ev += [add(2, 3, T - 40 * DAY), act(3, T - 20 * DAY), act(3, T - DAY),
           add(2, 6, T - 5 * DAY)]                                        # o2: deleted org (would grow, reengage)
    ev += [add(3, 4, T - 5 * DAY)]                                        # o3: its only added member is deleted
    ev += [add(4, 5, T - 40 * DAY), remove(4, 5, T - 5 * DAY)]             # o4: the removed member is deleted
    ev += [status("deleted", 2, T - HOUR), status("deleted", 4, T - HOUR), status("deleted", 5, T - HOUR),
           org_deleted(2, T - HOUR)]
    proj.post(ev)
    _, rows = proj.org_report("growth")
    assert ids(rows) == [O(1)]
    assert extras(rows) == [{"num_users_added": 1, "num_users_removed": 0}]
    assert rows[0]["num_users"] == 1
    assert ids(proj.org_report("attrition")[1]) == []
    assert ids(proj.org_report("reengagement")[1]) == []
    assert ids(proj.user_report("reengagement")[1]) == [U(3)]


def test_org_growth_and_attrition_do_not_depend_on_the_order_membership_events_arrive(proj):
    T = proj.now_ms()
    proj.post([remove(1, 2, T - 4 * DAY), add(1, 1, T - 3 * DAY, "Admin")])
    proj.post([org(1, T - 100 * DAY, "Acme"), user(1, T - 100 * DAY), user(2, T - 100 * DAY),
               remove(1, 1, T - 6 * DAY), add(1, 1, T - 9 * DAY), add(1, 2, T - 40 * DAY), add(1, 3, T - 2 * DAY)])
    # u1: +1 (T-9d) -1 (T-6d) +1 (T-3d); u2: -1 (T-4d); u3: +1 (T-2d)
    _, rows = proj.org_report("growth")
    assert ids(rows) == [O(1)]
    assert extras(rows) == [{"num_users_added": 3, "num_users_removed": 2}]
    assert rows[0]["num_users"] == 2 and rows[0]["name"] == "Acme"
    _, rows = proj.org_report("attrition")
    assert extras(rows) == [{"num_users_added": 3, "num_users_removed": 2, "net_users_change": 1}]


def test_an_org_known_only_from_a_member_event_dates_from_that_event(proj):
    T = proj.now_ms()
    proj.post([user(1, T - 100 * DAY), add(1, 1, T - 5 * DAY)])
    _, rows = proj.org_report("growth")
    assert ids(rows) == [O(1)]
    assert rows[0]["org_created_at"] == secs(T - 5 * DAY)
    assert isinstance(rows[0]["name"], str)


def test_org_growth_and_attrition_60_and_90_day_intervals_widen_the_window(proj):
    T = proj.now_ms()
    ev = [org(n, T - 200 * DAY) for n in (1, 2, 3, 4)] + [user(n, T - 200 * DAY) for n in (1, 2, 3, 4)]
    ev += [add(1, 1, T - 150 * DAY), remove(1, 1, T - 45 * DAY), add(2, 2, T - 75 * DAY), add(3, 3, T - 100 * DAY),
           add(4, 4, T - 50 * DAY)]
    proj.post(ev)
    assert ids(proj.org_report("growth", report_interval="30")[1]) == []
    assert ids(proj.org_report("growth", report_interval="60")[1]) == [O(4)]
    assert ids(proj.org_report("growth", report_interval="90")[1]) == [O(2), O(4)]
    assert ids(proj.org_report("attrition", report_interval="30")[1]) == []
    assert ids(proj.org_report("attrition", report_interval="60")[1]) == [O(1)]
    assert ids(proj.org_report("attrition", report_interval="90")[1]) == [O(1)]


# ======================================================================================================================
# envelope, paging, defaults
# ======================================================================================================================

def seven_champions(proj):
    """u1..u7 active on 7..1 distinct days: champion order u1..u7."""
    T = proj.now_ms()
    ev = [user(n, T - 100 * DAY) for n in range(1, 8)]
    for n in range(1, 8):
        ev += [act(n, T - d * DAY) for d in range(1, 9 - n)]
    proj.post(ev)
    return T


def test_the_envelope_echoes_page_and_size_and_carries_total_count_and_report_time(proj):
    seven_champions(proj)
    before = proj.now_ms()
    body, rows = proj.user_report("champion", page_size="3", page_number="1")
    after = proj.now_ms()
    assert body["current_page"] == 1 and body["page_size"] == 3 and body["total_count"] == 7
    assert body["has_more_results"] is True
    assert ids(rows) == [U(4), U(5), U(6)]
    assert isinstance(body["report_time"], int)
    assert before // 1000 - 2 - EPS // SEC <= body["report_time"] <= after // 1000 + 1  # the server clock lags now_ms
    assert all(r["report_id"] == rows[0]["report_id"] for r in rows)


def test_pages_split_the_report_with_has_more_results_and_a_last_partial_page(proj):
    seven_champions(proj)
    full = ids(proj.user_report("champion", page_size="100")[1])
    assert full == [U(n) for n in range(1, 8)]
    seen, report_ids = [], set()
    for page, more in [(0, True), (1, True), (2, True), (3, False)]:
        body, rows = proj.user_report("champion", page_size="2", page_number=str(page))
        assert body["has_more_results"] is more, (page, body)
        assert body["total_count"] == 7
        seen += ids(rows)
        report_ids |= {r["report_id"] for r in rows}
    assert seen == full
    assert len(report_ids) == 1
    assert len(proj.user_report("champion", page_size="2", page_number="3")[1]) == 1


def test_has_more_results_is_false_when_the_page_ends_exactly_at_the_total(proj):
    seven_champions(proj)
    body, rows = proj.user_report("champion", page_size="7")
    assert len(rows) == 7 and body["has_more_results"] is False
    body, rows = proj.user_report("champion", page_size="6")
    assert len(rows) == 6 and body["has_more_results"] is True


def test_a_page_past_the_end_is_empty_with_the_total_count_intact(proj):
    seven_champions(proj)
    body, rows = proj.user_report("champion", page_size="3", page_number="5")
    assert rows == []
    assert body["total_count"] == 7 and body["current_page"] == 5 and body["page_size"] == 3
    assert body["has_more_results"] is False


def test_a_page_number_far_past_the_end_is_an_empty_page_not_an_error(proj):
    seven_champions(proj)
    r = proj.get("/api/backend/v1/user_report/champion", page_number="2147483647", page_size="1000")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["user_reports"] == [] and body["total_count"] == 7 and body["has_more_results"] is False
    assert body["current_page"] == 2147483647


def test_page_size_defaults_to_10_and_page_number_to_0(proj):
    T = proj.now_ms()
    proj.post([user(n, T - 100 * DAY) for n in range(1, 13)] + [act(n, T - n * HOUR) for n in range(1, 13)])
    body, rows = proj.user_report("champion")
    assert body["page_size"] == 10 and body["current_page"] == 0 and body["total_count"] == 12
    assert body["has_more_results"] is True
    assert ids(rows) == [U(n) for n in range(1, 11)]


def test_page_size_1_and_1000_are_accepted(proj):
    seven_champions(proj)
    body, rows = proj.user_report("champion", page_size="1")
    assert ids(rows) == [U(1)] and body["has_more_results"] is True
    body, rows = proj.user_report("champion", page_size="1000")
    assert len(rows) == 7 and body["page_size"] == 1000 and body["has_more_results"] is False


def test_a_report_of_a_project_without_events_is_empty(proj):
    for kind in USER_REPORTS:
        body, rows = proj.user_report(kind)
        assert rows == [] and body["total_count"] == 0 and body["has_more_results"] is False
    for kind in ORG_REPORTS:
        body, rows = proj.org_report(kind)
        assert rows == [] and body["total_count"] == 0 and body["has_more_results"] is False


# The default interval of each report: the same snapshot as the explicit default, and different rows from another
# interval. Each case: (family, kind, default, other, events(T), rows under the default, rows under the other).
DEFAULT_CASES = [
    ("user", "top_inviter", "30", "60",
     lambda T: [org(1, T - 200 * DAY), user(1, T - 100 * DAY), invite(1, 1, T - 45 * DAY)], [], [U(1)]),
    ("user", "champion", "30", "60",
     lambda T: [user(1, T - 100 * DAY), act(1, T - 45 * DAY)], [], [U(1)]),
    ("user", "reengagement", "Weekly", "Monthly",
     lambda T: [user(1, T - 100 * DAY), act(1, T - 20 * DAY), act(1, T - DAY)], [U(1)], []),
    ("user", "churn", "7", "14",
     lambda T: [user(1, T - 100 * DAY), act(1, T - 10 * DAY)], [U(1)], []),
    ("org", "reengagement", "Weekly", "Monthly",
     lambda T: [org(1, T - 100 * DAY), user(1, T - 100 * DAY), add(1, 1, T - 90 * DAY), act(1, T - 20 * DAY),
                act(1, T - DAY)], [O(1)], []),
    ("org", "churn", "7", "14",
     lambda T: [org(1, T - 100 * DAY), user(1, T - 100 * DAY), add(1, 1, T - 90 * DAY), act(1, T - 10 * DAY)],
     [O(1)], []),
    ("org", "growth", "30", "60",
     lambda T: [org(1, T - 100 * DAY), user(1, T - 100 * DAY), add(1, 1, T - 45 * DAY)], [], [O(1)]),
    ("org", "attrition", "30", "60",
     lambda T: [org(1, T - 100 * DAY), user(1, T - 100 * DAY), add(1, 1, T - 90 * DAY), remove(1, 1, T - 45 * DAY)],
     [], [O(1)]),
]


@pytest.mark.parametrize("family,kind,default,other,events,expect_default,expect_other", DEFAULT_CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in DEFAULT_CASES])
def test_report_interval_defaults_to_30_7_or_weekly_per_report(proj, family, kind, default, other, events,
                                                              expect_default, expect_other):
    proj.post(events(proj.now_ms()))
    body, rows = proj.report(family, kind)
    assert ids(rows) == expect_default
    assert ids(proj.report(family, kind, report_interval=other)[1]) == expect_other
    explicit, explicit_rows = proj.report(family, kind, report_interval=default)
    assert ids(explicit_rows) == expect_default
    assert explicit["report_time"] == body["report_time"]
    if rows:
        assert explicit_rows[0]["report_id"] == rows[0]["report_id"]


# ======================================================================================================================
# snapshots
# ======================================================================================================================

def test_pages_of_a_report_keep_their_report_id_and_rows_while_new_events_arrive(proj):
    T = seven_champions(proj)
    first, rows0 = proj.user_report("champion", page_size="3", page_number="0")
    # new facts that would change the answer: a new top champion, u7 now as active as anybody, u1 deleted
    ev = [user(9, T - 100 * DAY)] + [act(9, T - d * DAY) for d in range(1, 20)]
    ev += [act(7, T - d * DAY - HOUR) for d in range(2, 15)] + [status("deleted", 1, T - HOUR)]
    proj.post(ev)
    second, rows1 = proj.user_report("champion", page_size="3", page_number="1")
    third, rows2 = proj.user_report("champion", page_size="3", page_number="2")
    again, rows0_again = proj.user_report("champion", page_size="3", page_number="0")
    assert ids(rows0) == [U(1), U(2), U(3)]
    assert ids(rows1) == [U(4), U(5), U(6)]
    assert ids(rows2) == [U(7)]
    assert extras(rows2) == [{"num_active_days": 1}]
    assert rows0_again == rows0
    assert {r["report_id"] for r in rows0 + rows1 + rows2} == {rows0[0]["report_id"]}
    assert {b["report_time"] for b in (first, second, third, again)} == {first["report_time"]}
    assert {b["total_count"] for b in (first, second, third, again)} == {7}


def test_a_kept_page_is_reused_only_for_the_same_page_number_and_size(proj):
    seven_champions(proj)
    a, rows_a = proj.user_report("champion", page_size="3", page_number="0")
    b, rows_b = proj.user_report("champion", page_size="2", page_number="0")
    c, rows_c = proj.user_report("champion", page_size="3", page_number="1")
    a2, rows_a2 = proj.user_report("champion", page_size="3", page_number="0")
    assert ids(rows_a) == [U(1), U(2), U(3)] and ids(rows_b) == [U(1), U(2)] and ids(rows_c) == [U(4), U(5), U(6)]
    assert (a2, rows_a2) == (a, rows_a)
    assert b["page_size"] == 2 and c["current_page"] == 1 and b["has_more_results"] and a["has_more_results"]


def test_a_snapshot_older_than_the_maximum_age_is_replaced_by_one_with_the_new_events(tmp_path):
    env = Env(tmp_path / "data", ["--report-max-age", "2"]).start()
    try:
        proj = env.project()
        T = proj.now_ms()
        proj.post([user(1, T - 100 * DAY), act(1, T - DAY)])
        first, rows = proj.user_report("champion")
        proj.post([user(2, T - 100 * DAY), act(2, T - DAY), act(2, T - 2 * DAY)])
        same, same_rows = proj.user_report("champion")
        assert ids(rows) == ids(same_rows) == [U(1)]
        assert same_rows[0]["report_id"] == rows[0]["report_id"]
        time.sleep(2.6)
        fresh, fresh_rows = proj.user_report("champion")
        assert ids(fresh_rows) == [U(2), U(1)]
        assert extras(fresh_rows) == [{"num_active_days": 2}, {"num_active_days": 1}]
        assert fresh_rows[0]["report_id"] != rows[0]["report_id"]
        assert fresh["report_time"] >= first["report_time"] + 2
    finally:
        assert env.server.stop() == 0


def test_each_report_and_interval_has_its_own_snapshot(proj):
    T = proj.now_ms()
    proj.post([org(1, T - 100 * DAY), user(1, T - 100 * DAY), add(1, 1, T - 80 * DAY), act(1, T - 20 * DAY),
               act(1, T - DAY), invite(1, 1, T - DAY)])
    report_ids = set()
    for family, kind, interval in [("user", "champion", "30"), ("user", "champion", "60"),
                                   ("user", "top_inviter", "30"), ("user", "reengagement", "Weekly"),
                                   ("org", "reengagement", "Weekly"), ("user", "churn", "30"),
                                   ("org", "growth", "30"), ("org", "growth", "90"), ("org", "churn", "30")]:
        _, rows = proj.report(family, kind, report_interval=interval)
        if rows:
            report_ids.add(rows[0]["report_id"])
    assert len(report_ids) == 6  # user churn 30, org growth 30 and org churn 30 are empty here


# ======================================================================================================================
# validation errors and unknown reports
# ======================================================================================================================

def assert_field_error(resp, field):
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert list(body) == [field], body
    assert isinstance(body[field], list) and len(body[field]) >= 1, body
    assert all(isinstance(m, str) and m for m in body[field]), body


BAD_INTERVALS = [
    ("user", "top_inviter", ["Weekly", "7", "45", "30d", "", "abc"]),
    ("user", "champion", ["Weekly", "Monthly", "14", "120"]),
    ("org", "growth", ["Monthly", "7", "0"]),
    ("org", "attrition", ["Weekly", "14", "-30"]),
    ("user", "churn", ["60", "90", "Weekly", "0"]),
    ("org", "churn", ["60", "Monthly", "21"]),
    ("user", "reengagement", ["7", "30", "weekly", "MONTHLY", ""]),
    ("org", "reengagement", ["7", "monthly", "Daily"]),
]


@pytest.mark.parametrize("family,kind,value", [(f, k, v) for f, k, vs in BAD_INTERVALS for v in vs],
                         ids=[f"{f}-{k}-{v or 'empty'}" for f, k, vs in BAD_INTERVALS for v in vs])
def test_a_bad_report_interval_is_a_400_naming_report_interval(shared, family, kind, value):
    assert_field_error(shared.get(f"/api/backend/v1/{family}_report/{kind}", report_interval=value), "report_interval")


@pytest.mark.parametrize("family,kind", [("user", k) for k in USER_REPORTS] + [("org", k) for k in ORG_REPORTS])
@pytest.mark.parametrize("field,value", [("page_size", "0"), ("page_size", "1001"), ("page_size", "abc"),
                                         ("page_size", "-1"), ("page_size", "2.5"), ("page_number", "-1"),
                                         ("page_number", "x")])
def test_a_bad_page_size_or_page_number_is_a_400_naming_the_field(shared, family, kind, field, value):
    assert_field_error(shared.get(f"/api/backend/v1/{family}_report/{kind}", **{field: value}), field)


def test_a_report_path_answers_405_with_allow_to_other_methods(proj):
    r = proj.env.server.request("POST", "/api/backend/v1/user_report/champion", proj.key, data=b"{}",
                                headers={"Content-Type": "application/json"})
    assert r.status_code == 405, r.text
    assert "GET" in r.headers.get("Allow", "")


@pytest.mark.parametrize("path", ["/api/backend/v1/user_report/growth", "/api/backend/v1/user_report/attrition",
                                  "/api/backend/v1/org_report/champion", "/api/backend/v1/org_report/top_inviter",
                                  "/api/backend/v1/user_report/Champion", "/api/backend/v1/user_report/logins"])
def test_an_unknown_report_type_is_a_404(proj, path):
    r = proj.get(path)
    assert r.status_code == 404, r.text
    assert r.json() == {"error": "not_found"}


# ======================================================================================================================
# signup query parameters
# ======================================================================================================================

def signup_params(proj, n, key=None):
    return proj.get(f"/api/backend/v1/user/{U(n)}/signup_query_parameters", key=key)


def test_signup_query_parameters_are_returned_verbatim(proj):
    T = proj.now_ms()
    params = {"utm_source": "newsletter", "UTM_Campaign": "Spring Sale", "ref": "a&b=c"}
    proj.post([user(1, T - DAY, signup_query_parameters=params)])
    r = signup_params(proj, 1)
    assert r.status_code == 200, r.text
    assert r.json() == {"user_signup_query_parameters": params}


def test_signup_query_parameters_are_an_empty_object_when_the_user_has_none(proj):
    T = proj.now_ms()
    proj.post([user(1, T - DAY)])
    r = signup_params(proj, 1)
    assert r.status_code == 200, r.text
    assert r.json() == {"user_signup_query_parameters": {}}


def test_signup_query_parameters_are_replaced_whole_by_a_user_update(proj):
    T = proj.now_ms()
    proj.post([user(1, T - 2 * DAY, signup_query_parameters={"utm_source": "ads", "utm_medium": "cpc"}),
               {"type": "user.updated", "user_id": U(1), "signup_query_parameters": {"ref": "friend"},
                "timestamp": iso(T - DAY)}])
    assert signup_params(proj, 1).json() == {"user_signup_query_parameters": {"ref": "friend"}}


def test_signup_query_parameters_of_an_unknown_user_are_a_404(proj):
    r = signup_params(proj, 1)  # a project without events
    assert r.status_code == 404 and r.json() == {"error": "not_found"}
    T = proj.now_ms()
    proj.post([user(1, T - DAY, signup_query_parameters={"a": "b"})])
    r = signup_params(proj, 2)
    assert r.status_code == 404 and r.json() == {"error": "not_found"}


def test_signup_query_parameters_of_a_deleted_user_are_a_404(proj):
    T = proj.now_ms()
    proj.post([user(1, T - DAY, signup_query_parameters={"a": "b"}), status("deleted", 1, T - HOUR)])
    r = signup_params(proj, 1)
    assert r.status_code == 404 and r.json() == {"error": "not_found"}


# ======================================================================================================================
# auth
# ======================================================================================================================

AUTH_PATHS = ["/api/backend/v1/user_report/champion", "/api/backend/v1/org_report/growth",
              f"/api/backend/v1/user/{U(1)}/signup_query_parameters"]


@pytest.mark.parametrize("path", AUTH_PATHS)
def test_a_request_without_a_key_is_a_401(env, path):
    r = env.server.request("GET", path)
    assert r.status_code == 401, r.text
    assert r.json() == {"error": "unauthorized"}


@pytest.mark.parametrize("path", AUTH_PATHS)
def test_a_request_with_an_unknown_key_is_a_401(env, path):
    r = env.server.request("GET", path, "op_0123456789abcdef_" + "0" * 48)
    assert r.status_code == 401, r.text
    assert r.json() == {"error": "unauthorized"}


@pytest.mark.parametrize("path", AUTH_PATHS)
def test_a_key_without_insights_read_is_a_403(env, path):
    key = env.server.key("users:read,usage:read,events:write,organization:write,engagement:read")
    r = env.server.request("GET", path, key)
    assert r.status_code == 403, r.text
    assert r.json() == {"error": "forbidden"}


@pytest.mark.parametrize("path", AUTH_PATHS)
def test_an_org_scoped_key_is_a_403_even_with_insights_read(env, path):
    key = env.server.key("insights:read", org=O(1))
    r = env.server.request("GET", path, key)
    assert r.status_code == 403, r.text
    assert r.json() == {"error": "forbidden"}


def test_a_key_with_only_insights_read_may_read_reports_and_signup_parameters(env):
    writer = env.project()
    T = writer.now_ms()
    writer.post([user(1, T - DAY), act(1, T - HOUR)])
    reader = env.server.key("insights:read", project=writer.name)
    r = writer.get("/api/backend/v1/user_report/champion", key=reader)
    assert r.status_code == 200 and ids(r.json()["user_reports"]) == [U(1)]
    r = writer.get("/api/backend/v1/org_report/churn", key=reader)
    assert r.status_code == 200
    r = writer.get(f"/api/backend/v1/user/{U(1)}/signup_query_parameters", key=reader)
    assert r.status_code == 200 and r.json() == {"user_signup_query_parameters": {}}
