"""`orgpulse demo` (src/tools/demo.c): the demo data generator writes a deterministic, well-formed and realistic
NDJSON event stream in the format of specs/events.md."""
import collections
import datetime as dt
import json
import os
import pathlib
import re
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("ORGPULSE_BIN", str(ROOT / "build" / "orgpulse"))

pytestmark = pytest.mark.skipif(not os.access(BIN, os.X_OK), reason=f"no orgpulse binary at {BIN}")

ARGS = ["--users", "300", "--orgs", "20", "--days", "30", "--seed", "7", "--end", "2026-03-31"]
PERIOD_START = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)            # end - 30 days, 00:00:00
PERIOD_END = dt.datetime(2026, 3, 31, 23, 59, 59, tzinfo=dt.timezone.utc)  # end date, 23:59:59

# events.md: the required fields of every type.
REQUIRED = {
    "user.created": ["user_id"],
    "user.updated": ["user_id"],
    "user.deactivated": ["user_id"],
    "user.reactivated": ["user_id"],
    "user.deleted": ["user_id"],
    "org.created": ["org_id", "name"],
    "org.updated": ["org_id"],
    "org.deleted": ["org_id"],
    "member.added": ["org_id", "user_id"],
    "member.removed": ["org_id", "user_id"],
    "member.role_changed": ["org_id", "user_id", "role"],
    "team.created": ["team_id", "org_id", "name"],
    "team.deleted": ["team_id"],
    "team.member_added": ["team_id", "user_id"],
    "team.member_removed": ["team_id", "user_id"],
    "invite.sent": ["org_id", "email"],
    "invite.accepted": ["org_id", "email"],
    "invite.revoked": ["org_id", "email"],
    "activity": ["user_id"],
    "usage": ["user_id", "metrics"],
}

MAIN_TYPES = [
    "org.created", "team.created", "user.created", "member.added", "team.member_added", "invite.sent",
    "invite.accepted", "invite.revoked", "activity", "usage", "member.removed", "member.role_changed",
    "team.member_removed", "user.deactivated", "user.reactivated", "user.updated", "user.deleted", "org.updated",
    "org.deleted",
]

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")


def run_demo(*args):
    return subprocess.run([BIN, "demo", *args], capture_output=True, timeout=120)


def parse_timestamp(value):
    if isinstance(value, int):
        return dt.datetime.fromtimestamp(value, dt.timezone.utc)
    assert isinstance(value, str) and RFC3339.match(value), value
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def output():
    p = run_demo(*ARGS)
    assert p.returncode == 0, p.stderr.decode()
    assert p.stdout, "no output"
    return p.stdout


@pytest.fixture(scope="module")
def events(output):
    return [json.loads(line) for line in output.decode("utf-8").splitlines()]


def in_time_order(events):
    """The events sorted by timestamp; equal timestamps keep their line order."""
    return sorted(enumerate(events), key=lambda ie: (parse_timestamp(ie[1]["timestamp"]), ie[0]))


def test_same_seed_gives_same_bytes(output):
    assert run_demo(*ARGS).stdout == output


def test_different_seed_gives_different_bytes(output):
    other = [a if a != "7" else "8" for a in ARGS]
    assert run_demo(*other).stdout != output


def test_output_is_one_json_object_per_line_and_nothing_else(output):
    text = output.decode("utf-8")
    assert text.endswith("\n")
    for line in text.splitlines():
        assert line.strip() == line and line, repr(line)
        assert isinstance(json.loads(line), dict)


def test_every_event_has_a_known_type_and_its_required_fields(events):
    for e in events:
        assert e["type"] in REQUIRED, e
        for field in REQUIRED[e["type"]]:
            assert field in e, (field, e)
        for field in ("user_id", "org_id", "team_id", "inviter_user_id"):
            if field in e:
                assert isinstance(e[field], str) and 1 <= len(e[field]) <= 128 and e[field].isprintable(), e
        assert isinstance(e["id"], str) and 1 <= len(e["id"]) <= 128, e


def test_entity_ids_are_uuid_shaped(events):
    for e in events:
        for field in ("user_id", "org_id", "team_id", "inviter_user_id"):
            if field in e:
                assert UUID.match(e[field]), (field, e)


def test_every_timestamp_lies_within_the_period(events):
    for e in events:
        t = parse_timestamp(e["timestamp"])
        assert PERIOD_START <= t <= PERIOD_END, e


def test_timestamps_mix_rfc3339_strings_unix_seconds_and_fractions(events):
    forms = collections.Counter(
        "unix" if isinstance(e["timestamp"], int) else "fraction" if "." in e["timestamp"] else "plain"
        for e in events)
    assert forms["plain"] > forms["unix"] > 0
    assert forms["fraction"] > 0


def test_event_ids_are_unique(events):
    ids = [e["id"] for e in events]
    assert len(ids) == len(set(ids))


def test_entities_are_created_once_with_distinct_ids_and_emails(events):
    for kind in ("user", "org", "team"):
        created = [e[kind + "_id"] for e in events if e["type"] == kind + ".created"]
        assert created and len(created) == len(set(created)), kind
    emails = [e["email"].lower() for e in events if e["type"] == "user.created"]
    assert len(emails) == len(set(emails)) == 300


def test_every_main_event_type_appears(events):
    seen = {e["type"] for e in events}
    assert [t for t in MAIN_TYPES if t not in seen] == []


def test_every_org_has_one_default_team_among_one_to_five(events):
    orgs = {e["org_id"] for e in events if e["type"] == "org.created"}
    teams = collections.defaultdict(list)
    for e in events:
        if e["type"] == "team.created":
            teams[e["org_id"]].append(e.get("is_default") is True)
    assert len(orgs) == 20 and set(teams) == orgs
    for org, defaults in teams.items():
        assert 1 <= len(defaults) <= 5 and defaults.count(True) == 1, org


def test_org_sizes_are_skewed_like_a_power_law(events):
    sizes = sorted(collections.Counter(e["org_id"] for e in events if e["type"] == "member.added").values())
    median = sizes[len(sizes) // 2]
    assert sizes[-1] >= 5 * median


def test_usage_metrics_are_non_negative_integers_of_known_features(events):
    usage = [e for e in events if e["type"] == "usage"]
    assert {e["feature"] for e in usage} == {"codeCompletions", "chat"}
    for e in usage:
        assert "org_id" in e
        assert e["metrics"] and all(isinstance(v, int) and v >= 0 for v in e["metrics"].values()), e
    completions = [e for e in usage if e["feature"] == "codeCompletions"]
    assert set(completions[0]["metrics"]) == {"completions", "charsCompleted", "keystrokes", "lines"}
    assert any("team_id" in e for e in usage) and any("team_id" not in e for e in usage)


def test_weekdays_are_busier_than_weekends(events):
    per_day = collections.Counter(parse_timestamp(e["timestamp"]).date() for e in events if e["type"] == "activity")
    days = [PERIOD_START.date() + dt.timedelta(days=i) for i in range(31)]
    weekdays = [per_day[d] for d in days if d.weekday() < 5]
    weekends = [per_day[d] for d in days if d.weekday() >= 5]
    assert sum(weekdays) / len(weekdays) > sum(weekends) / len(weekends)


def test_activity_comes_only_from_live_members(events):
    """Replayed in time order: activity and usage name a user who signed up, is not deactivated or deleted, and is
    a member of the org they name; invitations come from such members."""
    created, deleted, deactivated, members = set(), set(), set(), set()
    problems = []
    for i, e in in_time_order(events):
        kind = e["type"]
        if kind == "user.created":
            created.add(e["user_id"])
        elif kind == "user.deleted":
            deleted.add(e["user_id"])
        elif kind == "user.deactivated":
            deactivated.add(e["user_id"])
        elif kind == "user.reactivated":
            deactivated.discard(e["user_id"])
        elif kind == "member.added":
            members.add((e["org_id"], e["user_id"]))
        elif kind == "member.removed":
            members.discard((e["org_id"], e["user_id"]))
        elif kind in ("activity", "usage") or (kind == "invite.sent" and "inviter_user_id" in e):
            user = e.get("inviter_user_id", e.get("user_id"))
            if user not in created or user in deleted or user in deactivated or (e["org_id"], user) not in members:
                problems.append((i, e))
    assert problems == []


def test_invitations_end_in_acceptance_revocation_or_stay_pending(events):
    pending = {}
    for _, e in in_time_order(events):
        key = (e.get("org_id"), e.get("email", "").lower())
        if e["type"] == "invite.sent":
            pending[key] = e
        elif e["type"] in ("invite.accepted", "invite.revoked"):
            assert key in pending, e
            del pending[key]
    assert pending, "some invitations should stay pending"


def test_help_prints_usage_on_stdout_and_exits_zero():
    p = run_demo("--help")
    assert p.returncode == 0
    assert b"--users" in p.stdout and b"--end" in p.stdout


@pytest.mark.parametrize("bad", [["--users", "0"], ["--users", "many"], ["--days"], ["--end", "2026-02-30"],
                                 ["--colour", "blue"], ["stray"]])
def test_bad_option_exits_two_with_a_message_and_no_output(bad):
    p = run_demo(*bad)
    assert p.returncode == 2
    assert p.stdout == b""
    assert p.stderr.strip()
