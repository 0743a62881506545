"""Batch exports: the review's rules (posthog.md, posthog-reference 3.3, 3.5, 3.6). Pause/unpause export every event
exactly once (with a backfill every missed received-time window runs as an ordinary run; without one the paused gap is
skipped; the window the pause cut runs once either way); include_events / exclude_events are validated and applied to
the events model; a backfill is checked against and clamped to the org's earliest event; a backfill without start_at
renders null and starts at the earliest data; the exports of a deleted org stop."""
import json

import pytest

from exports_support import (  # noqa: F401 (env is a fixture)
    ORG, ORG_EVENT_IDS, U1, load, start_server, env, file_dest)


def ids_of(tmp, run, name="out"):
    f = tmp / name / (run["id"] + ".jsonl")
    return [json.loads(x)["id"] for x in f.read_text().splitlines()] if f.exists() else []


def windows(runs):
    return [(r["data_interval_start"][11:16], r["data_interval_end"][11:16], r["backfill"]) for r in runs]


def activity(eid, ts):
    return {"type": "activity", "user_id": U1, "org_id": ORG, "timestamp": ts, "id": eid}


def pause_scenario(s, key, tmp, backfill):
    """Hourly File export; P1 received 13:10, pause 13:30, P2 received 13:45, P3 received 14:20 (a late event of
    13:20), P4 received 15:10, unpause at 15:15, then the clock to 16:00:30. Returns the export's runs."""
    e = s.create_export(key, file_dest(tmp))
    s.clock(key, now="2026-03-02T13:10:00Z")
    assert s.post_events(key, [activity("P1", "2026-03-02T13:10:00Z")]).status_code == 200
    s.clock(key, now="2026-03-02T13:30:00Z")
    assert s.api("POST", f"/{e['id']}/pause/", key).json() == {"paused": True}
    s.clock(key, now="2026-03-02T13:45:00Z")
    assert s.post_events(key, [activity("P2", "2026-03-02T13:45:00Z")]).status_code == 200
    s.clock(key, now="2026-03-02T14:20:00Z")
    assert s.post_events(key, [activity("P3", "2026-03-02T13:20:00Z")]).status_code == 200
    s.clock(key, now="2026-03-02T15:10:00Z")
    assert s.post_events(key, [activity("P4", "2026-03-02T15:10:00Z")]).status_code == 200
    s.clock(key, now="2026-03-02T15:15:00Z")
    r = s.api("POST", f"/{e['id']}/unpause/", key, json={"backfill": backfill})
    assert r.status_code == 200 and r.json() == {"paused": False}
    s.clock(key, now="2026-03-02T16:00:30Z")
    runs = s.runs(key, e["id"])
    assert all(r["status"] == "Completed" for r in runs), runs
    return runs


# ---- pause / unpause ----

def test_unpause_with_backfill_runs_every_missed_window_and_exports_each_event_exactly_once(env):
    s, key, tmp = env
    runs = pause_scenario(s, key, tmp, True)
    # the cut window 13-14 and the paused 14-15 as ordinary runs at the unpause, 15-16 on schedule: no backfill
    assert windows(runs) == [("10:00", "11:00", None), ("11:00", "12:00", None), ("12:00", "13:00", None),
                             ("13:00", "14:00", None), ("14:00", "15:00", None), ("15:00", "16:00", None)]
    exported = [i for r in runs for i in ids_of(tmp, r)]
    assert [i for i in exported if i.startswith("P")] == ["P1", "P2", "P3", "P4"]
    assert sorted(exported) == sorted(ORG_EVENT_IDS + ["P1", "P2", "P3", "P4"])
    assert [ids_of(tmp, r) for r in runs[3:]] == [["P1", "P2"], ["P3"], ["P4"]]


def test_unpause_without_backfill_runs_the_cut_window_once_and_skips_the_paused_windows(env):
    s, key, tmp = env
    runs = pause_scenario(s, key, tmp, False)
    # 13-14 (cut by the pause) runs once at the unpause; 14-15 began while paused: skipped; 15-16 is the current one
    assert windows(runs)[3:] == [("13:00", "14:00", None), ("15:00", "16:00", None)]
    assert [ids_of(tmp, r) for r in runs[3:]] == [["P1", "P2"], ["P4"]]  # P3 was received in the skipped gap


def test_pause_and_unpause_within_one_window_runs_that_window_once_on_schedule(env):
    s, key, tmp = env
    e = s.create_export(key, file_dest(tmp))
    s.clock(key, now="2026-03-02T10:20:00Z")
    assert s.post_events(key, [activity("Q1", "2026-03-02T10:20:00Z")]).status_code == 200
    s.api("POST", f"/{e['id']}/pause/", key)
    s.clock(key, now="2026-03-02T10:40:00Z")
    s.api("POST", f"/{e['id']}/unpause/", key, json={})
    s.clock(key, advance=1)
    assert s.runs(key, e["id"]) == []
    s.clock(key, now="2026-03-02T11:00:30Z")
    runs = s.runs(key, e["id"])
    assert windows(runs) == [("10:00", "11:00", None)] and "Q1" in ids_of(tmp, runs[0])


def test_unpausing_by_patch_skips_the_paused_windows_like_unpause_without_backfill(env):
    s, key, tmp = env
    e = s.create_export(key, {"type": "NoOp", "config": {}})
    s.clock(key, now="2026-03-02T10:30:00Z")
    assert s.api("PATCH", f"/{e['id']}/", key, json={"paused": True}).status_code == 200
    s.clock(key, now="2026-03-02T12:30:00Z")
    assert s.api("PATCH", f"/{e['id']}/", key, json={"paused": False}).status_code == 200
    s.clock(key, now="2026-03-02T13:00:30Z")
    assert windows(s.runs(key, e["id"])) == [("10:00", "11:00", None), ("12:00", "13:00", None)]


# ---- include_events / exclude_events ----

@pytest.mark.parametrize("cfg,detail", [
    ({"include_events": "activity"}, "Configuration has invalid type: got 'str', expected 'list'"),
    ({"exclude_events": {"a": 1}}, "Configuration has invalid type: got 'dict', expected 'list'"),
    ({"include_events": ["activity", 3]}, "Configuration has invalid type: got 'int' in 'include_events', expected 'str'"),
])
def test_event_lists_that_are_not_lists_of_strings_are_400_and_store_nothing(env, cfg, detail):
    s, key, tmp = env
    body = {"name": "x", "interval": "hour", "destination": {"type": "NoOp", "config": cfg}}
    r = s.api("POST", "/", key, json=body)
    assert r.status_code == 400, r.text
    assert r.json() == {"type": "validation_error", "code": "invalid_input", "detail": detail,
                        "attr": "destination__non_field_errors"}
    assert s.api("GET", "/", key).json()["results"] == []
    e = s.create_export(key, {"type": "NoOp", "config": {}})
    r = s.api("PATCH", f"/{e['id']}/", key, json={"destination": {"config": cfg}})
    assert r.status_code == 400 and r.json()["detail"] == detail
    assert "include_events" not in s.api("GET", f"/{e['id']}/", key).json()["destination"]["config"]


def test_include_events_exports_only_those_types_and_exclude_events_all_but_those(env):
    s, key, tmp = env
    inc = s.create_export(key, file_dest(tmp, "inc", include_events=["activity", "team.created"]))
    exc = s.create_export(key, file_dest(tmp, "exc", exclude_events=["activity", "usage"]))
    s.clock(key, now="2026-03-02T11:00:30Z")
    assert ids_of(tmp, s.runs(key, inc["id"])[0], "inc") == ["e-t1", "e-a1", "e-a2"]
    assert ids_of(tmp, s.runs(key, exc["id"])[0], "exc") == ["e-org-a", "e-m1", "e-m2", "e-t1", "e-tm1"]
    assert s.runs(key, exc["id"])[0]["records_completed"] == 5


# ---- backfills and the earliest data ----

def test_backfill_ending_before_the_orgs_earliest_event_is_400_naming_the_earliest_start(env):
    s, key, tmp = env
    e = s.create_export(key, {"type": "NoOp", "config": {}})
    r = s.api("POST", f"/{e['id']}/backfills/", key,
              json={"start_at": "2026-02-01T00:00:00Z", "end_at": "2026-02-02T00:00:00Z"})
    assert r.status_code == 400, r.text
    assert r.json() == {"type": "validation_error", "code": "invalid_input", "attr": None,
                        "detail": "The provided backfill date range contains no data. The earliest possible backfill "
                                  "start date is 2026-03-01 08:00:00"}
    assert s.api("GET", f"/{e['id']}/backfills/", key).json()["results"] == []


def test_backfill_start_before_the_earliest_event_is_clamped_to_it(env):
    s, key, tmp = env
    e = s.create_export(key, {"type": "NoOp", "config": {}})
    r = s.api("POST", f"/{e['id']}/backfills/", key,
              json={"start_at": "2025-01-01T00:00:00Z", "end_at": "2026-03-01T10:00:00Z"})
    assert r.status_code == 200, r.text
    bid = r.json()["backfill_id"]
    s.clock(key, advance=1)
    b = s.api("GET", f"/{e['id']}/backfills/{bid}/", key).json()
    assert b["start_at"].startswith("2026-03-01T08:00:00") and b["status"] == "Completed"
    runs = [x for x in s.runs(key, e["id"]) if x["backfill"] == bid]
    # e-org-a at 08:00; e-m1 09:00, e-t1 09:30, e-tm1 09:31 (not 13,000 empty hours from 2025)
    assert [(x["data_interval_start"][:16], x["records_completed"]) for x in runs] == [
        ("2026-03-01T08:00", 1), ("2026-03-01T09:00", 3)]


def test_backfill_without_bounds_renders_null_start_and_runs_once_from_the_earliest_data(env):
    s, key, tmp = env
    e = s.create_export(key, {"type": "NoOp", "config": {}})
    r = s.api("POST", f"/{e['id']}/backfills/", key, json={})
    assert r.status_code == 200, r.text
    bid = r.json()["backfill_id"]
    s.clock(key, advance=1)
    b = s.api("GET", f"/{e['id']}/backfills/{bid}/", key).json()
    assert b["start_at"] is None and b["end_at"].startswith("2026-03-02T10:00") and b["status"] == "Completed"
    runs = [x for x in s.runs(key, e["id"]) if x["backfill"] == bid]
    assert len(runs) == 1 and runs[0]["data_interval_start"].startswith("2026-03-01T08:00:00")
    assert runs[0]["records_completed"] == len(ORG_EVENT_IDS)


def test_backfill_with_null_start_and_an_end_renders_null_and_exports_from_the_earliest_event(env):
    s, key, tmp = env
    e = s.create_export(key, file_dest(tmp), interval="day")
    r = s.api("POST", f"/{e['id']}/backfills/", key, json={"start_at": None, "end_at": "2026-03-01T12:00:00Z"})
    assert r.status_code == 200, r.text
    bid = r.json()["backfill_id"]
    s.clock(key, advance=1)
    assert s.api("GET", f"/{e['id']}/backfills/{bid}/", key).json()["start_at"] is None
    runs = [x for x in s.runs(key, e["id"]) if x["backfill"] == bid]
    assert [(x["data_interval_start"][:19], x["data_interval_end"][:19]) for x in runs] == [
        ("2026-03-01T08:00:00", "2026-03-01T12:00:00")]
    assert ids_of(tmp, runs[0]) == ["e-org-a", "e-m1", "e-t1", "e-tm1", "e-a1"]


# ---- a deleted org ----

def completed_runs(s, key):
    text = s.request("GET", "/metrics", key).text
    return [line for line in text.splitlines() if line.startswith('orgpulse_export_runs_total{status="Completed"}')]


def test_exports_of_a_deleted_org_stop_running(env):
    s, key, tmp = env
    e = s.create_export(key, file_dest(tmp))
    s.clock(key, now="2026-03-02T11:00:30Z")
    assert len(s.runs(key, e["id"])) == 1 and completed_runs(s, key) == ['orgpulse_export_runs_total{status="Completed"} 1']
    r = s.request("DELETE", f"/api/organizations/{ORG}/", key)
    assert r.status_code == 204, r.text
    s.clock(key, now="2026-03-02T14:00:30Z")  # three more hourly boundaries
    s.clock(key, advance=1)
    assert completed_runs(s, key) == ['orgpulse_export_runs_total{status="Completed"} 1']
    assert len(list((tmp / "out").iterdir())) == 1
