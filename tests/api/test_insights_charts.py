"""Insights family, chart metrics (specs/propelauth.md "Charts", the contract in src/engine/insights.h): signups,
orgs_created, active_users and active_orgs in Daily, Weekly (ISO weeks from Monday) and Monthly buckets over small
hand-built event sets, around the 2025/2026 year boundary; zero-filled buckets, cadence_completed, defaults,
validation errors, the chart_metric/ alias and auth.

The server runs with `--clock 2026-01-07T12:00:00Z` (a Wednesday), so "today" is 2026-01-07 for the whole run: the week
of Monday 2025-12-29 (which spans the two years) and December 2025 have ended; the week of 2026-01-05 and January 2026
have not. Each test works in its own project (a key made with `--project`) on one shared server."""
import datetime as dt
import uuid

import pytest

from conftest import Server

CLOCK = "2026-01-07T12:00:00Z"
TODAY = dt.date(2026, 1, 7)
CHART_TYPES = {"signups": "Signups", "orgs_created": "OrgsCreated", "active_users": "ActiveUsers",
               "active_orgs": "ActiveOrgs"}


def U(n):
    return f"813bef10-0000-4000-8000-{n:012d}"


def O(n):
    return f"4f18c3a2-0000-4000-8000-{n:012d}"


def user(n, ts, **fields):
    return {"type": "user.created", "user_id": U(n), "email": f"user{n}@example.com", "timestamp": ts, **fields}


def org(n, ts, name=None):
    return {"type": "org.created", "org_id": O(n), "name": name or f"Org {n}", "timestamp": ts}


def act(u, ts, org_id=None):
    e = {"type": "activity", "user_id": U(u), "timestamp": ts}
    if org_id is not None:
        e["org_id"] = O(org_id)
    return e


def usage(u, ts):
    return {"type": "usage", "user_id": U(u), "metrics": {"requests": 2}, "timestamp": ts}


def add(o, u, ts, role="Member"):
    return {"type": "member.added", "org_id": O(o), "user_id": U(u), "role": role, "timestamp": ts}


def remove(o, u, ts):
    return {"type": "member.removed", "org_id": O(o), "user_id": U(u), "timestamp": ts}


def user_deleted(u, ts):
    return {"type": "user.deleted", "user_id": U(u), "timestamp": ts}


def org_deleted(o, ts):
    return {"type": "org.deleted", "org_id": O(o), "timestamp": ts}


class Project:
    def __init__(self, server, name):
        self.server, self.name = server, name
        self.key = server.key("*", project=name)

    def post(self, events):
        r = self.server.post_events(self.key, events)
        assert r.status_code == 200, r.text
        assert r.json()["accepted"] == len(events), r.text

    def get(self, path, key=None, **params):
        return self.server.request("GET", path, key or self.key, params=params)

    def chart(self, metric, path="chart_metrics", **params):
        r = self.get(f"/api/backend/v1/{path}/{metric}", **params)
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == {"chart_type", "cadence", "metrics"}, body
        assert body["chart_type"] == CHART_TYPES[metric], body
        for m in body["metrics"]:
            assert set(m) == {"date", "result", "cadence_completed"}, m
            assert isinstance(m["result"], int) and not isinstance(m["result"], bool), m
            assert isinstance(m["cadence_completed"], bool), m
        return body

    def points(self, metric, **params):
        """[(date, result, cadence_completed)] of the chart."""
        return [(m["date"], m["result"], m["cadence_completed"]) for m in self.chart(metric, **params)["metrics"]]

    def results(self, metric, **params):
        return [(m["date"], m["result"]) for m in self.chart(metric, **params)["metrics"]]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("insights-charts") / "data", ["--clock", CLOCK, "--quiet"]).start()
    yield s
    rc = s.stop()
    assert rc == 0, f"server exited {rc}: {s.log_text()}"


@pytest.fixture
def proj(server):
    """A fresh project on the shared server."""
    return Project(server, "p" + uuid.uuid4().hex[:12])


def days(first, n):
    d = dt.date.fromisoformat(first)
    return [(d + dt.timedelta(days=i)).isoformat() for i in range(n)]


# signups around the year boundary: 1 on 12-01, 2 on 11-x, then 12-29 .. 01-05
SIGNUP_EVENTS = [
    user(1, "2025-11-01T00:00:00Z"), user(2, "2025-11-30T23:59:59Z"), user(3, "2025-12-01T00:00:00Z"),
    user(4, "2025-12-28T23:59:59Z"),                                     # Sunday before the week of 12-29
    user(5, "2025-12-29T00:00:00Z"),                                     # Monday 12-29
    user(6, "2025-12-31T10:00:00Z"), user(7, "2025-12-31T23:59:59.999Z"),  # Wednesday 12-31 (x2)
    user(8, "2026-01-01T00:00:00Z"),                                     # Thursday 01-01
    user(9, "2026-01-04T23:59:59Z"),                                     # Sunday 01-04
    user(10, "2026-01-05T00:00:00Z"),                                    # Monday 01-05
    user(11, "2026-01-06T08:00:00Z"),                                    # Tuesday 01-06
]


# ======================================================================================================================
# signups and orgs_created
# ======================================================================================================================

def test_daily_signups_across_the_year_boundary_are_zero_filled_and_completed(proj):
    proj.post(SIGNUP_EVENTS)
    body = proj.chart("signups", cadence="Daily", start_date="2025-12-29", end_date="2026-01-04")
    assert body["cadence"] == "Daily"
    pts = [(m["date"], m["result"], m["cadence_completed"]) for m in body["metrics"]]
    assert pts == [("2025-12-29", 1, True), ("2025-12-30", 0, True), ("2025-12-31", 2, True),
                   ("2026-01-01", 1, True), ("2026-01-02", 0, True), ("2026-01-03", 0, True),
                   ("2026-01-04", 1, True)]


def test_a_weekly_bucket_spans_the_two_years_and_the_first_is_dated_by_its_monday_before_start_date(proj):
    proj.post(SIGNUP_EVENTS)
    body = proj.chart("signups", cadence="Weekly", start_date="2025-12-31", end_date="2026-01-06")
    assert body["cadence"] == "Weekly"
    # week of 12-29: 12-29, 12-31 x2, 01-01, 01-04 (counted over the whole week, not from start_date); week of 01-05
    assert [(m["date"], m["result"], m["cadence_completed"]) for m in body["metrics"]] == [
        ("2025-12-29", 5, True), ("2026-01-05", 2, False)]


def test_a_weekly_chart_of_a_single_sunday_is_the_week_from_the_monday_before(proj):
    proj.post(SIGNUP_EVENTS)
    assert proj.points("signups", cadence="Weekly", start_date="2026-01-04", end_date="2026-01-04") == [
        ("2025-12-29", 5, True)]
    assert proj.points("signups", cadence="Weekly", start_date="2025-12-28", end_date="2025-12-29") == [
        ("2025-12-22", 1, True), ("2025-12-29", 5, True)]


def test_monthly_signups_are_calendar_months_across_the_year_boundary_each_over_its_whole_month(proj):
    proj.post(SIGNUP_EVENTS)
    body = proj.chart("signups", cadence="Monthly", start_date="2025-11-30", end_date="2026-01-01")
    assert body["cadence"] == "Monthly"
    assert [(m["date"], m["result"], m["cadence_completed"]) for m in body["metrics"]] == [
        ("2025-11-01", 2, True), ("2025-12-01", 5, True), ("2026-01-01", 4, False)]


def test_signups_exclude_deleted_users_and_date_a_user_by_user_created_else_its_first_event(proj):
    proj.post([user(1, "2025-12-30T10:00:00Z"), user(2, "2025-12-30T11:00:00Z"), user_deleted(2, "2026-01-02T00:00:00Z"),
               act(3, "2025-12-31T09:00:00Z"),                                  # never created: its first event
               act(4, "2025-12-30T09:00:00Z"), user(4, "2026-01-02T09:00:00Z")])  # created after its first event
    assert proj.results("signups", start_date="2025-12-30", end_date="2026-01-02") == [
        ("2025-12-30", 1), ("2025-12-31", 1), ("2026-01-01", 0), ("2026-01-02", 1)]


def test_buckets_are_utc_days_whatever_the_offset_of_the_event_timestamps(proj):
    proj.post([user(1, "2026-01-01T01:00:00+02:00"),    # 2025-12-31T23:00Z
               user(2, "2025-12-31T22:30:00-02:00"),    # 2026-01-01T00:30Z
               user(3, 1767225599),                     # 2025-12-31T23:59:59Z as Unix seconds
               act(1, "2026-01-01T00:30:00+01:00")])    # 2025-12-31T23:30Z
    assert proj.results("signups", start_date="2025-12-31", end_date="2026-01-01") == [
        ("2025-12-31", 2), ("2026-01-01", 1)]
    assert proj.results("signups", cadence="Monthly", start_date="2025-12-31", end_date="2026-01-01") == [
        ("2025-12-01", 2), ("2026-01-01", 1)]
    assert proj.results("active_users", start_date="2025-12-31", end_date="2026-01-01") == [
        ("2025-12-31", 1), ("2026-01-01", 0)]


def test_deactivated_users_still_count_in_signups_and_active_users(proj):
    proj.post([user(1, "2025-12-30T10:00:00Z"), act(1, "2025-12-31T10:00:00Z"),
               {"type": "user.deactivated", "user_id": U(1), "timestamp": "2026-01-02T00:00:00Z"}])
    assert proj.results("signups", start_date="2025-12-30", end_date="2025-12-30") == [("2025-12-30", 1)]
    assert proj.results("active_users", start_date="2025-12-31", end_date="2025-12-31") == [("2025-12-31", 1)]


def test_orgs_created_counts_creations_per_bucket_without_deleted_orgs(proj):
    proj.post([org(1, "2025-12-29T00:00:00Z"), org(2, "2025-12-31T12:00:00Z"), org(3, "2025-12-31T13:00:00Z"),
               org(4, "2026-01-02T00:00:00Z"), org_deleted(3, "2026-01-03T00:00:00Z"),
               org(5, "2026-01-06T00:00:00Z"), org(6, "2025-11-15T00:00:00Z"),
               user(1, "2025-10-01T00:00:00Z"), add(7, 1, "2025-12-30T10:00:00Z")])  # o7: never created
    body = proj.chart("orgs_created", cadence="Daily", start_date="2025-12-29", end_date="2026-01-02")
    assert body["chart_type"] == "OrgsCreated"
    assert [(m["date"], m["result"]) for m in body["metrics"]] == [
        ("2025-12-29", 1), ("2025-12-30", 1), ("2025-12-31", 1), ("2026-01-01", 0), ("2026-01-02", 1)]
    assert proj.results("orgs_created", cadence="Weekly", start_date="2025-12-29", end_date="2026-01-07") == [
        ("2025-12-29", 4), ("2026-01-05", 1)]
    assert proj.results("orgs_created", cadence="Monthly", start_date="2025-11-01", end_date="2026-01-07") == [
        ("2025-11-01", 1), ("2025-12-01", 3), ("2026-01-01", 2)]


# ======================================================================================================================
# active_users
# ======================================================================================================================

ACTIVE_EVENTS = [
    user(1, "2025-10-01T00:00:00Z"), user(2, "2025-10-01T00:00:00Z"), user(3, "2025-10-01T00:00:00Z"),
    act(1, "2025-12-29T08:00:00Z"), act(1, "2025-12-29T09:00:00Z"),   # u1: Monday (twice),
    act(1, "2025-12-31T23:59:59Z"), act(1, "2026-01-02T00:00:00Z"),   # Wednesday and Friday of one week
    act(2, "2026-01-02T10:00:00Z"), act(2, "2026-01-02T11:00:00Z"),   # u2: Friday (twice)
    usage(3, "2026-01-03T12:00:00Z"),                                 # u3: Saturday, through a usage event
    act(1, "2025-12-15T12:00:00Z"),                                   # u1 again in an earlier week of December
]


def test_daily_active_users_count_distinct_users_per_day_with_usage_counting_as_activity(proj):
    proj.post(ACTIVE_EVENTS)
    body = proj.chart("active_users", start_date="2025-12-29", end_date="2026-01-04")
    assert body["chart_type"] == "ActiveUsers" and body["cadence"] == "Daily"
    assert [(m["date"], m["result"]) for m in body["metrics"]] == [
        ("2025-12-29", 1), ("2025-12-30", 0), ("2025-12-31", 1), ("2026-01-01", 0), ("2026-01-02", 2),
        ("2026-01-03", 1), ("2026-01-04", 0)]


def test_weekly_active_users_are_distinct_over_the_week_not_a_sum_of_days(proj):
    proj.post(ACTIVE_EVENTS)
    assert proj.points("active_users", cadence="Weekly", start_date="2025-12-15", end_date="2026-01-07") == [
        ("2025-12-15", 1, True), ("2025-12-22", 0, True), ("2025-12-29", 3, True), ("2026-01-05", 0, False)]


def test_monthly_active_users_are_distinct_over_the_month(proj):
    proj.post(ACTIVE_EVENTS)
    assert proj.points("active_users", cadence="Monthly", start_date="2025-12-01", end_date="2026-01-07") == [
        ("2025-12-01", 1, True), ("2026-01-01", 3, False)]


def test_active_users_exclude_deleted_users(proj):
    proj.post(ACTIVE_EVENTS + [user_deleted(2, "2026-01-06T00:00:00Z")])
    assert proj.results("active_users", cadence="Weekly", start_date="2025-12-29", end_date="2025-12-29") == [
        ("2025-12-29", 2)]
    assert proj.results("active_users", start_date="2026-01-02", end_date="2026-01-02") == [("2026-01-02", 1)]


# ======================================================================================================================
# active_orgs
# ======================================================================================================================

def test_active_orgs_count_member_activity_and_org_named_activity_distinct_per_bucket(proj):
    ev = [org(n, "2025-10-01T00:00:00Z") for n in range(1, 6)] + [user(n, "2025-10-01T00:00:00Z") for n in range(1, 8)]
    # o1: two members, active on three days of the week of 12-29 (no org named in the events)
    ev += [add(1, 1, "2025-11-01T00:00:00Z"), add(1, 2, "2025-11-01T00:00:00Z"),
           act(1, "2025-12-29T10:00:00Z"), act(2, "2025-12-29T11:00:00Z"), act(1, "2025-12-31T10:00:00Z"),
           act(2, "2026-01-02T10:00:00Z")]
    # o2: no members; a non-member's activity names it on 12-30
    ev += [act(3, "2025-12-30T10:00:00Z", org_id=2)]
    # o3: u4 active on 12-29, joins on 12-31 (so 12-29 does not count), active again on 01-03
    ev += [act(4, "2025-12-29T15:00:00Z"), add(3, 4, "2025-12-31T00:00:00Z"), act(4, "2026-01-03T10:00:00Z")]
    # o4: u5 leaves on 12-30 and is active after that only
    ev += [add(4, 5, "2025-11-01T00:00:00Z"), remove(4, 5, "2025-12-30T00:00:00Z"), act(5, "2026-01-01T10:00:00Z")]
    # o5: u6 a member, active in the next week
    ev += [add(5, 6, "2025-11-01T00:00:00Z"), act(6, "2026-01-06T10:00:00Z")]
    proj.post(ev)
    body = proj.chart("active_orgs", start_date="2025-12-29", end_date="2026-01-06")
    assert body["chart_type"] == "ActiveOrgs"
    assert [(m["date"], m["result"]) for m in body["metrics"]] == [
        ("2025-12-29", 1), ("2025-12-30", 1), ("2025-12-31", 1), ("2026-01-01", 0), ("2026-01-02", 1),
        ("2026-01-03", 1), ("2026-01-04", 0), ("2026-01-05", 0), ("2026-01-06", 1)]
    # the week of 12-29: o1, o2, o3 (each once); the week of 01-05: o5; December: o1, o2 (u4 joined o3 after its
    # December activity); January: o1, o3, o5
    assert proj.points("active_orgs", cadence="Weekly", start_date="2025-12-29", end_date="2026-01-06") == [
        ("2025-12-29", 3, True), ("2026-01-05", 1, False)]
    assert proj.points("active_orgs", cadence="Monthly", start_date="2025-12-29", end_date="2026-01-06") == [
        ("2025-12-01", 2, True), ("2026-01-01", 3, False)]


def test_a_members_activity_naming_another_org_counts_for_both_orgs(proj):
    proj.post([org(1, "2025-10-01T00:00:00Z"), org(2, "2025-10-01T00:00:00Z"), user(1, "2025-10-01T00:00:00Z"),
               add(1, 1, "2025-11-01T00:00:00Z"), act(1, "2026-01-02T10:00:00Z", org_id=2)])
    assert proj.results("active_orgs", start_date="2026-01-02", end_date="2026-01-02") == [("2026-01-02", 2)]


def test_active_orgs_exclude_deleted_orgs_and_the_activity_of_deleted_users(proj):
    proj.post([org(n, "2025-10-01T00:00:00Z") for n in (1, 2, 3)] + [user(n, "2025-10-01T00:00:00Z") for n in (1, 2, 3)]
              + [add(1, 1, "2025-11-01T00:00:00Z"), act(1, "2026-01-02T10:00:00Z"),
                 add(2, 2, "2025-11-01T00:00:00Z"), act(2, "2026-01-02T10:00:00Z"),
                 add(3, 3, "2025-11-01T00:00:00Z"), act(3, "2026-01-02T10:00:00Z"),
                 org_deleted(2, "2026-01-05T00:00:00Z"), user_deleted(3, "2026-01-05T00:00:00Z")])
    assert proj.results("active_orgs", start_date="2026-01-02", end_date="2026-01-02") == [("2026-01-02", 1)]
    assert proj.results("active_orgs", cadence="Weekly", start_date="2026-01-02", end_date="2026-01-02") == [
        ("2025-12-29", 1)]


def test_active_orgs_count_a_members_activity_after_many_re_joins(proj):
    ev = [org(1, "2025-01-01T00:00:00Z"), user(1, "2025-01-01T00:00:00Z")]
    for k in range(70):  # 70 short memberships in 2025
        day = (dt.date(2025, 2, 1) + dt.timedelta(days=k)).isoformat()
        ev += [add(1, 1, f"{day}T08:00:00Z"), remove(1, 1, f"{day}T09:00:00Z")]
    ev += [add(1, 1, "2025-12-01T00:00:00Z"), act(1, "2026-01-02T10:00:00Z")]  # a member again since December
    proj.post(ev)
    assert proj.results("active_orgs", start_date="2026-01-02", end_date="2026-01-02") == [("2026-01-02", 1)]


def test_charts_reflect_events_that_arrive_after_an_earlier_request(proj):
    proj.post([org(1, "2025-10-01T00:00:00Z"), org(2, "2025-10-01T00:00:00Z"), user(1, "2025-10-01T00:00:00Z"),
               user(2, "2025-10-01T00:00:00Z"), act(1, "2026-01-02T10:00:00Z"), act(2, "2026-01-02T10:00:00Z"),
               add(2, 2, "2025-11-01T00:00:00Z")])
    params = dict(start_date="2026-01-02", end_date="2026-01-02")
    assert proj.results("active_orgs", **params) == [("2026-01-02", 1)]
    assert proj.results("active_users", **params) == [("2026-01-02", 2)]
    proj.post([add(1, 1, "2025-12-01T00:00:00Z")])  # history arriving late: u1 was a member of o1 all along
    assert proj.results("active_orgs", **params) == [("2026-01-02", 2)]
    proj.post([user_deleted(2, "2026-01-06T00:00:00Z")])
    assert proj.results("active_orgs", **params) == [("2026-01-02", 1)]
    assert proj.results("active_users", **params) == [("2026-01-02", 1)]


# ======================================================================================================================
# cadence_completed, defaults, chart types, alias
# ======================================================================================================================

def test_cadence_completed_is_false_for_the_bucket_holding_now_and_later_ones(proj):
    assert proj.points("signups", start_date="2026-01-05", end_date="2026-01-09") == [
        ("2026-01-05", 0, True), ("2026-01-06", 0, True), ("2026-01-07", 0, False), ("2026-01-08", 0, False),
        ("2026-01-09", 0, False)]
    assert proj.points("signups", cadence="Weekly", start_date="2025-12-29", end_date="2026-01-12") == [
        ("2025-12-29", 0, True), ("2026-01-05", 0, False), ("2026-01-12", 0, False)]
    assert proj.points("signups", cadence="Monthly", start_date="2025-12-31", end_date="2026-02-01") == [
        ("2025-12-01", 0, True), ("2026-01-01", 0, False), ("2026-02-01", 0, False)]


def test_a_project_without_events_gets_zero_filled_buckets(proj):
    for metric in CHART_TYPES:
        assert proj.results(metric, start_date="2025-12-30", end_date="2026-01-01") == [
            ("2025-12-30", 0), ("2025-12-31", 0), ("2026-01-01", 0)]


def test_the_defaults_are_daily_from_30_days_ago_to_today(proj):
    proj.post([user(1, "2025-12-08T00:00:00Z"), user(2, "2025-12-07T23:59:59Z"), user(3, "2026-01-07T01:00:00Z")])
    body = proj.chart("signups")
    assert body["cadence"] == "Daily"
    pts = [(m["date"], m["result"], m["cadence_completed"]) for m in body["metrics"]]
    assert len(pts) == 31
    assert [p[0] for p in pts] == days("2025-12-08", 31)
    assert pts[0] == ("2025-12-08", 1, True) and pts[-1] == ("2026-01-07", 1, False)
    assert sum(p[1] for p in pts) == 2
    assert all(p[2] for p in pts[:-1])


def test_end_date_defaults_to_today_and_start_date_to_30_days_ago_independently(proj):
    assert [p[0] for p in proj.results("signups", start_date="2026-01-01")] == days("2026-01-01", 7)
    assert [p[0] for p in proj.results("signups", end_date="2025-12-10")] == days("2025-12-08", 3)


def test_a_weekly_chart_with_default_dates_starts_at_the_monday_of_30_days_ago(proj):
    body = proj.chart("active_users", cadence="Weekly")
    assert body["cadence"] == "Weekly"
    assert [m["date"] for m in body["metrics"]] == ["2025-12-08", "2025-12-15", "2025-12-22", "2025-12-29",
                                                   "2026-01-05"]


def test_a_monthly_chart_with_default_dates_has_december_and_january(proj):
    body = proj.chart("orgs_created", cadence="Monthly")
    assert body["cadence"] == "Monthly"
    assert [(m["date"], m["cadence_completed"]) for m in body["metrics"]] == [("2025-12-01", True),
                                                                             ("2026-01-01", False)]


def test_start_date_equal_to_end_date_is_one_bucket(proj):
    assert proj.points("signups", start_date="2025-12-31", end_date="2025-12-31") == [("2025-12-31", 0, True)]


@pytest.mark.parametrize("metric", list(CHART_TYPES))
def test_each_metric_has_its_exact_chart_type_and_echoes_the_cadence(proj, metric):
    for cadence in ("Daily", "Weekly", "Monthly"):
        body = proj.chart(metric, cadence=cadence, start_date="2025-12-01", end_date="2026-01-07")
        assert body["chart_type"] == CHART_TYPES[metric]
        assert body["cadence"] == cadence


@pytest.mark.parametrize("metric", list(CHART_TYPES))
def test_the_chart_metric_alias_path_answers_like_chart_metrics(proj, metric):
    proj.post(ACTIVE_EVENTS + SIGNUP_EVENTS[-3:] + [org(1, "2025-12-30T00:00:00Z"), add(1, 1, "2025-12-30T00:00:00Z")])
    for cadence in ("Daily", "Weekly"):
        params = dict(cadence=cadence, start_date="2025-12-28", end_date="2026-01-07")
        assert proj.chart(metric, path="chart_metric", **params) == proj.chart(metric, **params)


# ======================================================================================================================
# errors
# ======================================================================================================================

BAD_PARAMS = [
    ("cadence", {"cadence": "daily"}), ("cadence", {"cadence": "Yearly"}), ("cadence", {"cadence": ""}),
    ("cadence", {"cadence": "DAILY"}),
    ("start_date", {"start_date": "2026-02-30"}), ("start_date", {"start_date": "2026-1-5"}),
    ("start_date", {"start_date": "2026/01/05"}), ("start_date", {"start_date": "20260105"}),
    ("start_date", {"start_date": "2026-01-05T00:00:00Z"}), ("start_date", {"start_date": "yesterday"}),
    ("start_date", {"start_date": "2025-02-29"}), ("start_date", {"start_date": "2025-13-01"}),
    ("end_date", {"end_date": "2026-01-32"}), ("end_date", {"end_date": "2026-01-5"}),
    ("end_date", {"end_date": ""}),
]


@pytest.mark.parametrize("field,params", BAD_PARAMS, ids=[f"{f}={list(p.values())[0] or 'empty'}" for f, p in BAD_PARAMS])
def test_a_bad_cadence_or_date_is_a_400_naming_the_field(proj, field, params):
    r = proj.get("/api/backend/v1/chart_metrics/signups", **params)
    assert r.status_code == 400, r.text
    body = r.json()
    assert list(body) == [field], body
    assert isinstance(body[field], list) and body[field] and all(isinstance(m, str) and m for m in body[field])


def test_start_date_after_end_date_is_a_400_naming_a_date_field(proj):
    r = proj.get("/api/backend/v1/chart_metrics/active_users", start_date="2026-01-02", end_date="2026-01-01")
    assert r.status_code == 400, r.text
    body = r.json()
    assert len(body) == 1 and list(body)[0] in ("start_date", "end_date"), body
    msgs = list(body.values())[0]
    assert isinstance(msgs, list) and msgs and all(isinstance(m, str) and m for m in msgs)


def test_a_monthly_chart_over_three_decades_is_served(proj):
    proj.post([user(1, "1996-02-10T00:00:00Z"), user(2, "2025-12-31T00:00:00Z")])
    pts = proj.results("signups", cadence="Monthly", start_date="1996-01-15", end_date="2026-01-07")
    assert len(pts) == 30 * 12 + 1
    assert pts[0] == ("1996-01-01", 0) and pts[1] == ("1996-02-01", 1) and pts[-2:] == [("2025-12-01", 1),
                                                                                       ("2026-01-01", 0)]


def test_a_leap_day_is_a_valid_date(proj):
    assert proj.results("signups", start_date="2024-02-29", end_date="2024-02-29") == [("2024-02-29", 0)]


@pytest.mark.parametrize("path", ["/api/backend/v1/chart_metrics/logins", "/api/backend/v1/chart_metrics/Signups",
                                  "/api/backend/v1/chart_metric/active_teams", "/api/backend/v1/chart_metrics/churn"])
def test_an_unknown_metric_is_a_404(proj, path):
    r = proj.get(path)
    assert r.status_code == 404, r.text
    assert r.json() == {"error": "not_found"}


# ======================================================================================================================
# auth
# ======================================================================================================================

AUTH_PATHS = ["/api/backend/v1/chart_metrics/signups", "/api/backend/v1/chart_metric/active_orgs"]


@pytest.mark.parametrize("path", AUTH_PATHS)
def test_a_chart_request_without_a_key_is_a_401(server, path):
    r = server.request("GET", path)
    assert r.status_code == 401, r.text
    assert r.json() == {"error": "unauthorized"}


@pytest.mark.parametrize("path", AUTH_PATHS)
def test_a_chart_request_with_a_key_without_insights_read_is_a_403(server, path):
    key = server.key("users:read,usage:read,events:write,organization:read,batch_export:write")
    r = server.request("GET", path, key)
    assert r.status_code == 403, r.text
    assert r.json() == {"error": "forbidden"}


@pytest.mark.parametrize("path", AUTH_PATHS)
def test_a_chart_request_with_an_org_scoped_key_is_a_403(server, path):
    key = server.key("insights:read", org=O(1))
    r = server.request("GET", path, key)
    assert r.status_code == 403, r.text
    assert r.json() == {"error": "forbidden"}


def test_a_key_with_only_insights_read_may_read_charts(proj):
    key = proj.server.key("insights:read", project=proj.name)
    r = proj.get("/api/backend/v1/chart_metrics/signups", key=key, start_date="2026-01-01", end_date="2026-01-01")
    assert r.status_code == 200, r.text
    assert r.json() == {"chart_type": "Signups", "cadence": "Daily",
                        "metrics": [{"date": "2026-01-01", "result": 0, "cadence_completed": True}]}


# ======================================================================================================================
# cached buckets follow every change that affects them
# ======================================================================================================================

def test_a_cached_past_bucket_changes_when_late_activity_or_a_deletion_touches_it(proj):
    proj.post([act(1, "2025-12-02T10:00:00Z"), act(2, "2025-12-03T10:00:00Z")])
    week = dict(cadence="Weekly", start_date="2025-12-01", end_date="2025-12-07")
    month = dict(cadence="Monthly", start_date="2025-12-01", end_date="2025-12-31")
    assert proj.results("active_users", **week) == [("2025-12-01", 2)]
    assert proj.results("active_users", **month) == [("2025-12-01", 2)]
    proj.post([act(3, "2025-12-05T10:00:00Z")])  # late activity in the cached week and month
    assert proj.results("active_users", **week) == [("2025-12-01", 3)]
    assert proj.results("active_users", **month) == [("2025-12-01", 3)]
    proj.post([user_deleted(1, "2026-01-02T00:00:00Z")])  # a deletion changes past buckets too
    assert proj.results("active_users", **week) == [("2025-12-01", 2)]
    assert proj.results("active_users", cadence="Daily", start_date="2025-12-02", end_date="2025-12-02") == \
        [("2025-12-02", 0)]


def test_a_cached_active_orgs_bucket_changes_when_a_membership_arrives_late_or_an_org_is_deleted(proj):
    proj.post([org(1, "2025-11-01T00:00:00Z"), org(2, "2025-11-01T00:00:00Z"), act(1, "2025-12-02T10:00:00Z"),
               act(2, "2025-12-02T11:00:00Z", org_id=2)])
    day = dict(cadence="Daily", start_date="2025-12-02", end_date="2025-12-02")
    assert proj.results("active_orgs", **day) == [("2025-12-02", 1)]
    proj.post([add(1, 1, "2025-11-15T00:00:00Z")])  # u1 turns out to have been a member of o1 then
    assert proj.results("active_orgs", **day) == [("2025-12-02", 2)]
    proj.post([org_deleted(2, "2026-01-01T00:00:00Z")])
    assert proj.results("active_orgs", **day) == [("2025-12-02", 1)]


def test_a_signup_day_moves_when_an_earlier_event_names_a_user_known_only_from_activity(proj):
    """Signups per day are kept between the events that change a creation time: an earlier activity of a user without
    user.created must move its signup at once, and so must a deletion and a user.created."""
    q = dict(cadence="Daily", start_date="2026-01-01", end_date="2026-01-05")
    proj.post([act(1, "2026-01-04T10:00:00Z")])
    assert proj.results("signups", **q)[3] == ("2026-01-04", 1)
    proj.post([act(1, "2026-01-02T10:00:00Z")])  # seen earlier: it signed up then
    r = dict(proj.results("signups", **q))
    assert (r["2026-01-02"], r["2026-01-04"]) == (1, 0)
    proj.post([user(1, "2026-01-01T09:00:00Z")])  # its user.created sets the time
    r = dict(proj.results("signups", **q))
    assert (r["2026-01-01"], r["2026-01-02"]) == (1, 0)
    proj.post([user_deleted(1, "2026-01-05T00:00:00Z")])
    assert sum(v for _, v in proj.results("signups", **q)) == 0
