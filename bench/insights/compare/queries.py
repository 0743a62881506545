"""The compared questions as SQL over one flat table
    events(type TEXT, ts BIGINT /* Unix ms UTC */, user_id TEXT, org_id TEXT, inviter_user_id TEXT)
following the contract at the top of src/engine/insights.h. Reports return their first page (10 rows, the API's
default page_size) in the report's order with the total row count (count(*) OVER ()), so the whole ordered report is
computed, as orgpulse computes a whole snapshot; charts return one row per non-empty bucket.
    queries.py DIALECT CLOCK   -> JSON [{label, kind, path, sql}] on stdout (DIALECT: sqlite|postgres|duckdb)
The questions: the four user reports (churn 7, champion 30, top_inviter 30, reengagement Weekly), the four org reports
(growth 30, churn 7, reengagement Weekly, attrition 30), and the charts active_users, signups and active_orgs at Daily
(365 days), Weekly (52 weeks) and Monthly (12 months), orgs_created Daily; spans and start_date as
bench/insights/measure.py asks them.

Simplifications against insights.h (the run script prints this paragraph under the table):
  - ties in event time within one (org, user) membership history or one user's deactivate/reactivate history are
    broken arbitrarily (orgpulse breaks them by content hash);
  - a user's creation time for signups is the first user.created, else the first event naming the user in user_id
    (an inviter_user_id mention alone is ignored); an org's for orgs_created likewise with org.created and org_id;
  - an org's activity times (org churn and reengagement, active_orgs) take a member's activity at its exact time
    (orgpulse keeps a user's first and last time per day, so within a day of a membership change it can differ);
  - charts list non-empty buckets only (orgpulse zero-fills); the partial bucket past `now` is computed the same way.
"""
import datetime
import json
import sys

DAY = 86400000
dialect, clock = sys.argv[1], sys.argv[2]
D = "//" if dialect == "duckdb" else "/"  # integer division (DuckDB's / is real division)
now_dt = datetime.datetime.fromisoformat(clock.replace("Z", "+00:00"))
NOW = int(now_dt.timestamp() * 1000)
end = now_dt.date()  # bench/insights/measure.py: end_date = CLOCK's day


def day_ms(d):
    return (d - datetime.date(1970, 1, 1)).days * DAY


ACT = "type IN ('activity', 'usage')"
DELETED_USERS = "SELECT user_id FROM events WHERE type = 'user.deleted'"
DELETED_ORGS = "SELECT org_id FROM events WHERE type = 'org.deleted'"
# deleted, or deactivated now (the last of its deactivate/reactivate events is a deactivate)
EXCLUDED_USERS = f"""{DELETED_USERS}
  UNION SELECT user_id FROM (
    SELECT user_id, type, row_number() OVER (PARTITION BY user_id ORDER BY ts DESC) AS rn
    FROM events WHERE type IN ('user.deactivated', 'user.reactivated') AND ts <= {NOW}) da
  WHERE rn = 1 AND type = 'user.deactivated'"""


def user_churn(n):
    return f"""WITH la AS (SELECT user_id, max(ts) AS last FROM events WHERE {ACT} AND ts < {NOW} GROUP BY user_id)
SELECT user_id, last, count(*) OVER () AS total FROM la
WHERE last < {NOW - n * DAY} AND user_id NOT IN ({EXCLUDED_USERS})
ORDER BY last DESC, user_id LIMIT 10"""


def user_champion(n):
    return f"""WITH w AS (SELECT user_id, count(DISTINCT ts {D} {DAY}) AS days, max(ts) AS last FROM events
  WHERE {ACT} AND ts >= {NOW - n * DAY} AND ts < {NOW} GROUP BY user_id)
SELECT user_id, days, last, count(*) OVER () AS total FROM w
WHERE user_id NOT IN ({EXCLUDED_USERS})
ORDER BY days DESC, last DESC, user_id LIMIT 10"""


def user_top_inviter(n):
    return f"""WITH w AS (SELECT inviter_user_id AS user_id, count(*) AS invites FROM events
  WHERE type = 'invite.sent' AND inviter_user_id IS NOT NULL AND ts >= {NOW - n * DAY} AND ts < {NOW}
  GROUP BY inviter_user_id)
SELECT user_id, invites, count(*) OVER () AS total FROM w
WHERE user_id NOT IN ({EXCLUDED_USERS})
ORDER BY invites DESC, user_id LIMIT 10"""


def membership_changes(n):
    """CTEs m, g(org_id, a, r): membership starts (an add while not a member) and ends (a remove while a member) in
    [now-N d, now) per org, users not deleted: the counts growth and attrition rank by."""
    return f"""m AS (SELECT org_id, user_id, type, ts,
    lag(type) OVER (PARTITION BY org_id, user_id ORDER BY ts) AS prev
  FROM events WHERE type IN ('member.added', 'member.removed')),
g AS (SELECT org_id,
    sum(CASE WHEN type = 'member.added' AND (prev IS NULL OR prev = 'member.removed') THEN 1 ELSE 0 END) AS a,
    sum(CASE WHEN type = 'member.removed' AND prev = 'member.added' THEN 1 ELSE 0 END) AS r
  FROM m WHERE ts >= {NOW - n * DAY} AND ts < {NOW} AND user_id NOT IN ({DELETED_USERS})
  GROUP BY org_id)"""


def org_growth(n):
    return f"""WITH {membership_changes(n)}
SELECT org_id, a, r, count(*) OVER () AS total FROM g
WHERE a - r > 0 AND org_id NOT IN ({DELETED_ORGS})
ORDER BY a - r DESC, a DESC, org_id LIMIT 10"""


def user_reengagement(p):
    """P days: activity in [now-P, now), none in [now-2P, now-P), some before now-2P."""
    return f"""WITH f AS (SELECT user_id, max(ts) AS last,
    max(CASE WHEN ts >= {NOW - 2 * p * DAY} AND ts < {NOW - p * DAY} THEN 1 ELSE 0 END) AS middle,
    min(ts) AS first
  FROM events WHERE {ACT} AND ts < {NOW} GROUP BY user_id)
SELECT user_id, last, count(*) OVER () AS total FROM f
WHERE last >= {NOW - p * DAY} AND middle = 0 AND first < {NOW - 2 * p * DAY}
  AND user_id NOT IN ({EXCLUDED_USERS})
ORDER BY last DESC, user_id LIMIT 10"""


# memberships as intervals [add, the next add/remove of the same (org, user)), unbounded after the last add
MEMBER_IV = """m AS (SELECT org_id, user_id, type, ts AS s,
    lead(ts) OVER (PARTITION BY org_id, user_id ORDER BY ts) AS e
  FROM events WHERE type IN ('member.added', 'member.removed')),
iv AS (SELECT org_id, user_id, s, e FROM m WHERE type = 'member.added')"""


def org_activity(lo=None, hi=None):
    """CTEs act, m, iv, oa(org_id, ts): an org's activity times (insights.h): the activities naming the org, plus those
    of a user, not deleted, while a member of it; only times in [lo, hi) when given."""
    w = (f" AND ts >= {lo}" if lo is not None else "") + (f" AND ts < {hi}" if hi is not None else "")
    return f"""act AS (SELECT user_id, org_id, ts FROM events WHERE {ACT}{w}),
{MEMBER_IV},
oa AS (SELECT org_id, ts FROM act WHERE org_id IS NOT NULL
  UNION ALL
  SELECT iv.org_id, act.ts FROM act JOIN iv ON act.user_id = iv.user_id AND act.ts >= iv.s
    AND (iv.e IS NULL OR act.ts < iv.e)
  WHERE act.user_id NOT IN ({DELETED_USERS}))"""


def org_churn(n):
    """>= 1 current member (a user, not deleted, whose last add/remove in the org is an add), some activity time, none
    in [now-N d, now)."""
    return f"""WITH {org_activity(hi=NOW)},
f AS (SELECT org_id, max(ts) AS last FROM oa GROUP BY org_id),
cur AS (SELECT DISTINCT org_id FROM (SELECT org_id, user_id, type,
    row_number() OVER (PARTITION BY org_id, user_id ORDER BY ts DESC) AS rn
  FROM events WHERE type IN ('member.added', 'member.removed') AND ts <= {NOW}) x
  WHERE rn = 1 AND type = 'member.added' AND user_id NOT IN ({DELETED_USERS}))
SELECT f.org_id, last, count(*) OVER () AS total FROM f JOIN cur ON f.org_id = cur.org_id
WHERE last < {NOW - n * DAY} AND f.org_id NOT IN ({DELETED_ORGS})
ORDER BY last DESC, f.org_id LIMIT 10"""


def org_reengagement(p):
    return f"""WITH {org_activity(hi=NOW)},
f AS (SELECT org_id, max(ts) AS last,
    max(CASE WHEN ts >= {NOW - 2 * p * DAY} AND ts < {NOW - p * DAY} THEN 1 ELSE 0 END) AS middle,
    min(ts) AS first
  FROM oa GROUP BY org_id)
SELECT org_id, last, count(*) OVER () AS total FROM f
WHERE last >= {NOW - p * DAY} AND middle = 0 AND first < {NOW - 2 * p * DAY}
  AND org_id NOT IN ({DELETED_ORGS})
ORDER BY last DESC, org_id LIMIT 10"""


def org_attrition(n):
    """a and r as for growth; r >= 1. Order: r desc, a-r asc, org_id asc."""
    return f"""WITH {membership_changes(n)}
SELECT org_id, a, r, count(*) OVER () AS total FROM g
WHERE r >= 1 AND org_id NOT IN ({DELETED_ORGS})
ORDER BY r DESC, a - r, org_id LIMIT 10"""


def month_start(d, k=0):
    """The first day of the calendar month k months after d's."""
    m = d.year * 12 + d.month - 1 + k
    return datetime.date(m // 12, m % 12 + 1, 1)


def start_date(cadence):
    """measure.py's start_date for the cadence's span (365 days, 52 weeks, 12 months) ending at `end`."""
    if cadence == "Daily":
        return end - datetime.timedelta(days=364)
    if cadence == "Weekly":
        return end - datetime.timedelta(weeks=51)
    return (end.replace(day=1) - datetime.timedelta(days=330)).replace(day=1)


def span(cadence, s):
    """[start, stop) in ms of the buckets overlapping [start_date, end_date] (measure.py's spans)."""
    if cadence == "Daily":
        first = end - datetime.timedelta(days=364)
        return day_ms(first), day_ms(end) + DAY
    if cadence == "Monthly":
        return day_ms(month_start(start_date(cadence))), day_ms(month_start(end, 1))
    first = end - datetime.timedelta(weeks=51)
    first -= datetime.timedelta(days=first.weekday())
    last = end - datetime.timedelta(days=end.weekday())
    return day_ms(first), day_ms(last) + 7 * DAY


def bucket(cadence, col):
    # UTC day number; ISO week (from Monday) number: 1970-01-01 was a Thursday; calendar month: the index of the
    # month in the span, by its boundaries (the same in every dialect)
    if cadence == "Monthly":
        first = month_start(start_date(cadence))
        bounds = []
        k = 1
        while month_start(first, k) <= month_start(end):
            bounds.append(day_ms(month_start(first, k)))
            k += 1
        return "CASE " + " ".join(f"WHEN {col} < {b} THEN {i}" for i, b in enumerate(bounds)) + f" ELSE {len(bounds)} END"
    return f"{col} {D} {DAY}" if cadence == "Daily" else f"({col} {D} {DAY} + 3) {D} 7"


def active_users(cadence):
    a, b = span(cadence, None)
    return f"""SELECT {bucket(cadence, 'ts')} AS bucket, count(DISTINCT user_id) AS n FROM events
WHERE {ACT} AND ts >= {a} AND ts < {b} AND user_id NOT IN ({DELETED_USERS})
GROUP BY 1 ORDER BY 1"""


def signups(cadence):
    a, b = span(cadence, None)
    return f"""WITH c AS (SELECT user_id,
    coalesce(min(CASE WHEN type = 'user.created' THEN ts END), min(ts)) AS created
  FROM events WHERE user_id IS NOT NULL GROUP BY user_id)
SELECT {bucket(cadence, 'created')} AS bucket, count(*) AS n FROM c
WHERE created >= {a} AND created < {b} AND user_id NOT IN ({DELETED_USERS})
GROUP BY 1 ORDER BY 1"""


def orgs_created(cadence):
    a, b = span(cadence, None)
    return f"""WITH c AS (SELECT org_id,
    coalesce(min(CASE WHEN type = 'org.created' THEN ts END), min(ts)) AS created
  FROM events WHERE org_id IS NOT NULL GROUP BY org_id)
SELECT {bucket(cadence, 'created')} AS bucket, count(*) AS n FROM c
WHERE created >= {a} AND created < {b} AND org_id NOT IN ({DELETED_ORGS})
GROUP BY 1 ORDER BY 1"""


def active_orgs(cadence):
    """Exact membership as of the event time: intervals [add, next add/remove of the same (org, user)), unbounded
    after the last add; an activity counts for the org it names (whoever sent it) and, if its user is not deleted,
    for every org the user was a member of then."""
    a, b = span(cadence, None)
    return f"""WITH act AS (SELECT user_id, org_id, ts FROM events WHERE {ACT} AND ts >= {a} AND ts < {b}),
m AS (SELECT org_id, user_id, type, ts AS s,
    lead(ts) OVER (PARTITION BY org_id, user_id ORDER BY ts) AS e
  FROM events WHERE type IN ('member.added', 'member.removed')),
iv AS (SELECT org_id, user_id, s, e FROM m WHERE type = 'member.added' AND s < {b} AND (e IS NULL OR e > {a})),
oa AS (SELECT org_id, ts FROM act WHERE org_id IS NOT NULL
  UNION ALL
  SELECT iv.org_id, act.ts FROM act JOIN iv ON act.user_id = iv.user_id AND act.ts >= iv.s
    AND (iv.e IS NULL OR act.ts < iv.e)
  WHERE act.user_id NOT IN ({DELETED_USERS}))
SELECT {bucket(cadence, 'ts')} AS bucket, count(DISTINCT org_id) AS n FROM oa
WHERE org_id NOT IN ({DELETED_ORGS})
GROUP BY 1 ORDER BY 1"""


REPORT = "report"
CHART = "chart"
S = {"Daily": "365 days", "Weekly": "52 weeks", "Monthly": "12 months"}
U = "/api/backend/v1/user_report/"
O = "/api/backend/v1/org_report/"
Q = [
    ("user_report/churn 7", REPORT, U + "churn?report_interval=7", user_churn(7)),
    ("user_report/champion 30", REPORT, U + "champion?report_interval=30", user_champion(30)),
    ("user_report/top_inviter 30", REPORT, U + "top_inviter?report_interval=30", user_top_inviter(30)),
    ("user_report/reengagement Weekly", REPORT, U + "reengagement?report_interval=Weekly", user_reengagement(7)),
    ("org_report/growth 30", REPORT, O + "growth?report_interval=30", org_growth(30)),
    ("org_report/churn 7", REPORT, O + "churn?report_interval=7", org_churn(7)),
    ("org_report/reengagement Weekly", REPORT, O + "reengagement?report_interval=Weekly", org_reengagement(7)),
    ("org_report/attrition 30", REPORT, O + "attrition?report_interval=30", org_attrition(30)),
]
for metric, fn, cads in (("active_users", active_users, ("Daily", "Weekly", "Monthly")),
                         ("signups", signups, ("Daily", "Weekly", "Monthly")),
                         ("orgs_created", orgs_created, ("Daily",)),
                         ("active_orgs", active_orgs, ("Daily", "Weekly", "Monthly"))):
    for c in cads:
        # orgpulse gets measure.py's start_date; the bucket that holds it starts at span(c)'s start
        Q.append((f"chart {metric} {c} ({S[c]})", CHART,
                  f"/api/backend/v1/chart_metrics/{metric}?cadence={c}&start_date={start_date(c)}&end_date={end}",
                  fn(c)))

json.dump([{"label": l, "kind": k, "path": p, "sql": s} for l, k, p, s in Q], sys.stdout, indent=1)
