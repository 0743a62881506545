"""A plain reference implementation of the Insights reports and charts (src/engine/insights.h, the contract comment;
../shared/specs/propelauth.md), computed directly from a list of events (../shared/specs/events.md).

It is written for obviousness, not speed: every definition below is the contract's sentence turned into Python over
sorted lists of millisecond times. The oracle test (test_insights_oracle.py) compares the server's answers with it.

Member activity on a day cut on both sides. insights.h's precision remark: an entity's activity is kept per UTC day
as the first and last time that day, and "whether a member's activity on the day of a join or a leave falls inside
the membership is judged from that day's first and last time". The org functions therefore take a `model` for the
activity an org gets through its members (nothing else is affected):
  - "exact": the contract to the millisecond;
  - "span":  a member's active day is taken as the span [first, last]: "activity in [a, b)" is some active day with
             first < b and last >= a (index.h day_list_any_in);
  - "point": a member's active day is its two times: "activity in [a, b)" is first or last in [a, b).
For the latest member activity in a membership [s, e), both day models take the latest of the days' first and last
times that lies in [s, e) (index.h day_list_latest_in). The three models agree except when both ends of a question
cut into the same day (a membership that starts and ends on one day, or a window edge on the day a membership starts
or ends), where the exact answer lies between "point" and "span". The test accepts, per org, the answer of any model.

Ties: facts are applied in (timestamp, position in the stream) order. The server breaks ties between different facts
at the same millisecond by a content hash instead; `conflicting_ties()` lists such ties so a test can check that a
stream has none (the demo generator never produces them).
"""
import bisect
import datetime as dt

DAY_MS = 86_400_000
EPOCH = dt.date(1970, 1, 1)

USER_REPORTS = {"top_inviter": ("30", "60", "90"), "champion": ("30", "60", "90"),
                "reengagement": ("Weekly", "Monthly"), "churn": ("7", "14", "30")}
ORG_REPORTS = {"reengagement": ("Weekly", "Monthly"), "churn": ("7", "14", "30"),
               "growth": ("30", "60", "90"), "attrition": ("30", "60", "90")}
MODELS = ("exact", "span", "point")  # for member activity on a day cut on both sides (see above)
CHARTS = ("signups", "orgs_created", "active_users", "active_orgs")
CADENCES = ("Daily", "Weekly", "Monthly")


def interval_days(interval):
    """Days of a report_interval value: Weekly 7, Monthly 30, else the number."""
    return {"Weekly": 7, "Monthly": 30}.get(interval) or int(interval)


def window_offsets(report, interval):
    """The multiples of a day back from now at which the report's windows begin or end (0 = now itself)."""
    n = interval_days(interval)
    return (0, n, 2 * n) if report == "reengagement" else (0, n)


def parse_ts(value):
    """An event timestamp in ms since the epoch: integer Unix seconds or RFC 3339 (fraction truncated to ms)."""
    if isinstance(value, int):
        return value * 1000
    s = value.replace("t", "T").replace("z", "Z").replace(" ", "T", 1)
    date, _, rest = s.partition("T")
    if rest.endswith("Z"):
        clock, offset_min = rest[:-1], 0
    else:
        sign = 1 if "+" in rest else -1
        clock, _, off = rest.replace("-", "+").partition("+")
        offset_min = sign * (int(off[:2]) * 60 + int(off[3:5]))
    hms, _, frac = clock.partition(".")
    h, mi, sec = (int(x) for x in hms.split(":"))
    y, mo, d = (int(x) for x in date.split("-"))
    days = (dt.date(y, mo, d) - EPOCH).days
    ms = int((frac + "000")[:3]) if frac else 0
    return ((days * 24 + h) * 60 + mi) * 60_000 + min(sec, 59) * 1000 + ms - offset_min * 60_000


def day_of(ms):
    return ms // DAY_MS


def seconds(ms):
    """Unix seconds, floor (the wire's unit for times)."""
    return ms // 1000


def any_in(times, a, b):
    """Is some time of the sorted list in [a, b)?"""
    i = bisect.bisect_left(times, a)
    return i < len(times) and times[i] < b


def count_in(times, a, b):
    return bisect.bisect_left(times, b) - bisect.bisect_left(times, a)


class Membership:
    """One (org, user) pair: its member.added / member.removed / member.role_changed facts in time order."""

    def __init__(self):
        self.log = []  # (ts, seq, kind, role)

    def finish(self):
        self.log.sort(key=lambda x: (x[0], x[1]))
        # The membership's intervals [start, end): a start is an add while not a member, an end a remove while one.
        self.intervals, self.starts, self.ends = [], [], []
        member, start = False, None
        for ts, _, kind, _ in self.log:
            if kind == "member.added" and not member:
                member, start = True, ts
                self.starts.append(ts)
            elif kind == "member.removed" and member:
                member = False
                self.intervals.append((start, ts))
                self.ends.append(ts)
        if member:
            self.intervals.append((start, None))  # open: it lasts
        self.current = member
        roles = [role for _, _, kind, role in self.log if kind in ("member.added", "member.role_changed")]
        self.role = roles[-1] if roles else "Member"

    def member_at(self, t):
        """The last add/remove at or before t is an add."""
        last = None
        for ts, _, kind, _ in self.log:
            if ts > t:
                break
            if kind in ("member.added", "member.removed"):
                last = kind
        return last == "member.added"


class Reference:
    def __init__(self, events):
        users, orgs, memberships = {}, {}, {}

        def user(uid):
            return users.setdefault(uid, {"id": uid, "seen": [], "created": [], "status": [], "acts": [],
                                          "fields": {}, "memberships": {}})

        def org(oid):
            return orgs.setdefault(oid, {"id": oid, "seen": [], "created": [], "status": [], "named_acts": [],
                                         "fields": {}, "memberships": {}})

        self.invites = []  # (ts, inviter user id) of invite.sent events with an inviter
        for seq, e in enumerate(events):
            ts, kind = parse_ts(e["timestamp"]), e["type"]
            if "user_id" in e:
                user(e["user_id"])["seen"].append(ts)
            if "org_id" in e:
                org(e["org_id"])["seen"].append(ts)
            if kind == "invite.sent" and "inviter_user_id" in e:
                user(e["inviter_user_id"])["seen"].append(ts)
                self.invites.append((ts, e["inviter_user_id"]))
            if kind in ("user.created", "user.updated"):
                u = user(e["user_id"])
                for f in ("email", "username", "first_name", "last_name"):
                    if f in e:
                        u["fields"].setdefault(f, []).append((ts, seq, e[f]))
            if kind == "user.created":
                u["created"].append(ts)
            if kind in ("user.created", "user.deleted", "user.deactivated", "user.reactivated"):
                user(e["user_id"])["status"].append((ts, seq, kind))
            if kind in ("org.created", "org.updated") and "name" in e:
                org(e["org_id"])["fields"].setdefault("name", []).append((ts, seq, e["name"]))
            if kind == "org.created":
                org(e["org_id"])["created"].append(ts)
            if kind in ("org.created", "org.deleted"):
                org(e["org_id"])["status"].append((ts, seq, kind))
            if kind in ("member.added", "member.removed", "member.role_changed"):
                key = (e["org_id"], e["user_id"])
                m = memberships.setdefault(key, Membership())
                m.org, m.user = key
                m.log.append((ts, seq, kind, e.get("role", "Member") if kind != "member.removed" else None))
                users[e["user_id"]]["memberships"][e["org_id"]] = m
                orgs[e["org_id"]]["memberships"][e["user_id"]] = m
            if kind in ("activity", "usage"):
                user(e["user_id"])["acts"].append(ts)
                if "org_id" in e:
                    org(e["org_id"])["named_acts"].append(ts)

        def latest_kind(status, kinds):
            facts = sorted((ts, seq, k) for ts, seq, k in status if k in kinds)
            return facts[-1][2] if facts else None

        def lww(fields, name):
            vals = sorted(fields.get(name, []), key=lambda x: (x[0], x[1]))
            return vals[-1][2] if vals else None

        for u in users.values():
            u["acts"].sort()
            u["deleted"] = latest_kind(u["status"], ("user.created", "user.deleted")) == "user.deleted"
            u["deactivated"] = latest_kind(u["status"], ("user.deactivated", "user.reactivated")) == "user.deactivated"
            # creation: the earliest user.created, else the earliest event naming the user
            u["created_ms"] = min(u["created"]) if u["created"] else min(u["seen"])
            u["last_active"] = u["acts"][-1] if u["acts"] else None
            for f in ("email", "username", "first_name", "last_name"):
                u[f] = lww(u["fields"], f)
            # the user's activity per UTC day: (first, last) time that day
            u["days"] = {}
            for t in u["acts"]:
                f, l = u["days"].get(day_of(t), (t, t))
                u["days"][day_of(t)] = (min(f, t), max(l, t))
            u["day_keys"] = sorted(u["days"])
            u["day_times"] = sorted({t for f, l in u["days"].values() for t in (f, l)})
        for o in orgs.values():
            o["named_acts"].sort()
            o["deleted"] = latest_kind(o["status"], ("org.created", "org.deleted")) == "org.deleted"
            o["created_ms"] = min(o["created"]) if o["created"] else min(o["seen"])
            o["name"] = lww(o["fields"], "name")
        for m in memberships.values():
            m.finish()
        self.users, self.orgs, self.memberships = users, orgs, memberships
        self._day_sets = {}
        self.invites.sort()
        self.invites_by = {}  # inviter -> sorted times of the invitations they sent
        for ts, inviter in self.invites:
            self.invites_by.setdefault(inviter, []).append(ts)
        # The org's activity times (exact): events naming it, and those of a user, not deleted, while a member.
        for o in orgs.values():
            times = list(o["named_acts"])
            for uid, m in o["memberships"].items():
                if not users[uid]["deleted"]:
                    times += [t for t in users[uid]["acts"] if m.member_at(t)]
            o["acts"] = sorted(times)

    # ---- tie check ----

    def conflicting_ties(self):
        """Facts about one entity at one millisecond whose order matters (the server orders them by content hash)."""
        out = []
        for u in self.users.values():
            for kinds in (("user.created", "user.deleted"), ("user.deactivated", "user.reactivated")):
                out += _ties([(ts, k) for ts, _, k in u["status"] if k in kinds], u["id"])
            for f, vals in u["fields"].items():
                out += _ties([(ts, v) for ts, _, v in vals], (u["id"], f))
        for o in self.orgs.values():
            out += _ties([(ts, k) for ts, _, k in o["status"]], o["id"])
            out += _ties([(ts, v) for ts, _, v in o["fields"].get("name", [])], (o["id"], "name"))
        for key, m in self.memberships.items():
            out += _ties([(ts, (k, r)) for ts, _, k, r in m.log], key)
        return out

    # ---- org activity ----

    def _member_any_in(self, u, m, a, b, model):
        """Activity of user u while a member (membership m) in [a, b), by a day model ("span" or "point")."""
        for s, e in m.intervals:
            lo, hi = max(a, s), b if e is None else min(b, e)
            if lo >= hi:
                continue
            keys = u["day_keys"]
            for d in keys[bisect.bisect_left(keys, day_of(lo)):bisect.bisect_right(keys, day_of(hi - 1))]:
                f, l = u["days"][d]
                if (f < hi and l >= lo) if model == "span" else (lo <= f < hi or lo <= l < hi):
                    return True
        return False

    def _member_latest(self, u, m, model):
        """The latest activity of user u while a member, or None, by a day model. Under "span" a day's activity
        fills [first, last], so when a membership ends inside that span its latest time is the end minus 1 ms."""
        best = None
        times = u["day_times"]
        for s, e in m.intervals:
            i = len(times) if e is None else bisect.bisect_left(times, e)
            t = times[i - 1] if i > 0 and times[i - 1] >= s else None
            if model == "span" and e is not None:
                d = day_of(e - 1)
                if d in u["days"]:
                    f, l = u["days"][d]
                    if f < e and l >= e and e - 1 >= s:
                        t = e - 1
            if t is not None and (best is None or t > best):
                best = t
        return best

    def _members(self, o):
        """(user, membership) of the org's users that are not deleted."""
        return [(self.users[uid], m) for uid, m in o["memberships"].items() if not self.users[uid]["deleted"]]

    def org_any_in(self, o, a, b, model="exact"):
        if model == "exact":
            return any_in(o["acts"], a, b)
        return any_in(o["named_acts"], a, b) or any(self._member_any_in(u, m, a, b, model) for u, m in self._members(o))

    def org_latest(self, o, model="exact"):
        if model == "exact":
            return o["acts"][-1] if o["acts"] else None
        cands = [o["named_acts"][-1]] if o["named_acts"] else []
        cands += [t for t in (self._member_latest(u, m, model) for u, m in self._members(o)) if t is not None]
        return max(cands) if cands else None

    def org_days(self, o, model="exact"):
        """The UTC days on which the org has activity, each day asked on its own."""
        cache = o.setdefault("active_days", {})
        if model == "exact":
            cache[model] = {day_of(t) for t in o["acts"]}
        if model not in cache:
            days = {day_of(t) for t in o["named_acts"]}
            for u, m in self._members(o):
                days |= {d for d in u["days"] if self._member_any_in(u, m, d * DAY_MS, (d + 1) * DAY_MS, model)}
            cache[model] = days
        return cache[model]

    # ---- reports ----

    def org_data(self, u):
        rows = []
        for oid, m in sorted(u["memberships"].items()):
            o = self.orgs[oid]
            if m.current and not o["deleted"]:
                rows.append({"display_name": o["name"] or "", "org_id": oid, "user_role": m.role})
        return rows

    def user_row(self, u, extra):
        created = u["created_ms"]
        return {"user_id": u["id"], "email": u["email"] or "", "username": u["username"],
                "first_name": u["first_name"], "last_name": u["last_name"], "user_created_at": seconds(created),
                "last_active_at": seconds(u["last_active"] if u["last_active"] is not None else created),
                "org_data": self.org_data(u), "extra_properties": extra}

    def org_row(self, o, extra):
        members = sum(1 for u, m in self._members(o) if m.current)
        return {"org_id": o["id"], "name": o["name"] or "", "num_users": members,
                "org_created_at": seconds(o["created_ms"]), "extra_properties": extra}

    def user_report(self, name, interval, now):
        n = interval_days(interval) * DAY_MS
        listed = [u for u in self.users.values() if not u["deleted"] and not u["deactivated"]]
        rows = []  # (sort key, row)
        for u in listed:
            acts, last = u["acts"], u["last_active"]
            if name == "top_inviter":
                k = count_in(self.invites_by.get(u["id"], []), now - n, now)
                if k >= 1:
                    rows.append(((-k, u["id"]), self.user_row(u, {"num_invites": k})))
            elif name == "champion":
                days = len({day_of(t) for t in acts if now - n <= t < now})
                if days >= 1:
                    rows.append(((-days, -last, u["id"]), self.user_row(u, {"num_active_days": days})))
            elif name == "reengagement":
                if any_in(acts, now - n, now) and not any_in(acts, now - 2 * n, now - n) and \
                        any_in(acts, -10**18, now - 2 * n):
                    rows.append(((-last, u["id"]), self.user_row(u, {})))
            elif name == "churn":
                if acts and not any_in(acts, now - n, now):
                    rows.append(((-last, u["id"]), self.user_row(u, {})))
        return [row for _, row in sorted(rows, key=lambda x: x[0])]

    def org_report(self, name, interval, now, model="exact"):
        return [row for _, row in self.org_report_keyed(name, interval, now, model)]

    def org_report_keyed(self, name, interval, now, model="exact"):
        """[(sort key, row)] in the report's order."""
        n = interval_days(interval) * DAY_MS
        rows = []
        for o in self.orgs.values():
            if o["deleted"]:
                continue
            members = sum(1 for u, m in self._members(o) if m.current)
            if name in ("growth", "attrition"):
                a = sum(1 for u, m in self._members(o) for t in m.starts if now - n <= t < now)
                r = sum(1 for u, m in self._members(o) for t in m.ends if now - n <= t < now)
                if name == "growth" and a - r > 0:
                    rows.append(((-(a - r), -a, o["id"]),
                                 self.org_row(o, {"num_users_added": a, "num_users_removed": r})))
                if name == "attrition" and r >= 1:
                    rows.append(((-r, a - r, o["id"]), self.org_row(
                        o, {"num_users_added": a, "num_users_removed": r, "net_users_change": a - r})))
                continue
            recent = self.org_any_in(o, now - n, now, model)
            if name == "reengagement":
                if recent and not self.org_any_in(o, now - 2 * n, now - n, model) and \
                        self.org_any_in(o, -10**18, now - 2 * n, model):
                    rows.append((_desc_then(self.org_latest(o, model), o["id"]), self.org_row(o, {})))
            elif name == "churn":
                if members >= 1 and self.org_any_in(o, -10**18, 10**18, model) and not recent:
                    rows.append((_desc_then(self.org_latest(o, model), o["id"]), self.org_row(o, {})))
        return sorted(rows, key=lambda x: x[0])

    # ---- charts ----

    def _by_day(self, metric, model="exact"):
        """UTC day -> the set of (not deleted) users or orgs the metric counts on that day (created, or active)."""
        key = (metric, model)
        if key not in self._day_sets:
            days = {}
            if metric in ("signups", "active_users"):
                for u in self.users.values():
                    if not u["deleted"]:
                        for d in ([day_of(u["created_ms"])] if metric == "signups" else u["days"]):
                            days.setdefault(d, set()).add(u["id"])
            else:
                for o in self.orgs.values():
                    if not o["deleted"]:
                        for d in ([day_of(o["created_ms"])] if metric == "orgs_created" else self.org_days(o, model)):
                            days.setdefault(d, set()).add(o["id"])
            self._day_sets[key] = days
        return self._day_sets[key]

    def _buckets(self, cadence, start, end):
        """(first day, first day after) of every bucket overlapping [start, end], as day numbers, oldest first."""
        out, b = [], bucket_start(cadence, start)
        while b <= end:
            nxt = bucket_next(cadence, b)
            out.append(((b - EPOCH).days, (nxt - EPOCH).days))
            b = nxt
        return out

    def _distinct(self, metric, d0, d1, model="exact"):
        """The users or orgs the metric counts on some day of [d0, d1): one set, so a week is no sum of days."""
        days = self._by_day(metric, model)
        return set().union(*(days.get(d, set()) for d in range(d0, d1)))

    def chart(self, metric, cadence, start, end, now, model="exact"):
        """Every bucket overlapping [start, end] (datetime.date), oldest first: (date, result, completed)."""
        return [((EPOCH + dt.timedelta(days=d0)).isoformat(), len(self._distinct(metric, d0, d1, model)),
                 d1 * DAY_MS <= now) for d0, d1 in self._buckets(cadence, start, end)]

    def active_orgs_range(self, cadence, start, end, now, models=MODELS):
        """active_orgs when each org may follow any of the models: (date, fewest, most, completed) per bucket."""
        out = []
        for d0, d1 in self._buckets(cadence, start, end):
            sets = [self._distinct("active_orgs", d0, d1, m) for m in models]
            out.append(((EPOCH + dt.timedelta(days=d0)).isoformat(), len(set.intersection(*sets)),
                        len(set.union(*sets)), d1 * DAY_MS <= now))
        return out


def _desc_then(t, ident):
    return (0 if t is not None else 1, -(t or 0), ident)


def _ties(facts, what):
    """Facts at the same time with different content."""
    by_ts = {}
    for ts, v in facts:
        by_ts.setdefault(ts, set()).add(repr(v))
    return [(what, ts) for ts, vs in by_ts.items() if len(vs) > 1]


def bucket_start(cadence, d):
    if cadence == "Weekly":
        return d - dt.timedelta(days=d.weekday())
    if cadence == "Monthly":
        return d.replace(day=1)
    return d


def bucket_next(cadence, d):
    if cadence == "Weekly":
        return d + dt.timedelta(days=7)
    if cadence == "Monthly":
        return (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return d + dt.timedelta(days=1)
