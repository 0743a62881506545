"""The compared questions as SQL over one flat table
    events(type TEXT, ts BIGINT /* Unix ms UTC */, user_id TEXT, org_id TEXT, inviter_user_id TEXT)
following the contract at the top of src/engine/insights.h. Reports return their first page (10 rows, the API's
default page_size) in the report's order with the total row count (count(*) OVER ()), so the whole ordered report is
computed, as orgpulse computes a whole snapshot; charts return one row per non-empty bucket.
    queries.py DIALECT CLOCK   -> JSON [{label, kind, path, sql}] on stdout (DIALECT: sqlite|postgres|duckdb)

Simplifications against insights.h (the run script prints this paragraph under the table):
  - ties in event time within one (org, user) membership history or one user's deactivate/reactivate history are
    broken arbitrarily (orgpulse breaks them by content hash);
  - a user's creation time for signups is the first user.created, else the first event naming the user in user_id
    (an inviter_user_id mention alone is ignored);
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


def org_growth(n):
    return f"""WITH m AS (SELECT org_id, user_id, type, ts,
    lag(type) OVER (PARTITION BY org_id, user_id ORDER BY ts) AS prev
  FROM events WHERE type IN ('member.added', 'member.removed')),
g AS (SELECT org_id,
    sum(CASE WHEN type = 'member.added' AND (prev IS NULL OR prev = 'member.removed') THEN 1 ELSE 0 END) AS a,
    sum(CASE WHEN type = 'member.removed' AND prev = 'member.added' THEN 1 ELSE 0 END) AS r
  FROM m WHERE ts >= {NOW - n * DAY} AND ts < {NOW} AND user_id NOT IN ({DELETED_USERS})
  GROUP BY org_id)
SELECT org_id, a, r, count(*) OVER () AS total FROM g
WHERE a - r > 0 AND org_id NOT IN ({DELETED_ORGS})
ORDER BY a - r DESC, a DESC, org_id LIMIT 10"""


def span(cadence, s):
    """[start, stop) in ms of the buckets overlapping [start_date, end_date] (measure.py's spans)."""
    if cadence == "Daily":
        first = end - datetime.timedelta(days=364)
        return day_ms(first), day_ms(end) + DAY
    first = end - datetime.timedelta(weeks=51)
    first -= datetime.timedelta(days=first.weekday())
    last = end - datetime.timedelta(days=end.weekday())
    return day_ms(first), day_ms(last) + 7 * DAY


def bucket(cadence, col):
    # UTC day number; ISO week (from Monday) number: 1970-01-01 was a Thursday
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
S = {"Daily": "365 days", "Weekly": "52 weeks"}
Q = [
    ("user_report/churn 7", REPORT, "/api/backend/v1/user_report/churn?report_interval=7", user_churn(7)),
    ("user_report/champion 30", REPORT, "/api/backend/v1/user_report/champion?report_interval=30", user_champion(30)),
    ("user_report/top_inviter 30", REPORT, "/api/backend/v1/user_report/top_inviter?report_interval=30",
     user_top_inviter(30)),
    ("org_report/growth 30", REPORT, "/api/backend/v1/org_report/growth?report_interval=30", org_growth(30)),
]
for metric, fn, cads in (("active_users", active_users, ("Daily", "Weekly")), ("signups", signups, ("Daily",)),
                         ("active_orgs", active_orgs, ("Daily",))):
    for c in cads:
        a, b = span(c, None)
        start = datetime.date(1970, 1, 1) + datetime.timedelta(days=a // DAY)
        # orgpulse gets measure.py's start_date; the bucket that holds it starts at `start`
        sd = end - (datetime.timedelta(days=364) if c == "Daily" else datetime.timedelta(weeks=51))
        Q.append((f"chart {metric} {c} ({S[c]})", CHART,
                  f"/api/backend/v1/chart_metrics/{metric}?cadence={c}&start_date={sd}&end_date={end}", fn(c)))

json.dump([{"label": l, "kind": k, "path": p, "sql": s} for l, k, p, s in Q], sys.stdout, indent=1)
