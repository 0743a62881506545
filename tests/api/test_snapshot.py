"""The index snapshot (src/engine/snapshot.h): a clean stop writes DIR/index.snapshot; a start loads it and applies
only the events stored after it, also after a kill -9; a damaged snapshot, or one that does not belong to the store,
is ignored and the index rebuilt from the whole log. In every case the server answers exactly as a server that
rebuilt its index from the whole log (--no-snapshot): stats, every user and org, every report and chart, usage by
org, team, user and feature."""
import json
import pathlib
import random
import re
import shutil

import pytest

from conftest import Server, create_key, run_cli, share_store
from insights_reference import CADENCES, CHARTS, parse_ts
from test_insights_oracle import all_reports, choose_clock, clock_arg, fetch_chart, fetch_report

CLOCK_FROM = "2026-07-01T06:30:00Z"
DAYS = ("2026-05-01", "2026-06-01", "2026-06-29", "2026-06-30")
CHART_RANGE = ("2026-03-30", "2026-06-30")


def demo(seed, users=800):
    return run_cli("demo", "--users", users, "--orgs", 40, "--days", 60, "--seed", seed,
                   "--end", "2026-06-30").stdout.splitlines()


def clock_for(lines):
    times = sorted(parse_ts(json.loads(line)["timestamp"]) for line in lines)
    return clock_arg(choose_clock(times, parse_ts(CLOCK_FROM), 120))


def ok(server, key, path, params, allowed=(200,)):
    r = server.request("GET", path, key, params=params)
    assert r.status_code in allowed, (path, params, r.text)
    return r.status_code, r.json()


def answers(server, key, lines):
    """Everything the index answers for these events (report ids and times left out: they name one snapshot)."""
    events = [json.loads(line) for line in lines]
    users = sorted({e["user_id"] for e in events if "user_id" in e})
    orgs = sorted({e["org_id"] for e in events if "org_id" in e})
    out = {"stats": [server.request("GET", f"/v1/stats?day={d}", key).json() for d in DAYS],
           "users": [server.request("GET", f"/v1/users/{u}", key).json() for u in users],
           "orgs": [server.request("GET", f"/v1/orgs/{o}", key).json() for o in orgs],
           "charts": [fetch_chart(server, key, m, c, *CHART_RANGE) for m in CHARTS for c in CADENCES],
           "reports": {},
           "usage": [ok(server, key, "/v1/usage", {
               "from": "2026-04-01T00:00:00Z", "to": "2026-07-01T00:00:00Z", "granularity": "week",
               "group_by": g}) for g in ("org", "team", "user", "feature")],
           "org_usage": [ok(server, key, "/api/v1/organization/usage", {
               "organizationId": o, "from": "2026-05-01T00:00:00Z", "to": "2026-07-01T00:00:00Z",
               "granularity": "daily"}, (200, 404)) for o in orgs[:20]]}  # 404: a deleted org
    assert sum(status == 200 for status, _ in out["org_usage"]) >= 10
    for family, name, interval in all_reports():
        _, rows = fetch_report(server, key, family, name, interval)
        out["reports"][f"{family}/{name}/{interval}"] = [
            {k: v for k, v in row.items() if k not in ("id", "report_id")} for row in rows]
    return out


def start_log(server):
    """The index start line of the server's latest start."""
    lines = [l for l in server.log_text().splitlines() if "orgpulse: index " in l and "snapshot written" not in l]
    return lines[-1]


def post(server, key, lines):
    r = server.request("POST", "/v1/events", key, data=("\n".join(lines) + "\n").encode(),
                       headers={"Content-Type": "application/x-ndjson"}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def reference(tmp_path, data_dir, key, lines, clock):
    """The answers of a server that rebuilds from the whole log, on a copy of the data directory."""
    copy = tmp_path / "reference"
    shutil.copytree(data_dir, copy, ignore=shutil.ignore_patterns("index.snapshot*", "orgpulse.lock"))
    share_store(data_dir, copy)
    s = Server(str(copy), ["--no-snapshot", "--clock", clock]).start()
    try:
        assert "rebuilt" in start_log(s)
        return answers(s, key, lines)
    finally:
        assert s.stop() == 0
        assert not (copy / "index.snapshot").exists()


STARTED = []


def serve(data, args=()):
    """A started server, stopped at the test's end if the test left it running (a failed assertion)."""
    s = Server(data, list(args))
    STARTED.append(s)
    return s.start()


@pytest.fixture(autouse=True)
def stop_leftover_servers():
    yield
    while STARTED:
        s = STARTED.pop()
        if s.proc is not None:
            s.kill()


@pytest.fixture(scope="module")
def stream():
    lines = demo(23)
    held = lines[len(lines) * 3 // 4:]  # posted later, after the snapshot
    return lines[:len(lines) * 3 // 4], held, clock_for(lines)


def imported(tmp_path, lines):
    data = tmp_path / "data"
    (tmp_path / "first.ndjson").write_text("\n".join(lines) + "\n")
    run_cli("import", "--data", data, tmp_path / "first.ndjson")
    return str(data), create_key(str(data), "*")


def test_a_clean_stop_writes_a_snapshot_that_the_next_start_loads_with_the_same_answers(tmp_path, stream):
    first, _, clock = stream
    data, key = imported(tmp_path, first)
    s = serve(data, ["--clock", clock])
    assert "rebuilt from" in start_log(s)
    before = answers(s, key, first)
    assert s.stop() == 0
    assert (pathlib.Path(data) / "index.snapshot").stat().st_size > 0
    assert "index snapshot written" in s.log_text()
    s.start()
    assert re.search(r"loaded from the snapshot .* then 0 later events applied", start_log(s)), start_log(s)
    assert answers(s, key, first) == before
    assert s.stop() == 0


def test_events_stored_after_the_snapshot_are_applied_at_start_even_after_kill_9(tmp_path, stream):
    first, held, clock = stream
    data, key = imported(tmp_path, first)
    s = serve(data, ["--clock", clock])
    assert s.stop() == 0  # writes the snapshot of `first`
    s.start()
    for i in range(0, len(held), 1000):
        post(s, key, held[i:i + 1000])
    s.kill()  # no snapshot of `held`
    s.start()
    assert re.search(rf"loaded from the snapshot .* then {len(held)} later events applied", start_log(s)), \
        start_log(s)
    got = answers(s, key, first + held)
    assert s.stop() == 0
    assert got == reference(tmp_path, data, key, first + held, clock)


def test_ids_stored_before_and_after_the_snapshot_are_still_duplicates(tmp_path, stream):
    first, held, clock = stream
    data, key = imported(tmp_path, first)
    s = serve(data, ["--clock", clock])
    assert s.stop() == 0
    s.start()
    post(s, key, held[:500])
    s.kill()
    s.start()
    assert "loaded from the snapshot" in start_log(s)
    stats = s.request("GET", "/v1/stats", key).json()
    again = random.Random(3).sample(first, 300) + held[:500]
    assert all("id" in json.loads(line) for line in again)
    r = post(s, key, again)
    assert (r["accepted"], r["duplicates"]) == (0, len(again))
    assert s.request("GET", "/v1/stats", key).json() == stats
    assert s.stop() == 0


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_a_damaged_snapshot_is_ignored_and_the_index_rebuilt_from_the_log(tmp_path, stream, damage):
    first, _, clock = stream
    data, key = imported(tmp_path, first)
    s = serve(data, ["--clock", clock])
    assert s.stop() == 0
    path = pathlib.Path(data) / "index.snapshot"
    body = path.read_bytes()
    path.write_bytes({"truncated": body[:len(body) // 2], "garbage": bytes(random.Random(1).randbytes(len(body))),
                      "empty": b""}[damage])
    s.start()
    assert "rebuilt from" in start_log(s)
    assert "is not usable" in s.log_text()
    got = answers(s, key, first)
    assert s.stop() == 0
    assert got == reference(tmp_path, data, key, first, clock)


def test_a_snapshot_of_another_store_is_ignored(tmp_path, stream):
    first, _, clock = stream
    data, key = imported(tmp_path, first)
    s = serve(data, ["--clock", clock])
    assert s.stop() == 0
    other_lines = demo(24, users=900)  # another store with more events: the snapshot's last seq exists there too
    other = tmp_path / "other"
    (tmp_path / "other.ndjson").write_text("\n".join(other_lines) + "\n")
    run_cli("import", "--data", other, tmp_path / "other.ndjson")
    other_key = create_key(str(other), "*")
    other.mkdir(exist_ok=True)  # on PostgreSQL the import wrote no file there
    shutil.copy(pathlib.Path(data) / "index.snapshot", other / "index.snapshot")
    o = serve(str(other), ["--clock", clock])
    assert "no longer holds the snapshot's last event" in o.log_text()
    assert "rebuilt from" in start_log(o)
    assert o.request("GET", "/v1/stats", other_key).json()["events"] == len(other_lines)
    assert o.stop() == 0


def test_no_snapshot_neither_reads_nor_writes_one(tmp_path, stream):
    first, _, clock = stream
    data, key = imported(tmp_path, first)
    s = serve(data, ["--no-snapshot"])
    assert s.stop() == 0
    assert not (pathlib.Path(data) / "index.snapshot").exists()
    s = serve(data)
    assert s.stop() == 0
    assert (pathlib.Path(data) / "index.snapshot").exists()
    s = serve(data, ["--no-snapshot"])
    assert "rebuilt from" in start_log(s)
    assert s.stop() == 0
