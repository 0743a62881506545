"""Usage metrics, the usage series (specs/tabnine.md "Usage", the contract in src/engine/usage.h): org, team and user
usage over small hand-built event sets whose buckets are worked out by hand in each test: bucket edges (a week across
a month end, `to` exclusive, `all`, clipping to [from, to)), exact times (a window edge inside a day, a window inside
one day, `to` exclusive to the millisecond), zero buckets, the three ratios, which org and team a usage event counts
for (named, or through membership and team at the event's time), a user moving between teams (also in the middle of a
day, the move arriving before or after the usage), deleted users, features beyond codeCompletions and chat; and
orgpulse's own GET /v1/usage.

Calendar: 2026-01-26 and 2026-02-02 are Mondays, so the ISO week of 2026-01-26 runs across the January/February
month end."""
import pytest

from conftest import started_env

from usage_support import (DAY, O, T, U, Env, activity, chat, cc, iso, joined, left, member, ms, org, removed, status,
                           team, usage, user)

CC_ZERO = {"activeUsers": 0, "completions": 0, "charsCompleted": 0, "keystrokes": 0, "lines": 0,
           "automationFactor": 0.0}
CHAT_ZERO = {"activeUsers": 0, "interactions": 0, "usefulChatInteractions": 0, "lines": 0, "charsCompleted": 0,
             "chatConsumptionRate": 0.0}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    yield from started_env(Env, tmp_path_factory, "usage-series")


@pytest.fixture(scope="module")
def cached_env(tmp_path_factory):
    """A server that keeps the day rollups of every org and team (usage.c's cache), not only of big ones."""
    class CachedEnv(Env):
        def __init__(self, data_dir):
            super().__init__(data_dir)
            self.server.env["ORGPULSE_USAGE_CACHE_MIN_USERS"] = "0"

    yield from started_env(CachedEnv, tmp_path_factory, "usage-series-cached")


@pytest.fixture
def proj(env):
    return env.project()


def base(users=(1, 2), orgs=(1,)):
    """Orgs and users, every user a member of every org from 2025-12-01."""
    return [org(o) for o in orgs] + [user(u) for u in users] + [member(o, u) for o in orgs for u in users]


def bucket(frm, to, active, cc_part=None, chat_part=None, productivity=0.0, **more):
    b = {"from": frm, "to": to, "activeUsers": active, "productivityFactor": productivity,
         "codeCompletions": dict(CC_ZERO, **(cc_part or {})), "chat": dict(CHAT_ZERO, **(chat_part or {}))}
    b.update(more)
    return b


# A week that runs across the January/February month end, and the Monday after it.
WEEK_EVENTS = [
    cc(1, "2026-01-27T10:00", completions=2, chars=100, keys=300, lines=3, org_id=1),  # before `from`
    cc(1, "2026-01-31T10:00", completions=1, chars=50, keys=50, lines=1, org_id=1),
    chat(2, "2026-02-01T23:59", interactions=4, useful=1, chars=20, lines=2, org_id=1),
    cc(2, "2026-02-02T00:00", completions=5, chars=10, keys=40, lines=1, org_id=1),
    cc(1, "2026-02-09T00:00", completions=7, chars=70, keys=70, lines=7, org_id=1),  # at `to`: excluded
]


def test_weekly_buckets_run_across_a_month_end_are_clipped_to_from_and_leave_out_the_to_instant(proj):
    proj.post(base() + WEEK_EVENTS)
    data = proj.usage("organization", 1, "weekly", "2026-01-28T00:00:00Z", "2026-02-09T00:00:00Z")
    assert data == [
        # the ISO week of Monday 2026-01-26, clipped to start at `from`: Jan 31 (u1) and Feb 1 (u2), not Jan 27
        bucket("2026-01-28T00:00:00Z", "2026-02-02T00:00:00Z", 2,
               {"activeUsers": 1, "completions": 1, "charsCompleted": 50, "keystrokes": 50, "lines": 1,
                "automationFactor": 0.5},  # 50 / (50 + 50)
               {"activeUsers": 1, "interactions": 4, "usefulChatInteractions": 1, "charsCompleted": 20, "lines": 2,
                "chatConsumptionRate": 0.25},  # 1 / 4
               productivity=0.583),  # (50 + 20) / (50 + 20 + 50) = 0.5833
        # the next week: Monday Feb 2 only, the usage at exactly `to` (Feb 9 00:00) is outside [from, to)
        bucket("2026-02-02T00:00:00Z", "2026-02-09T00:00:00Z", 1,
               {"activeUsers": 1, "completions": 5, "charsCompleted": 10, "keystrokes": 40, "lines": 1,
                "automationFactor": 0.2},  # 10 / 50
               productivity=0.2),
    ]


def test_daily_buckets_include_the_days_without_usage(proj):
    proj.post(base() + WEEK_EVENTS)
    data = proj.usage("organization", 1, "daily", "2026-01-30T00:00:00Z", "2026-02-03T00:00:00Z")
    assert [b["from"] for b in data] == ["2026-01-30T00:00:00Z", "2026-01-31T00:00:00Z", "2026-02-01T00:00:00Z",
                                         "2026-02-02T00:00:00Z"]
    assert [b["to"] for b in data] == ["2026-01-31T00:00:00Z", "2026-02-01T00:00:00Z", "2026-02-02T00:00:00Z",
                                       "2026-02-03T00:00:00Z"]
    assert data[0] == bucket("2026-01-30T00:00:00Z", "2026-01-31T00:00:00Z", 0)
    assert [b["activeUsers"] for b in data] == [0, 1, 1, 1]
    assert [b["codeCompletions"]["completions"] for b in data] == [0, 1, 0, 5]
    assert [b["chat"]["interactions"] for b in data] == [0, 0, 4, 0]


def test_monthly_buckets_are_calendar_months_clipped_to_the_window(proj):
    proj.post(base() + WEEK_EVENTS)
    data = proj.usage("organization", 1, "monthly", "2026-01-29T00:00:00Z", "2026-03-01T00:00:00Z")
    assert [(b["from"], b["to"]) for b in data] == [("2026-01-29T00:00:00Z", "2026-02-01T00:00:00Z"),
                                                    ("2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z")]
    assert [b["codeCompletions"]["completions"] for b in data] == [1, 5 + 7]
    assert [b["chat"]["interactions"] for b in data] == [0, 4]
    assert [b["activeUsers"] for b in data] == [1, 2]  # February: u2 (Feb 1, Feb 2) and u1 (Feb 9)


def test_all_is_one_bucket_spanning_the_window_with_distinct_users(proj):
    proj.post(base() + WEEK_EVENTS)
    data = proj.usage("organization", 1, "all", "2026-01-01T00:00:00Z", "2026-02-09T00:00:00Z")
    assert data == [bucket("2026-01-01T00:00:00Z", "2026-02-09T00:00:00Z", 2,
                           {"activeUsers": 2, "completions": 8, "charsCompleted": 160, "keystrokes": 390, "lines": 5,
                            "automationFactor": 0.291},  # 160 / 550 = 0.2909
                           {"activeUsers": 1, "interactions": 4, "usefulChatInteractions": 1, "charsCompleted": 20,
                            "lines": 2, "chatConsumptionRate": 0.25},
                           productivity=0.316)]  # 180 / 570 = 0.3158


def test_granularity_day_week_month_are_accepted_and_echoed_as_sent(proj):
    proj.post(base() + WEEK_EVENTS)
    for sent, same_as in (("day", "daily"), ("week", "weekly"), ("month", "monthly")):
        a = proj.usage("organization", 1, sent, "2026-01-28T00:00:00Z", "2026-02-09T00:00:00Z")
        b = proj.usage("organization", 1, same_as, "2026-01-28T00:00:00Z", "2026-02-09T00:00:00Z")
        assert a == b


# ---- exact times: a window edge inside a day, `to` exclusive to the millisecond ----

CUT_DAY_EVENTS = [
    cc(1, "2026-01-31T10:00", completions=1, org_id=1),  # before `from` (12:00), on the day `from` cuts
    activity(2, "2026-01-31T11:00"),                     # before `from` too
    cc(1, "2026-01-31T13:00", completions=2, org_id=1),  # after `from`
    chat(2, "2026-02-01T05:00", interactions=4, org_id=1),  # before `to` (06:00:00.500), on the day `to` cuts
    chat(2, "2026-02-01T23:59", interactions=8, org_id=1),  # after `to`
]


def test_a_window_edge_inside_a_day_counts_only_the_usage_and_activity_inside_the_window(proj):
    # usage and activity are counted at their exact times (usage.h, Precision): Jan 31's usage at 10:00 and u2's
    # activity at 11:00 lie before the window's 12:00 start; Feb 1's chat at 23:59 after its 06:00:00.500 end
    proj.post(base() + CUT_DAY_EVENTS)
    data = proj.usage("organization", 1, "daily", "2026-01-31T12:00:00Z", "2026-02-01T06:00:00.500Z")
    assert [(b["from"], b["to"]) for b in data] == [("2026-01-31T12:00:00Z", "2026-02-01T00:00:00Z"),
                                                    ("2026-02-01T00:00:00Z", "2026-02-01T06:00:00.5Z")]
    assert [b["codeCompletions"]["completions"] for b in data] == [2, 0]
    assert [b["chat"]["interactions"] for b in data] == [0, 4]
    assert [b["activeUsers"] for b in data] == [1, 1]  # u1 (13:00), then u2 (05:00)
    [whole] = proj.usage("organization", 1, "all", "2026-01-31T12:00:00Z", "2026-02-01T06:00:00.500Z")
    assert (whole["codeCompletions"]["completions"], whole["chat"]["interactions"], whole["activeUsers"]) == (2, 4, 2)
    # the same day without the cuts: everything of Jan 31 and Feb 1
    data = proj.usage("organization", 1, "daily", "2026-01-31T00:00:00Z", "2026-02-02T00:00:00Z")
    assert [b["codeCompletions"]["completions"] for b in data] == [1 + 2, 0]
    assert [b["chat"]["interactions"] for b in data] == [0, 4 + 8]
    assert [b["activeUsers"] for b in data] == [2, 1]


def test_a_window_inside_one_day_counts_the_events_between_its_edges(proj):
    proj.post(base() + CUT_DAY_EVENTS)
    # 10:30 to 13:00: u2's activity at 11:00 only (u1's usage at 10:00 is before, at 13:00 is `to` itself)
    [b] = proj.usage("organization", 1, "all", "2026-01-31T10:30:00Z", "2026-01-31T13:00:00Z")
    assert (b["codeCompletions"]["completions"], b["codeCompletions"]["activeUsers"], b["activeUsers"]) == (0, 0, 1)
    # 10:00 to 13:00:00.001: both usage events and the activity
    [b] = proj.usage("organization", 1, "all", "2026-01-31T10:00:00Z", "2026-01-31T13:00:00.001Z")
    assert (b["codeCompletions"]["completions"], b["codeCompletions"]["activeUsers"], b["activeUsers"]) == (3, 1, 2)
    # daily buckets of a window inside one day: one bucket, the window
    data = proj.usage("organization", 1, "daily", "2026-01-31T11:00:00Z", "2026-01-31T12:59:59.999Z")
    assert [(b["from"], b["to"], b["activeUsers"], b["codeCompletions"]["completions"]) for b in data] == \
        [("2026-01-31T11:00:00Z", "2026-01-31T12:59:59.999Z", 1, 0)]


def test_to_is_exclusive_at_an_exact_event_timestamp_to_the_millisecond(proj):
    proj.post(base() + [cc(1, "2026-01-05T10:00:00.249Z", completions=1, org_id=1),
                        cc(2, "2026-01-05T10:00:00.250Z", completions=3, org_id=1)])

    def window(frm, to):
        [b] = proj.usage("organization", 1, "all", frm, to)
        return b["codeCompletions"]["completions"], b["activeUsers"]

    assert window("2026-01-05T00:00:00Z", "2026-01-05T10:00:00.250Z") == (1, 1)  # u2's event is at `to`: out
    assert window("2026-01-05T00:00:00Z", "2026-01-05T10:00:00.251Z") == (4, 2)
    assert window("2026-01-05T10:00:00.250Z", "2026-01-06T00:00:00Z") == (3, 1)  # `from` is inclusive
    assert window("2026-01-05T10:00:00.249Z", "2026-01-05T10:00:00.250Z") == (1, 1)  # one millisecond
    # the user endpoint and /v1/usage clip the same way
    [b] = proj.usage("user", 1, "all", "2026-01-05T00:00:00Z", "2026-01-05T10:00:00.250Z", userId=U(2))
    assert (b["codeCompletions"]["completions"], b["activeUsers"]) == (0, 0)
    [series] = proj.ok("/v1/usage", **{"from": "2026-01-05T00:00:00Z", "to": "2026-01-05T10:00:00.250Z",
                                       "granularity": "all"})["series"]
    assert series["buckets"][0]["usage"]["codeCompletions"]["completions"] == 1


def test_the_envelope_echoes_the_window_and_the_org(proj):
    proj.post(base())
    body = proj.ok("/api/v1/organization/usage", organizationId=O(1), granularity="all",
                   **{"from": "2026-01-05T00:00:00+02:00", "to": "2026-01-06T00:00:00Z"})
    assert body == {"organizationId": O(1), "from": "2026-01-04T22:00:00Z", "to": "2026-01-06T00:00:00Z",
                    "usage": {"granularity": "all", "data": [bucket("2026-01-04T22:00:00Z", "2026-01-06T00:00:00Z",
                                                                    0)]}}


def test_ratios_are_rounded_to_three_decimals_and_zero_without_a_denominator(proj):
    proj.post(base() + [cc(1, "2026-01-05T10:00", completions=3, chars=1, keys=2, org_id=1),
                        chat(1, "2026-01-05T11:00", interactions=3, useful=2, org_id=1)])
    [b] = proj.usage("organization", 1, "all", "2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z")
    assert b["codeCompletions"]["automationFactor"] == 0.333  # 1 / 3
    assert b["chat"]["chatConsumptionRate"] == 0.667  # 2 / 3
    assert b["productivityFactor"] == 0.333
    [empty] = proj.usage("organization", 1, "all", "2026-01-06T00:00:00Z", "2026-01-07T00:00:00Z")
    assert empty["productivityFactor"] == 0.0 and empty["codeCompletions"]["automationFactor"] == 0.0
    assert isinstance(empty["productivityFactor"], float)


# ---- which org a usage event counts for ----

def test_usage_without_an_org_counts_for_each_org_the_user_belonged_to_at_its_time(proj):
    proj.post(base(users=(1,), orgs=(1, 2)) + [org(3), member(3, 1, "2026-01-06T08:00"),
                                               cc(1, "2026-01-05T10:00", completions=2),
                                               cc(1, "2026-01-06T10:00", completions=3)])
    one = proj.usage("organization", 1, "all", "2026-01-05T00:00:00Z", "2026-01-07T00:00:00Z")
    two = proj.usage("organization", 2, "all", "2026-01-05T00:00:00Z", "2026-01-07T00:00:00Z")
    three = proj.usage("organization", 3, "all", "2026-01-05T00:00:00Z", "2026-01-07T00:00:00Z")
    assert one[0]["codeCompletions"]["completions"] == 5 and two[0]["codeCompletions"]["completions"] == 5
    assert three[0]["codeCompletions"]["completions"] == 3  # a member of org 3 from Jan 6 only
    assert [x[0]["activeUsers"] for x in (one, two, three)] == [1, 1, 1]


def test_usage_naming_an_org_counts_there_even_from_a_non_member_and_nowhere_else(proj):
    proj.post(base(users=(1, 2), orgs=(1, 2)) + [user(3), cc(3, "2026-01-05T10:00", completions=4, org_id=1),
                                                 cc(1, "2026-01-05T10:00", completions=6, org_id=2)])
    one = proj.usage("organization", 1, "all", "2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z")[0]
    two = proj.usage("organization", 2, "all", "2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z")[0]
    assert one["codeCompletions"]["completions"] == 4 and one["codeCompletions"]["activeUsers"] == 1
    assert two["codeCompletions"]["completions"] == 6 and two["codeCompletions"]["activeUsers"] == 1
    # user 1 was active that day while a member of org 1 (usage.h: activity counts through membership), so org 1
    # has two active users, one of them without org 1 usage
    assert one["activeUsers"] == 2
    assert two["activeUsers"] == 1  # user 1; user 3 named org 1, and user 2 was not active


def test_activity_of_a_member_makes_them_active_for_the_org_without_usage(proj):
    proj.post(base(users=(1, 2)) + [activity(1, "2026-01-05T10:00"), activity(2, "2026-01-06T10:00", org_id=1)])
    data = proj.usage("organization", 1, "daily", "2026-01-05T00:00:00Z", "2026-01-07T00:00:00Z")
    assert [b["activeUsers"] for b in data] == [1, 1]
    assert [b["codeCompletions"]["activeUsers"] for b in data] == [0, 0]


def test_usage_before_joining_and_after_leaving_the_org_does_not_count_for_it(proj):
    proj.post([org(1), user(1), member(1, 1, "2026-01-05T12:00"), removed(1, 1, "2026-01-07T12:00"),
               cc(1, "2026-01-04T10:00", completions=1), cc(1, "2026-01-05T14:00", completions=2),
               cc(1, "2026-01-06T10:00", completions=4), cc(1, "2026-01-08T10:00", completions=8)])
    data = proj.usage("organization", 1, "daily", "2026-01-04T00:00:00Z", "2026-01-09T00:00:00Z")
    assert [b["codeCompletions"]["completions"] for b in data] == [0, 2, 4, 0, 0]
    assert [b["activeUsers"] for b in data] == [0, 1, 1, 0, 0]


def test_a_deleted_user_counts_nowhere(proj):
    proj.post(base() + [cc(1, "2026-01-05T10:00", completions=2, org_id=1), cc(2, "2026-01-05T10:00", completions=3,
                                                                               org_id=1),
                        status("deleted", 2, "2026-02-01T00:00")])
    [b] = proj.usage("organization", 1, "all", "2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z")
    assert b["activeUsers"] == 1 and b["codeCompletions"]["completions"] == 2


def test_a_deactivated_users_past_usage_still_counts(proj):
    proj.post(base() + [cc(2, "2026-01-05T10:00", completions=3, org_id=1), status("deactivated", 2, "2026-01-20")])
    [b] = proj.usage("organization", 1, "all", "2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z")
    assert b["activeUsers"] == 1 and b["codeCompletions"]["completions"] == 3


# ---- teams ----

def team_setup():
    return base(users=(1, 2, 3)) + [team(1, 1), team(2, 1), joined(1, 1), joined(1, 2), joined(2, 3)]


def test_team_usage_counts_events_naming_the_team_and_those_of_its_users_without_a_team(proj):
    proj.post(team_setup() + [cc(1, "2026-01-05T10:00", completions=1, org_id=1),
                              cc(2, "2026-01-05T10:00", completions=2, org_id=1, team_id=1),
                              cc(3, "2026-01-05T10:00", completions=4, org_id=1),
                              cc(3, "2026-01-05T11:00", completions=8, org_id=1, team_id=1)])  # named: team 1
    t1 = proj.usage("team", 1, "all", "2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z", teamId=T(1))[0]
    t2 = proj.usage("team", 1, "all", "2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z", teamId=T(2))[0]
    assert t1["codeCompletions"]["completions"] == 1 + 2 + 8 and t1["codeCompletions"]["activeUsers"] == 3
    assert t2["codeCompletions"]["completions"] == 4 and t2["codeCompletions"]["activeUsers"] == 1
    assert t1["activeUsers"] == 3  # u1, u2 in the team, u3 through its named event
    assert t2["activeUsers"] == 1


def test_a_user_moving_between_teams_counts_for_the_team_they_were_in_each_day(proj):
    # user 1: team 1, then team 2 from Saturday 2026-01-10 12:00 (team.member_added to another team moves them)
    proj.post(team_setup() + [joined(2, 1, "2026-01-10T12:00"),
                              cc(1, "2026-01-09T10:00", completions=1, org_id=1),
                              cc(1, "2026-01-10T09:00", completions=2, org_id=1),  # day's activity 09:00-11:00,
                              activity(1, "2026-01-10T11:00"),                     # before the move: team 1
                              cc(1, "2026-01-11T10:00", completions=4, org_id=1)])
    args = ("team", 1, "daily", "2026-01-09T00:00:00Z", "2026-01-12T00:00:00Z")
    t1 = proj.usage(*args, teamId=T(1))
    t2 = proj.usage(*args, teamId=T(2))
    assert [b["codeCompletions"]["completions"] for b in t1] == [1, 2, 0]
    assert [b["codeCompletions"]["completions"] for b in t2] == [0, 0, 4]
    assert [b["activeUsers"] for b in t1] == [1, 1, 0]  # u1 (u2, also in team 1, was not active)
    weekly = proj.usage("team", 1, "weekly", "2026-01-05T00:00:00Z", "2026-01-19T00:00:00Z", teamId=T(2))
    assert [b["codeCompletions"]["completions"] for b in weekly] == [0 + 4, 0]  # Jan 11 is a Sunday


# u1 (team 1) moves to team 2 at 12:00 on 2026-01-20 with usage before and after the move; u2 (team 1) moves to
# team 2 at the same time, after its only activity of the day (08:00); u3 stays in team 2 and is not active.
MID_DAY_MOVES = [joined(2, 1, "2026-01-20T12:00"), joined(2, 2, "2026-01-20T12:00")]
MID_DAY_USAGE = [activity(2, "2026-01-20T08:00"),
                 cc(1, "2026-01-20T09:00", completions=2, org_id=1),
                 cc(1, "2026-01-20T15:00", completions=3, org_id=1)]
JAN_20 = ("2026-01-20T00:00:00Z", "2026-01-21T00:00:00Z")


def team_day(proj, t):
    [b] = proj.usage("team", 1, "all", *JAN_20, teamId=T(t))
    return b["codeCompletions"]["completions"], b["codeCompletions"]["activeUsers"], b["activeUsers"]


def test_a_move_in_the_middle_of_a_day_sends_the_usage_before_it_to_the_old_team_and_after_it_to_the_new(proj):
    # events.md: a usage event without team_id belongs to the user's team at that time
    proj.post(team_setup() + MID_DAY_MOVES + MID_DAY_USAGE)
    assert team_day(proj, 1) == (2, 1, 2)  # u1's 09:00 usage; active: u1 and u2 (08:00, before its move)
    assert team_day(proj, 2) == (3, 1, 1)  # u1's 15:00 usage; u2 had no event after joining
    # hourly-looking windows around the move
    [before] = proj.usage("team", 1, "all", "2026-01-20T00:00:00Z", "2026-01-20T12:00:00Z", teamId=T(2))
    assert before["activeUsers"] == 0 and before["codeCompletions"]["completions"] == 0
    # the org sees all of it
    [o] = proj.usage("organization", 1, "all", *JAN_20)
    assert (o["codeCompletions"]["completions"], o["activeUsers"]) == (5, 2)


def test_a_mid_day_move_in_v1_usage_by_team_and_by_user(proj):
    proj.post(team_setup() + MID_DAY_MOVES + MID_DAY_USAGE)
    window = {"from": JAN_20[0], "to": JAN_20[1], "granularity": "all"}
    by_team = proj.ok("/v1/usage", group_by="team", org_id=O(1), **window)
    assert [(s["group"], s["buckets"][0]["usage"]["codeCompletions"]["completions"], s["buckets"][0]["active_users"])
            for s in by_team["series"]] == [(T(1), 2, 2), (T(2), 3, 1)]
    # a team's users: those who were ever in it (or whose usage named it) and had an event in the window; each
    # counted for the team only while in it
    t1 = proj.ok("/v1/usage", group_by="user", team_id=T(1), **window)
    assert [(s["group"], s["buckets"][0]["usage"].get("codeCompletions", {}).get("completions", 0),
             s["buckets"][0]["active_users"]) for s in t1["series"]] == [(U(1), 2, 1), (U(2), 0, 1)]
    t2 = proj.ok("/v1/usage", group_by="user", team_id=T(2), **window)
    assert [(s["group"], s["buckets"][0]["usage"].get("codeCompletions", {}).get("completions", 0),
             s["buckets"][0]["active_users"]) for s in t2["series"]] == [(U(1), 3, 1), (U(2), 0, 0)]


@pytest.mark.parametrize("cached", [False, True], ids=["computed", "cached"])
def test_a_mid_day_move_counts_the_same_whether_it_arrives_before_or_after_the_usage(env, cached_env, cached):
    # events.md: the result of a set of events does not depend on their arrival order; the cached case keeps every
    # team's day rollups (ORGPULSE_USAGE_CACHE_MIN_USERS=0), which the move arriving later must refresh
    e = cached_env if cached else env
    first, later = e.project(), e.project()
    first.post(team_setup() + MID_DAY_MOVES + MID_DAY_USAGE)
    later.post(team_setup() + MID_DAY_USAGE)
    assert team_day(later, 1) == (5, 1, 2)  # before the moves arrive: u1 and u2 in team 1 all day
    assert team_day(later, 2) == (0, 0, 0)
    later.post(MID_DAY_MOVES)
    for proj in (first, later):
        assert team_day(proj, 1) == (2, 1, 2)
        assert team_day(proj, 2) == (3, 1, 1)
        daily = proj.usage("team", 1, "daily", "2026-01-19T00:00:00Z", "2026-01-22T00:00:00Z", teamId=T(2))
        assert [b["codeCompletions"]["completions"] for b in daily] == [0, 3, 0]


# ---- orgs: joining in the middle of a day ----

def test_usage_and_activity_before_joining_the_org_mid_day_do_not_count_for_it(proj):
    # user 1 joins org 1 at 12:00: its 10:00 usage (naming no org) and 11:00 activity are not org 1's, its 14:00
    # usage is; user 2 joins at 12:00 too and is active only before
    proj.post([org(1), user(1), user(2), member(1, 1, "2026-01-05T12:00"), member(1, 2, "2026-01-05T12:00"),
               cc(1, "2026-01-05T10:00", completions=1), activity(1, "2026-01-05T11:00"),
               cc(1, "2026-01-05T14:00", completions=2), activity(2, "2026-01-05T09:00")])
    [b] = proj.usage("organization", 1, "all", "2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z")
    assert (b["codeCompletions"]["completions"], b["activeUsers"]) == (2, 1)
    [b] = proj.usage("user", 1, "all", "2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z", userId=U(1))
    assert (b["codeCompletions"]["completions"], b["activeUsers"]) == (2, 1)
    [b] = proj.usage("user", 1, "all", "2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z", userId=U(2))
    assert b["activeUsers"] == 0


def test_leaving_a_team_ends_its_usage_and_a_named_team_of_another_org_does_not_take_it(proj):
    proj.post(team_setup() + [org(2), team(9, 2), left(1, 2, "2026-01-10T00:00"),
                              cc(2, "2026-01-09T10:00", completions=1, org_id=1),
                              cc(2, "2026-01-11T10:00", completions=2, org_id=1),
                              cc(1, "2026-01-11T10:00", completions=4, org_id=2)])  # org 2 is not team 1's org
    [b] = proj.usage("team", 1, "all", "2026-01-09T00:00:00Z", "2026-01-12T00:00:00Z", teamId=T(1))
    assert b["codeCompletions"]["completions"] == 1


# ---- users ----

def test_user_usage_counts_the_users_usage_for_the_org_and_its_active_users_are_zero_or_one(proj):
    proj.post(base(users=(1, 2), orgs=(1, 2)) + [cc(1, "2026-01-05T10:00", completions=2, org_id=1),
                                                 cc(1, "2026-01-05T11:00", completions=5, org_id=2),
                                                 cc(2, "2026-01-05T10:00", completions=7, org_id=1),
                                                 chat(1, "2026-01-07T10:00", interactions=3)])
    data = proj.usage("user", 1, "daily", "2026-01-05T00:00:00Z", "2026-01-08T00:00:00Z", userId=U(1))
    assert [b["activeUsers"] for b in data] == [1, 0, 1]
    assert [b["codeCompletions"]["completions"] for b in data] == [2, 0, 0]
    assert [b["chat"]["interactions"] for b in data] == [0, 0, 3]
    body = proj.ok("/api/v1/user/usage", organizationId=O(1), userId=U(1), granularity="all",
                   **{"from": "2026-01-05T00:00:00Z", "to": "2026-01-08T00:00:00Z"})
    assert body["userId"] == U(1)


def test_a_former_members_usage_stays_readable(proj):
    proj.post(base() + [cc(2, "2026-01-05T10:00", completions=3), removed(1, 2, "2026-01-20")])
    [b] = proj.usage("user", 1, "all", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", userId=U(2))
    assert b["codeCompletions"]["completions"] == 3


# ---- features ----

def test_agent_and_instruct_appear_in_every_bucket_once_the_answer_has_any(proj):
    proj.post(base() + [usage(1, "2026-01-06T10:00", "agent", {"interactions": 2, "linesAdded": 30,
                                                               "linesAddedAccepted": 20, "linesRemoved": 5,
                                                               "linesRemovedAccepted": 4}, org_id=1),
                        usage(2, "2026-01-06T10:00", "instruct", {"acceptedCount": 9}, org_id=1)])
    data = proj.usage("organization", 1, "daily", "2026-01-05T00:00:00Z", "2026-01-07T00:00:00Z")
    assert data[0]["agent"] == {"activeUsers": 0, "interactions": 0, "linesAdded": 0, "linesAddedAccepted": 0,
                                "linesRemoved": 0, "linesRemovedAccepted": 0}
    assert data[1]["agent"] == {"activeUsers": 1, "interactions": 2, "linesAdded": 30, "linesAddedAccepted": 20,
                                "linesRemoved": 5, "linesRemovedAccepted": 4}
    assert data[0]["instruct"] == {"activeUsers": 0, "acceptedCount": 0}
    assert data[1]["instruct"] == {"activeUsers": 1, "acceptedCount": 9}
    assert data[1]["activeUsers"] == 2
    without = proj.usage("organization", 1, "all", "2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z")
    assert "agent" not in without[0] and "instruct" not in without[0]


def test_other_metrics_of_a_known_feature_are_shown_and_other_features_only_count_as_activity(proj):
    proj.post(base() + [usage(1, "2026-01-05T10:00", "codeCompletions", {"completions": 1, "tabs": 6}, org_id=1),
                        usage(2, "2026-01-05T10:00", "search", {"queries": 3}, org_id=1)])
    [b] = proj.usage("organization", 1, "all", "2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z")
    assert b["codeCompletions"]["tabs"] == 6 and b["codeCompletions"]["completions"] == 1
    assert "search" not in b
    assert b["activeUsers"] == 2


def test_fractional_metric_values_are_summed_as_numbers(proj):
    proj.post(base() + [usage(1, "2026-01-05T10:00", "codeCompletions", {"lines": 1.25}, org_id=1),
                        usage(1, "2026-01-05T11:00", "codeCompletions", {"lines": 2.5}, org_id=1)])
    [b] = proj.usage("organization", 1, "all", "2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z")
    assert b["codeCompletions"]["lines"] == 3.75


def test_late_events_reach_an_answer_already_given(proj):
    # rollups of big scopes are cached per day; a small org is recomputed each time, and both must see new events
    proj.post(base())
    first = proj.usage("organization", 1, "daily", "2026-01-05T00:00:00Z", "2026-01-07T00:00:00Z")
    assert [b["activeUsers"] for b in first] == [0, 0]
    proj.post([cc(1, "2026-01-06T10:00", completions=2, org_id=1)])
    again = proj.usage("organization", 1, "daily", "2026-01-05T00:00:00Z", "2026-01-07T00:00:00Z")
    assert [b["codeCompletions"]["completions"] for b in again] == [0, 2]


def test_late_events_reach_the_cached_days_of_a_big_org(proj):
    # an org with >= 2000 candidate users keeps its day rollups (usage.c); a day whose events changed is recomputed
    n = 2000
    proj.post([org(1)] + [user(u) for u in range(1, n + 1)] + [member(1, u) for u in range(1, n + 1)] +
              [cc(u, "2026-01-05T10:00", completions=1) for u in range(1, 11)])
    window = ("organization", 1, "daily", "2026-01-05T00:00:00Z", "2026-01-07T00:00:00Z")
    assert [b["codeCompletions"]["completions"] for b in proj.usage(*window)] == [10, 0]
    proj.post([cc(11, "2026-01-06T10:00", completions=5), activity(12, "2026-01-05T11:00")])
    data = proj.usage(*window)
    assert [b["codeCompletions"]["completions"] for b in data] == [10, 5]
    assert [b["activeUsers"] for b in data] == [11, 1]
    proj.post([removed(1, 12, "2026-01-05T00:00"), status("deleted", 1, "2026-02-01")])
    data = proj.usage(*window)
    assert [b["activeUsers"] for b in data] == [9, 1]  # user 12 was no member at 11:00, user 1 is deleted
    assert [b["codeCompletions"]["completions"] for b in data] == [9, 5]


# ---- GET /v1/usage ----

def v1(proj, **params):
    return proj.ok("/v1/usage", **params)


def test_v1_usage_sums_any_feature_and_metric_per_bucket_with_active_users(proj):
    proj.post(base() + [usage(1, "2026-01-05T10:00", "search", {"queries": 3, "results": 30}, org_id=1),
                        usage(2, "2026-01-06T10:00", "search", {"queries": 1}, org_id=1),
                        usage(2, "2026-01-06T11:00", None, {"requests": 5}),
                        activity(1, "2026-01-06T09:00")])
    body = v1(proj, **{"from": "2026-01-05", "to": "2026-01-07", "granularity": "day"})
    assert body["granularity"] == "day" and body["group_by"] is None
    assert body["from"] == "2026-01-05T00:00:00Z" and body["to"] == "2026-01-07T00:00:00Z"
    assert body["meta"] == {"count": 1, "total": 1, "next": None}
    [series] = body["series"]
    assert series["group"] is None
    assert series["buckets"] == [
        {"from": "2026-01-05T00:00:00Z", "to": "2026-01-06T00:00:00Z", "active_users": 1,
         "usage": {"search": {"queries": 3, "results": 30}, "": {"requests": 0}}},
        {"from": "2026-01-06T00:00:00Z", "to": "2026-01-07T00:00:00Z", "active_users": 2,
         "usage": {"search": {"queries": 1, "results": 0}, "": {"requests": 5}}},
    ]


def test_v1_usage_feature_and_metric_filters_keep_that_usage_and_its_users(proj):
    proj.post(base() + [usage(1, "2026-01-05T10:00", "search", {"queries": 3, "results": 30}),
                        usage(2, "2026-01-05T10:00", "chat", {"interactions": 2}),
                        activity(2, "2026-01-05T12:00")])
    body = v1(proj, **{"from": "2026-01-05", "to": "2026-01-06", "granularity": "all", "feature": "search",
                       "metric": "queries"})
    [b] = body["series"][0]["buckets"]
    assert b["active_users"] == 1 and b["usage"] == {"search": {"queries": 3}}
    assert body["filters"] == {"org_id": None, "team_id": None, "user_id": None, "feature": "search",
                               "metric": "queries"}
    none = v1(proj, **{"from": "2026-01-05", "to": "2026-01-06", "granularity": "all", "feature": "nope"})
    assert none["series"][0]["buckets"][0]["active_users"] == 0 and none["series"][0]["buckets"][0]["usage"] == {}


def test_v1_usage_groups_by_org_team_user_and_feature(proj):
    proj.post(team_setup() + [org(2), member(2, 1), cc(1, "2026-01-05T10:00", completions=2),
                              cc(3, "2026-01-05T10:00", completions=4, org_id=1),
                              chat(2, "2026-01-05T10:00", interactions=1, org_id=1)])
    window = {"from": "2026-01-05", "to": "2026-01-06", "granularity": "all"}
    by_org = v1(proj, group_by="org", **window)
    assert [(s["group"], s["buckets"][0]["usage"]["codeCompletions"]["completions"]) for s in by_org["series"]] == \
        [(O(1), 6), (O(2), 2)]
    by_team = v1(proj, group_by="team", org_id=O(1), **window)
    assert [(s["group"], s["buckets"][0]["active_users"]) for s in by_team["series"]] == [(T(1), 2), (T(2), 1)]
    by_user = v1(proj, group_by="user", org_id=O(1), **window)
    assert [s["group"] for s in by_user["series"]] == [U(1), U(2), U(3)]
    by_feature = v1(proj, group_by="feature", org_id=O(1), **window)
    assert [(s["group"], s["buckets"][0]["active_users"], list(s["buckets"][0]["usage"])) for s in
            by_feature["series"]] == [("chat", 1, ["chat"]), ("codeCompletions", 2, ["codeCompletions"])]
    assert by_feature["series"][0]["buckets"][0]["usage"]["chat"]["interactions"] == 1
    assert by_feature["series"][1]["buckets"][0]["usage"]["codeCompletions"] == {"completions": 6, "charsCompleted": 0,
                                                                                "keystrokes": 0, "lines": 0}


def test_v1_usage_pages_its_groups_with_meta_next(proj):
    proj.post(base(users=(1, 2, 3)) + [cc(u, "2026-01-05T10:00") for u in (1, 2, 3)])
    window = {"from": "2026-01-05", "to": "2026-01-06", "granularity": "all", "group_by": "user"}
    first = v1(proj, limit=2, **window)
    assert [s["group"] for s in first["series"]] == [U(1), U(2)]
    assert first["meta"] == {"count": 2, "total": 3, "next": {"limit": 2, "offset": 2}}
    rest = v1(proj, limit=2, offset=2, **window)
    assert [s["group"] for s in rest["series"]] == [U(3)] and rest["meta"]["next"] is None


def test_v1_usage_defaults_to_the_last_30_days_by_day(proj):
    body = v1(proj)
    assert body["granularity"] == "day" and len(body["series"][0]["buckets"]) == 30
    assert body["to"] == "2026-03-16T00:00:00Z" and body["from"] == "2026-02-14T00:00:00Z"


@pytest.mark.parametrize("params,field", [
    ({"from": "yesterday"}, "from"), ({"to": "2026-13-01"}, "to"), ({"granularity": "hourly"}, "granularity"),
    ({"group_by": "country"}, "group_by"), ({"limit": "0"}, "limit"), ({"offset": "-1"}, "offset"),
    ({"from": "2026-01-05", "to": "2026-01-05"}, "to"), ({"from": "2010-01-01", "to": "2026-01-01"}, "to"),
    ({"from": "2025-01-01", "to": "2026-01-01", "group_by": "feature", "granularity": "day", "limit": "1000"}, None),
])
def test_v1_usage_rejects_bad_parameters_in_the_orgpulse_shape(proj, params, field):
    r = proj.get("/v1/usage", **params)
    if field is None:
        assert r.status_code == 200
        return
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "invalid_request" and r.json()["field"] == field


def test_v1_usage_answers_404_for_an_unknown_org_team_or_user(proj):
    proj.post(base())
    for name in ("org_id", "team_id", "user_id"):
        r = proj.get("/v1/usage", **{name: "nope"})
        assert r.status_code == 404 and r.json()["field"] == name


def test_v1_usage_refuses_too_many_cells(proj):
    proj.post(base(users=tuple(range(1, 120))) + [cc(u, "2026-01-05T10:00") for u in range(1, 120)])
    r = proj.get("/v1/usage", **{"from": "2023-01-01", "to": "2026-01-06", "granularity": "day", "group_by": "user",
                                "limit": "1000"})
    assert r.status_code == 400 and r.json()["field"] == "limit"
