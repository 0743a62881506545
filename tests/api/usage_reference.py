"""A plain reference implementation of usage series (src/engine/usage.h, the contract comment; ../shared/specs/
tabnine.md "Usage"), computed directly from a list of events (../shared/specs/events.md). Written for obviousness, not
speed: each rule is the contract's sentence over plain dicts and lists. test_usage_oracle.py compares the server's
answers with it.

The rules, as usage.h states them (every event judged at its own timestamp, to the millisecond):
  - a usage event counts for an org when it named the org; when it named none, for every org the user was a member of
    at the event's time;
  - for a team when it named the team; when it named none, for the team the user was in at the event's time, provided
    the event named no org or the team's org;
  - a user is active in a bucket for a scope when some usage of theirs in the bucket counts for it, or when they had
    an activity or usage event in the bucket at a time they belonged to the scope (for a user scope with an org: were
    a member of the org); per feature, the users with usage of that feature counted for the scope;
  - deleted users count nowhere; buckets are days, ISO weeks from Monday or calendar months overlapping [from, to),
    clipped to it, and an event counts in the bucket whose [from, to) holds its time.
Histories are applied in (timestamp, position in the stream) order; the server breaks ties between different facts at
one millisecond by a content hash instead, so a stream must have no such ties (`conflicting_ties`)."""
import bisect
import datetime as dt
import math

from insights_reference import parse_ts

DAY_MS = 86_400_000
EPOCH = dt.date(1970, 1, 1)
TABNINE = {"codeCompletions": ("completions", "charsCompleted", "keystrokes", "lines"),
           "chat": ("interactions", "usefulChatInteractions", "lines", "charsCompleted"),
           "agent": ("interactions", "linesAdded", "linesAddedAccepted", "linesRemoved", "linesRemovedAccepted"),
           "instruct": ("acceptedCount",)}
ALWAYS = ("codeCompletions", "chat")


def day_of(ms):
    return ms // DAY_MS


def date_of(day):
    return EPOCH + dt.timedelta(days=day)


def day_number(date):
    return (date - EPOCH).days


def intervals(log, starts, ends):
    """[start, end) intervals from a sorted log of (ts, seq, kind): `starts(kind)` opens one when closed, `ends(kind)`
    closes an open one."""
    out, start = [], None
    for ts, _, kind in log:
        if start is None and starts(kind):
            start = ts
        elif start is not None and ends(kind):
            out.append((start, ts))
            start = None
    if start is not None:
        out.append((start, math.inf))
    return [(s, e) for s, e in out if s < e]


def holds(ivs, t):
    """Does some interval [s, e) hold the instant t?"""
    return any(s <= t < e for s, e in ivs)


def ratio(a, b):
    return math.floor(a / b * 1000 + 0.5) / 1000 if b > 0 else 0.0


def number(v):
    return int(v) if v == int(v) else v


class UsageReference:
    def __init__(self, events):
        self.users = {}     # user id -> {"status": [...], "times": [activity and usage times], "usage": [...]}
        self.members = {}   # (org, user) -> log of (ts, seq, kind)
        self.team_log = {}  # user -> log of (ts, seq, kind, team)
        self.team_org = {}  # team -> org (its first team.created)
        self.team_status, self.org_status = [], []  # (ts, seq, kind, id) of *.created / *.deleted

        def user(uid):
            return self.users.setdefault(uid, {"status": [], "times": [], "usage": []})

        for seq, e in enumerate(events):
            ts, kind = parse_ts(e["timestamp"]), e["type"]
            if kind in ("user.created", "user.deleted"):
                user(e["user_id"])["status"].append((ts, seq, kind))
            elif kind in ("member.added", "member.removed"):
                self.members.setdefault((e["org_id"], e["user_id"]), []).append((ts, seq, kind))
                user(e["user_id"])
            elif kind in ("team.member_added", "team.member_removed"):
                self.team_log.setdefault(e["user_id"], []).append((ts, seq, kind, e["team_id"]))
            elif kind == "team.created":
                self.team_org.setdefault(e["team_id"], e["org_id"])
                self.team_status.append((ts, seq, kind, e["team_id"]))
            elif kind == "team.deleted":
                self.team_status.append((ts, seq, kind, e["team_id"]))
            elif kind in ("org.created", "org.deleted"):
                self.org_status.append((ts, seq, kind, e["org_id"]))
            if kind in ("activity", "usage"):
                user(e["user_id"])["times"].append(ts)
            if kind == "usage":
                user(e["user_id"])["usage"].append({"ts": ts, "feature": e.get("feature", ""),
                                                    "metrics": e["metrics"], "org": e.get("org_id"),
                                                    "team": e.get("team_id")})
        for u in self.users.values():
            facts = sorted(u["status"])
            u["deleted"] = bool(facts) and facts[-1][2] == "user.deleted"
        for log in self.members.values():
            log.sort()
        # who can count for an org: its members and the users whose usage named it; for a team, the users who joined
        # it or whose usage named it
        self.org_users, self.team_users = {}, {}
        for o, uid in self.members:
            self.org_users.setdefault(o, set()).add(uid)
        for uid, log in self.team_log.items():
            for *_, t in log:
                self.team_users.setdefault(t, set()).add(uid)
        for uid, u in self.users.items():
            for x in u["usage"]:
                if x["org"] is not None:
                    self.org_users.setdefault(x["org"], set()).add(uid)
                if x["team"] is not None:
                    self.team_users.setdefault(x["team"], set()).add(uid)
        for log in self.team_log.values():
            log.sort()

    # ---- histories ----

    def member_intervals(self, org, uid):
        return intervals(self.members.get((org, uid), []), lambda k: k == "member.added",
                         lambda k: k == "member.removed")

    def team_intervals(self, team, uid):
        """Adding a user to a team moves them out of the one they were in; removing them from it takes them out."""
        out, current, start = [], None, None
        for ts, _, kind, t in self.team_log.get(uid, []):
            nxt = t if kind == "team.member_added" else (None if current == t else current)
            if current != team and nxt == team:
                start = ts
            if current == team and nxt != team:
                out.append((start, ts))
            current = nxt
        if current == team:
            out.append((start, math.inf))
        return [(s, e) for s, e in out if s < e]

    # ---- buckets ----

    @staticmethod
    def buckets(from_ms, to_ms, granularity):
        """[(from_ms, to_ms, first day, last day)] of the window."""
        first, last = day_of(from_ms), day_of(to_ms - 1)
        if granularity == "all":
            return [(from_ms, to_ms, first, last)]
        out = []
        d = date_of(first)
        if granularity in ("weekly", "week"):
            d -= dt.timedelta(days=d.weekday())
        elif granularity in ("monthly", "month"):
            d = d.replace(day=1)
        while day_number(d) <= last:
            if granularity in ("weekly", "week"):
                nxt = d + dt.timedelta(days=7)
            elif granularity in ("monthly", "month"):
                nxt = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            else:
                nxt = d + dt.timedelta(days=1)
            a, b = day_number(d), day_number(nxt)
            out.append((max(from_ms, a * DAY_MS), min(to_ms, b * DAY_MS), max(a, first), min(b - 1, last)))
            d = nxt
        return out

    # ---- series ----

    def candidates(self, org=None, team=None, user=None):
        """The users whose usage or activity can count for the scope (only to go faster: any other user's cannot)."""
        if user is not None:
            return [user]
        if team is not None:
            return sorted(self.team_users.get(team, ()))
        if org is not None:
            return sorted(self.org_users.get(org, ()))
        return sorted(self.users)

    def series(self, from_ms, to_ms, granularity, org=None, team=None, user=None):
        """Per bucket: (from, to, active users, {feature: users}, {(feature, metric): sum})."""
        bks = self.buckets(from_ms, to_ms, granularity)

        starts = [bf for bf, _, _, _ in bks]

        def bucket_of(t):
            """The bucket whose [from, to) holds t (buckets are contiguous and sorted), or None."""
            i = bisect.bisect_right(starts, t) - 1
            return i if i >= 0 and t < bks[i][1] else None

        active = [set() for _ in bks]
        feature_users = [{} for _ in bks]
        sums = [{} for _ in bks]
        for uid in self.candidates(org, team, user):
            u = self.users.get(uid)
            if u is None or u["deleted"]:
                continue
            org_iv = self.member_intervals(org, uid) if org is not None else None
            team_iv = self.team_intervals(team, uid) if team is not None else None

            def in_org(t):
                return org is None or holds(org_iv, t)

            def in_team(t):
                return team is None or holds(team_iv, t)

            for t in u["times"]:  # activity and usage: active when the user belongs to the scope then
                i = bucket_of(t)
                if i is not None and in_org(t) and in_team(t):
                    active[i].add(uid)
            for x in u["usage"]:
                t = x["ts"]
                i = bucket_of(t)
                if i is None:
                    continue
                if org is not None and not (x["org"] == org if x["org"] is not None else in_org(t)):
                    continue
                if team is not None and not (x["team"] == team if x["team"] is not None else
                                             in_team(t) and x["org"] in (None, self.team_org.get(team))):
                    continue
                active[i].add(uid)
                feature_users[i].setdefault(x["feature"], set()).add(uid)
                for m, v in x["metrics"].items():
                    sums[i][(x["feature"], m)] = sums[i].get((x["feature"], m), 0) + v
        return [(bf, bt, len(active[i]), {f: len(us) for f, us in feature_users[i].items()}, sums[i])
                for i, (bf, bt, _, _) in enumerate(bks)]

    def tabnine(self, from_ms, to_ms, granularity, iso, **scope):
        """The `usage.data` buckets in Tabnine's shape (api_usage.c): codeCompletions and chat always, agent and
        instruct when the answer has any usage of them, other metrics of those features beside the known ones."""
        series = self.series(from_ms, to_ms, granularity, **scope)
        shown = [f for f in TABNINE if f in ALWAYS or any(fu.get(f) for _, _, _, fu, _ in series)]
        extra = {f: sorted({m for *_, sums in series for (g, m) in sums if g == f and m not in TABNINE[f]})
                 for f in TABNINE}
        data = []
        for bf, bt, active, fusers, sums in series:
            def s(f, m):
                return sums.get((f, m), 0)
            cc_chars, cc_keys, chat_chars = s("codeCompletions", "charsCompleted"), s("codeCompletions",
                                                                                      "keystrokes"), s("chat",
                                                                                                       "charsCompleted")
            b = {"from": iso(bf), "to": iso(bt), "activeUsers": active,
                 "productivityFactor": ratio(cc_chars + chat_chars, cc_chars + chat_chars + cc_keys)}
            for f in shown:
                x = {"activeUsers": fusers.get(f, 0)}
                for m in TABNINE[f] + tuple(extra[f]):
                    x[m] = number(s(f, m))
                if f == "codeCompletions":
                    x["automationFactor"] = ratio(cc_chars, cc_chars + cc_keys)
                if f == "chat":
                    x["chatConsumptionRate"] = ratio(s("chat", "usefulChatInteractions"), s("chat", "interactions"))
                b[f] = x
            data.append(b)
        return data

    # ---- what to ask about ----

    @staticmethod
    def _alive(status):
        last = {}
        for ts, seq, kind, ident in sorted(status):
            last[ident] = kind
        return {ident for ident, kind in last.items() if kind.endswith(".created")}

    def orgs(self):
        """Orgs that exist (not deleted) and have members."""
        alive = self._alive(self.org_status)
        return sorted({o for o, _ in self.members} & alive)

    def teams(self):
        """(team, org) of teams that exist, in orgs that exist."""
        alive, orgs = self._alive(self.team_status), set(self.orgs())
        return sorted((t, o) for t, o in self.team_org.items() if t in alive and o in orgs)

    def conflicting_ties(self):
        """Membership or team facts of one user at one millisecond that differ (their order would matter)."""
        out = []
        for key, log in list(self.members.items()) + list(self.team_log.items()):
            seen = {}
            for ts, _, *rest in log:
                seen.setdefault(ts, set()).add(repr(rest))
            out += [(key, ts) for ts, kinds in seen.items() if len(kinds) > 1]
        for uid, u in self.users.items():
            seen = {}
            for ts, _, kind in u["status"]:
                seen.setdefault(ts, set()).add(kind)
            out += [(uid, ts) for ts, kinds in seen.items() if len(kinds) > 1]
        return out
