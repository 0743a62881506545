"""Batch exports API (posthog.md): CRUD, validation in PostHog's error shape, and scheduling with the injectable clock
(hourly and 5-minute windows by received time, late events, backfills by event time, pause/unpause, retries with
backoff, auto-pause, cancel)."""
import json
import threading
import time

import pytest

from conftest import Server
from exports_support import (  # noqa: F401 (env is a fixture)
    ORG, OTHER, ORG_EVENT_IDS, U1, Receiver, load, start_server, wait_for, env, file_dest)


def lines_of(tmp, run, name="out"):
    return [json.loads(x) for x in (tmp / name / (run["id"] + ".jsonl")).read_text().splitlines()]


def error(r, status, code, attr):
    assert r.status_code == status, r.text
    body = r.json()
    assert body["code"] == code and body["attr"] == attr, body
    assert set(body) == {"type", "code", "detail", "attr"}
    return body


# ---- CRUD ----

def test_create_returns_201_with_the_posthog_fields_and_defaults(env):
    s, key, tmp = env
    e = s.create_export(key, file_dest(tmp), model=None, interval="day")
    assert e["model"] == "events" and e["interval"] == "day" and e["paused"] is False
    assert e["destination"] == {"type": "File", "config": {"path": str(tmp / "out"), "file_format": "JSONLines",
                                                           "compression": "none"}}
    for k in ("id", "team_id", "name", "created_at", "last_updated_at", "last_paused_at", "start_at", "end_at",
              "latest_runs"):
        assert k in e
    assert e["latest_runs"] == [] and e["last_paused_at"] is None
    assert not [k for k in e if k.startswith("_")]
    got = s.api("GET", f"/{e['id']}/", key).json()
    assert got == e


def test_list_is_newest_first_with_limit_offset_links(env):
    s, key, tmp = env
    ids = [s.create_export(key, {"type": "NoOp", "config": {}})["id"] for _ in range(3)]
    r = s.api("GET", "/?limit=2", key)
    body = r.json()
    assert body["count"] == 3 and [x["id"] for x in body["results"]] == ids[::-1][:2]
    assert body["next"] == f"{s.url}/api/organizations/{ORG}/batch_exports/?limit=2&offset=2"
    assert body["previous"] is None
    body = s.api("GET", "/?limit=2&offset=2", key).json()
    assert [x["id"] for x in body["results"]] == [ids[0]] and body["next"] is None


def test_patch_merges_the_destination_config_and_keeps_the_secret(env):
    s, key, tmp = env
    rcv = Receiver()
    try:
        e = s.create_export(key, {"type": "HTTP", "config": {"url": "http://127.0.0.1:9/none", "token": "tok-keep"}})
        r = s.api("PATCH", f"/{e['id']}/", key, json={"destination": {"config": {"url": rcv.url}}, "name": "renamed"})
        assert r.status_code == 200, r.text
        assert r.json()["name"] == "renamed" and r.json()["destination"]["config"] == {"url": rcv.url}
        s.clock(key, now="2026-03-02T11:00:30Z")
        assert rcv.requests and rcv.requests[0]["headers"]["Authorization"] == "Bearer tok-keep"
    finally:
        rcv.close()


def test_put_without_name_is_required_error(env):
    s, key, tmp = env
    e = s.create_export(key, {"type": "NoOp", "config": {}})
    r = s.api("PUT", f"/{e['id']}/", key, json={"interval": "hour", "destination": {"type": "NoOp"}})
    error(r, 400, "required", "name")


def test_delete_is_204_then_404_and_gone_from_the_list(env):
    s, key, tmp = env
    e = s.create_export(key, {"type": "NoOp", "config": {}})
    assert s.api("DELETE", f"/{e['id']}/", key).status_code == 204
    error(s.api("GET", f"/{e['id']}/", key), 404, "not_found", None)
    assert s.api("GET", "/", key).json()["count"] == 0


@pytest.mark.parametrize("body,code,attr", [
    ({"interval": "hour", "destination": {"type": "NoOp"}}, "required", "name"),
    ({"name": "x", "destination": {"type": "NoOp"}}, "required", "interval"),
    ({"name": "x", "interval": "hour"}, "required", "destination"),
    ({"name": "x", "interval": "minute", "destination": {"type": "NoOp"}}, "invalid_choice", "interval"),
    ({"name": 7, "interval": "hour", "destination": {"type": "NoOp"}}, "invalid_input", "name"),
    ({"name": "x", "interval": "hour", "paused": "yes", "destination": {"type": "NoOp"}}, "invalid_input", "paused"),
    ({"name": "x", "interval": "hour", "start_at": "soon", "destination": {"type": "NoOp"}}, "invalid_input",
     "start_at"),
    ({"name": "x", "interval": "hour", "destination": "NoOp"}, "invalid_input", "destination"),
    ({"name": "x", "interval": "hour", "model": "sessions", "destination": {"type": "NoOp"}}, "invalid_choice", "model"),
    ({"name": "x", "interval": "hour", "destination": {"type": "S4"}}, "invalid_choice", "destination__type"),
    ({"name": "x", "interval": "hour", "destination": {"type": "File", "config": {}}}, "invalid_input",
     "destination__non_field_errors"),
    ({"name": "x", "interval": "hour", "destination": {"type": "NoOp", "config": {"bogus": 1}}}, "invalid_input",
     "destination__non_field_errors"),
    ({"name": "x", "interval": "hour", "destination": {"type": "File", "config": {"path": "/tmp/x",
                                                                                    "file_format": "Parquet"}}},
     "invalid_input", "destination"),
    ({"name": "x", "interval": "hour", "destination": {"type": "Postgres", "config": {
        "host": "h", "database": "d", "user": "u", "password": "p", "port": "nope"}}}, "invalid_input",
     "destination__non_field_errors"),
])
def test_create_rejects_bad_input_in_posthog_shape_and_stores_nothing(env, body, code, attr):
    s, key, tmp = env
    body_ = error(s.api("POST", "/", key, json=body), 400, code, attr)
    assert body_["type"] == "validation_error"
    assert s.api("GET", "/", key).json()["count"] == 0


def test_create_rejects_malformed_json_with_parse_error(env):
    s, key, tmp = env
    r = s.api("POST", "/", key, data=b"{nope", headers={"Content-Type": "application/json"})
    body = error(r, 400, "parse_error", None)
    assert body["type"] == "invalid_request" and body["detail"].startswith("JSON parse error")


def test_invalid_choice_detail_quotes_the_value(env):
    s, key, tmp = env
    r = s.api("POST", "/", key, json={"name": "x", "interval": "minute", "destination": {"type": "NoOp"}})
    assert r.json()["detail"] == '"minute" is not a valid choice.'


def test_unknown_org_is_404_and_another_orgs_scoped_key_is_403(env):
    s, key, tmp = env
    r = s.request("GET", "/api/organizations/nope/batch_exports/", key)
    error(r, 404, "not_found", None)
    other = s.key("batch_export:read", org=OTHER)
    body = error(s.api("GET", "/", other), 403, "permission_denied", None)
    assert body["detail"] == f"API key does not have access to the requested organization: ID {ORG}."
    error(s.request("GET", "/api/organizations/@current/batch_exports/", key), 404, "not_found", None)
    mine = s.key("batch_export:write", org=ORG)
    e = s.create_export(mine, {"type": "NoOp", "config": {}})
    r = s.request("GET", f"/api/organizations/@current/batch_exports/{e['id']}", mine)
    assert r.status_code == 200 and r.json()["id"] == e["id"]


def test_read_scope_cannot_create(env):
    s, key, tmp = env
    ro = s.key("batch_export:read")
    r = s.api("POST", "/", ro, json={"name": "x", "interval": "hour", "destination": {"type": "NoOp"}})
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"


def test_test_clock_is_404_without_the_flag(tmp_path):
    s = Server(str(tmp_path / "data")).start()
    try:
        key = s.key("*")
        assert s.request("POST", "/v1/test/clock", key, json={"advance_seconds": 60}).status_code == 404
    finally:
        assert s.stop() == 0


# ---- scheduling ----

def test_hourly_runs_cover_received_time_and_a_late_event_lands_in_the_next_run(env):
    s, key, tmp = env
    e = s.create_export(key, file_dest(tmp))
    s.clock(key, now="2026-03-02T11:00:30Z")
    # an event that happened at 10:30 but is received after 11:00: not in the 10:00-11:00 run
    late = {"type": "activity", "user_id": U1, "org_id": ORG, "timestamp": "2026-03-02T10:30:00Z", "id": "late-1"}
    assert s.post_events(key, [late]).status_code == 200
    s.clock(key, now="2026-03-02T12:00:30Z")
    runs = s.runs(key, e["id"])
    assert [(r["data_interval_start"], r["data_interval_end"], r["status"]) for r in runs] == [
        ("2026-03-02T10:00:00.000Z", "2026-03-02T11:00:00.000Z", "Completed"),
        ("2026-03-02T11:00:00.000Z", "2026-03-02T12:00:00.000Z", "Completed")]
    assert [x["id"] for x in lines_of(tmp, runs[0])] == ORG_EVENT_IDS
    assert [x["id"] for x in lines_of(tmp, runs[1])] == ["late-1"]
    assert runs[1]["records_completed"] == 1
    got = s.api("GET", f"/{e['id']}/", key).json()
    assert [r["id"] for r in got["latest_runs"]] == [runs[1]["id"], runs[0]["id"]]


def test_five_minute_runs_fire_at_each_boundary_after_downtime_too(env):
    s, key, tmp = env
    e = s.create_export(key, {"type": "NoOp", "config": {}}, interval="every 5 minutes")
    s.clock(key, now="2026-03-02T10:05:10Z")
    assert len(s.runs(key, e["id"])) == 1
    s.clock(key, now="2026-03-02T10:20:10Z")  # three boundaries passed at once
    runs = s.runs(key, e["id"])
    assert [r["data_interval_end"][11:19] for r in runs] == ["10:05:00", "10:10:00", "10:15:00", "10:20:00"]
    assert runs[0]["records_completed"] == len(ORG_EVENT_IDS)
    assert all(r["records_completed"] == 0 for r in runs[1:])


def test_backfill_selects_by_event_time_with_one_run_per_interval(env):
    s, key, tmp = env
    e = s.create_export(key, file_dest(tmp), interval="day")
    r = s.api("POST", f"/{e['id']}/backfills/", key,
              json={"start_at": "2026-03-01T00:00:00Z", "end_at": "2026-03-02T00:00:00Z"})
    assert r.status_code == 200, r.text
    bid = r.json()["backfill_id"]
    s.clock(key, advance=1)
    runs = [x for x in s.runs(key, e["id"]) if x["backfill"] == bid]
    assert len(runs) == 1 and runs[0]["status"] == "Completed"
    ids = [x["id"] for x in lines_of(tmp, runs[0])]
    assert ids == [i for i in ORG_EVENT_IDS if i != "e-g3"]  # e-g3 happened on 2026-03-02
    b = s.api("GET", f"/{e['id']}/backfills/{bid}/", key).json()
    assert b["status"] == "Completed" and b["batch_export"] == e["id"]
    assert b["progress"] == {"total_runs": 1, "finished_runs": 1, "progress": 1.0}
    listed = s.api("GET", f"/{e['id']}/backfills/", key).json()
    assert [x["id"] for x in listed["results"]] == [bid] and listed["next"] is None


def test_hourly_backfill_over_three_hours_makes_three_runs(env):
    s, key, tmp = env
    e = s.create_export(key, {"type": "NoOp", "config": {}})
    r = s.api("POST", f"/{e['id']}/backfill/", key,
              json={"start_at": "2026-03-01T12:00:00Z", "end_at": "2026-03-01T15:00:00Z"})
    assert r.status_code == 200
    s.clock(key, advance=1)
    runs = [x for x in s.runs(key, e["id"]) if x["backfill"] == r.json()["backfill_id"]]
    assert [(x["data_interval_start"][11:16], x["records_completed"]) for x in runs] == [
        ("12:00", 1), ("13:00", 1), ("14:00", 1)]  # e-m2; e-a2; e-g1 (e-a3 is not the org's)


@pytest.mark.parametrize("body,detail", [
    ({"start_at": "2026-03-02T00:00:00Z", "end_at": "2026-03-01T00:00:00Z"},
     "The initial backfill datetime 'start_at' happens after 'end_at'"),
    ({"start_at": "yesterday", "end_at": "2026-03-01T00:00:00Z"},
     "Input yesterday is not a valid ISO formatted datetime."),
    ({"start_at": "2026-03-01T00:00:00", "end_at": "2026-03-01T05:00:00Z"}, "Input 2026-03-01T00:00:00 is naive."),
    ({"start_at": "2026-03-01T00:00:00Z", "end_at": "2026-03-09T00:00:00Z"},
     "The provided 'end_at' (2026-03-09T00:00:00Z) is too far into the future. Cannot backfill beyond 1 batch "
     "period into the future."),
])
def test_backfill_rejects_bad_ranges_in_posthog_words(env, body, detail):
    s, key, tmp = env
    e = s.create_export(key, {"type": "NoOp", "config": {}})
    r = s.api("POST", f"/{e['id']}/backfills/", key, json=body)
    assert r.status_code == 400 and r.json()["detail"] == detail, r.text
    assert s.api("GET", f"/{e['id']}/backfills/", key).json()["results"] == []


def test_pause_stops_runs_and_unpause_with_backfill_runs_the_missed_windows_by_received_time(env):
    s, key, tmp = env
    e = s.create_export(key, file_dest(tmp))
    r = s.api("POST", f"/{e['id']}/pause/", key)
    assert r.status_code == 200 and r.json() == {"paused": True}
    got = s.api("GET", f"/{e['id']}/", key).json()
    assert got["paused"] is True and got["last_paused_at"].startswith("2026-03-02T10:00")
    ev = {"type": "activity", "user_id": U1, "org_id": ORG, "timestamp": "2026-03-02T10:40:00Z", "id": "gap-1"}
    s.clock(key, now="2026-03-02T10:40:00Z")
    assert s.post_events(key, [ev]).status_code == 200
    s.clock(key, now="2026-03-02T12:30:00Z")
    assert s.runs(key, e["id"]) == []  # paused: no run for 11:00 nor 12:00
    r = s.api("POST", f"/{e['id']}/unpause/", key, json={"backfill": True})
    assert r.status_code == 200 and r.json() == {"paused": False}
    s.clock(key, advance=1)
    runs = s.runs(key, e["id"])
    # the windows missed while paused, by received time, as ordinary runs (see test_exports_rules.py)
    assert [(r["data_interval_start"][11:16], r["data_interval_end"][11:16], r["backfill"]) for r in runs] == [
        ("10:00", "11:00", None), ("11:00", "12:00", None)]
    assert [x["id"] for x in lines_of(tmp, runs[0])] == ORG_EVENT_IDS + ["gap-1"]
    assert [r["records_completed"] for r in runs] == [len(ORG_EVENT_IDS) + 1, 0]
    s.clock(key, now="2026-03-02T13:00:30Z")  # and on schedule again
    runs = s.runs(key, e["id"])
    assert runs[-1]["data_interval_start"].startswith("2026-03-02T12:00") and not runs[-1]["backfill"]


def test_failed_runs_are_retried_with_backoff_then_fail(env):
    s, key, tmp = env
    rcv = Receiver()
    rcv.fail = True
    try:
        e = s.create_export(key, {"type": "HTTP", "config": {"url": rcv.url, "token": "t"}})
        s.clock(key, now="2026-03-02T11:00:10Z")
        run = s.runs(key, e["id"])[0]
        assert run["status"] == "FailedRetryable" and run["latest_error"] == "HTTP destination answered 503"
        assert len(rcv.requests) == 1
        s.clock(key, advance=30)  # before the first backoff (60 s): no attempt
        assert len(rcv.requests) == 1
        s.clock(key, advance=31)
        assert len(rcv.requests) == 2 and s.runs(key, e["id"])[0]["status"] == "FailedRetryable"
        s.clock(key, advance=100)  # second backoff is 120 s
        assert len(rcv.requests) == 2
        s.clock(key, advance=21)
        run = s.runs(key, e["id"])[0]
        assert len(rcv.requests) == 3 and run["status"] == "Failed" and run["finished_at"]
    finally:
        rcv.close()


def test_retry_succeeds_once_the_destination_recovers(env):
    s, key, tmp = env
    rcv = Receiver()
    rcv.fail = True
    try:
        e = s.create_export(key, {"type": "HTTP", "config": {"url": rcv.url, "token": "t"}})
        s.clock(key, now="2026-03-02T11:00:10Z")
        rcv.fail = False
        s.clock(key, advance=61)
        run = s.runs(key, e["id"])[0]
        assert run["status"] == "Completed" and run["records_completed"] == len(ORG_EVENT_IDS)
        assert [x["id"] for x in rcv.ok_lines()] == ORG_EVENT_IDS
    finally:
        rcv.close()


def test_ten_failures_in_fifty_runs_pause_the_export(env):
    s, key, tmp = env
    rcv = Receiver()
    try:  # a Postgres server that is not there: every attempt fails, whatever the window holds
        e = s.create_export(key, {"type": "Postgres", "config": {"host": "127.0.0.1", "port": 1, "database": "d",
                                                                 "user": "u", "password": "p"}},
                            interval="every 5 minutes")
        s.clock(key, now="2026-03-02T10:45:10Z")  # 9 runs
        s.clock(key, advance=90)  # past each one's first backoff (60 s), with room for slow attempts
        s.clock(key, advance=150)  # past the second (120 s)
        runs = s.runs(key, e["id"])
        assert [r["status"] for r in runs] == ["Failed"] * 9
        assert s.api("GET", f"/{e['id']}/", key).json()["paused"] is False
        s.clock(key, now="2026-03-02T10:50:10Z")  # the tenth
        s.clock(key, advance=90)
        s.clock(key, advance=150)
        runs = s.runs(key, e["id"])
        assert [r["status"] for r in runs] == ["Failed"] * 10
        assert s.api("GET", f"/{e['id']}/", key).json()["paused"] is True
        s.clock(key, now="2026-03-02T11:30:10Z")
        assert len(s.runs(key, e["id"])) == 10  # no more runs while paused
    finally:
        rcv.close()


def test_cancel_a_running_run_and_refuse_to_cancel_a_completed_one(env):
    s, key, tmp = env
    rcv = Receiver()
    rcv.hold = threading.Event()
    try:
        e = s.create_export(key, {"type": "HTTP", "config": {"url": rcv.url, "token": "t"}})
        s.clock(key, now="2026-03-02T11:00:10Z", wait=False)  # a waiting request would hold a server thread
        run = wait_for(lambda: next((r for r in s.runs(key, e["id"]) if r["status"] == "Running"), None),
                       what="a running run")
        r = s.api("POST", f"/{e['id']}/runs/{run['id']}/cancel/", key)
        assert r.status_code == 200 and r.json() == {"cancelled": True}
        rcv.hold.set()
        s.clock(key, advance=1)
        assert s.api("GET", f"/{e['id']}/runs/{run['id']}/", key).json()["status"] == "Cancelled"
        assert len(rcv.requests) == 1  # and it is not run again
        r = s.api("POST", f"/{e['id']}/runs/{run['id']}/cancel/", key)
        assert r.status_code == 400 and r.json()["detail"] == "Cannot cancel a run that is in 'Cancelled' status"
    finally:
        rcv.close()


def test_retry_of_a_run_re_exports_its_window(env):
    s, key, tmp = env
    e = s.create_export(key, file_dest(tmp))
    s.clock(key, now="2026-03-02T11:00:10Z")
    first = s.runs(key, e["id"])[0]
    r = s.api("POST", f"/{e['id']}/runs/{first['id']}/retry/", key)
    assert r.status_code == 200 and r.json()["backfill_id"]
    s.clock(key, advance=1)
    again = [x for x in s.runs(key, e["id"]) if x["backfill"] == r.json()["backfill_id"]]
    assert len(again) == 1 and again[0]["data_interval_start"] == first["data_interval_start"]
    assert [x["id"] for x in lines_of(tmp, again[0])] == ORG_EVENT_IDS


def test_runs_page_by_cursor_and_a_bad_cursor_is_404(env):
    s, key, tmp = env
    e = s.create_export(key, {"type": "NoOp", "config": {}}, interval="every 5 minutes")
    s.clock(key, now="2026-03-02T19:00:10Z")  # 108 runs
    body = s.api("GET", f"/{e['id']}/runs/", key).json()
    assert set(body) == {"next", "previous", "results"} and len(body["results"]) == 100
    assert body["previous"] is None and body["next"]
    import requests
    page2 = requests.get(body["next"], headers={"Authorization": f"Bearer {key}"}).json()
    assert len(page2["results"]) == 8 and page2["next"] is None and page2["previous"]
    assert page2["results"][-1]["data_interval_end"] == "2026-03-02T10:05:00.000Z"
    r = s.api("GET", f"/{e['id']}/runs/?cursor=!!!", key)
    assert r.status_code == 404 and r.json()["detail"] == "Invalid cursor"  # posthog-reference §0.2


def test_a_change_of_interval_continues_where_the_last_window_ended(env):
    s, key, tmp = env
    e = s.create_export(key, file_dest(tmp))
    s.clock(key, now="2026-03-02T11:00:30Z")
    r = s.api("PATCH", f"/{e['id']}/", key, json={"interval": "day"})
    assert r.status_code == 200 and r.json()["interval"] == "day"
    s.clock(key, now="2026-03-02T11:40:00Z")
    ev = {"type": "activity", "user_id": U1, "org_id": ORG, "timestamp": "2026-03-02T11:40:00Z", "id": "after-change"}
    assert s.post_events(key, [ev]).status_code == 200
    s.clock(key, now="2026-03-03T00:00:30Z")
    runs = s.runs(key, e["id"])
    assert [(r["data_interval_start"], r["data_interval_end"]) for r in runs] == [
        ("2026-03-02T10:00:00.000Z", "2026-03-02T11:00:00.000Z"),
        ("2026-03-02T11:00:00.000Z", "2026-03-03T00:00:00.000Z")]  # not from 2026-03-02T00:00: no event twice
    assert [x["id"] for x in lines_of(tmp, runs[1])] == ["after-change"]


def test_a_window_larger_than_one_store_page_exports_every_event_once(env):
    # the store reads a window 2000 events at a time (store_sqlite.c): 4500 more events span three pages
    s, key, tmp = env
    extra = [{"type": "activity", "user_id": U1, "org_id": ORG, "timestamp": f"2026-03-01T20:{i // 100 % 60:02d}:00Z",
              "id": f"bulk-{i}"} for i in range(4500)]
    assert s.post_events(key, extra).status_code == 200
    e = s.create_export(key, file_dest(tmp))
    s.clock(key, now="2026-03-02T11:00:30Z")
    run = s.runs(key, e["id"])[0]
    ids = [x["id"] for x in lines_of(tmp, run)]
    assert ids == ORG_EVENT_IDS + [f"bulk-{i}" for i in range(4500)]
    assert run["records_completed"] == len(ids)


def test_runs_list_shows_the_last_seven_days_unless_after_and_before_say_otherwise(env):
    s, key, tmp = env
    e = s.create_export(key, {"type": "NoOp", "config": {}}, interval="day")
    s.clock(key, now="2026-03-03T00:00:10Z")  # the run for 2026-03-02
    s.clock(key, now="2026-03-12T00:00:10Z")  # nine more, created now
    assert len(s.runs(key, e["id"])) == 9  # the first was created more than 7 days ago
    body = s.api("GET", f"/{e['id']}/runs/?after=2026-03-01T00:00:00Z", key).json()
    assert len(body["results"]) == 10
    body = s.api("GET", f"/{e['id']}/runs/?after=-10d&before=2026-03-04T00:00:00Z", key).json()
    assert [r["data_interval_end"] for r in body["results"]] == ["2026-03-03T00:00:00.000Z"]
    r = s.api("GET", f"/{e['id']}/runs/?after=soon", key)
    error(r, 400, "invalid_input", "after")


def test_cancelling_a_backfill_stops_its_remaining_runs(env):
    s, key, tmp = env
    rcv = Receiver()
    rcv.hold = threading.Event()
    try:
        e = s.create_export(key, {"type": "HTTP", "config": {"url": rcv.url, "token": "t"}})
        r = s.api("POST", f"/{e['id']}/backfills/", key,
                  json={"start_at": "2026-03-01T08:00:00Z", "end_at": "2026-03-01T16:00:00Z"})
        bid = r.json()["backfill_id"]
        s.clock(key, advance=1, wait=False)
        wait_for(lambda: any(x["status"] == "Running" for x in s.runs(key, e["id"])), what="a running backfill run")
        r = s.api("POST", f"/{e['id']}/backfills/{bid}/cancel/", key)
        assert r.status_code == 200 and r.json() == {"cancelled": True}
        rcv.hold.set()
        s.clock(key, advance=1)
        b = s.api("GET", f"/{e['id']}/backfills/{bid}/", key).json()
        assert b["status"] == "Cancelled" and b["progress"] is None
        runs = [x for x in s.runs(key, e["id"]) if x["backfill"] == bid]
        assert [x["status"] for x in runs] == ["Cancelled"]  # 8 hours, but only the first run was made
        r = s.api("POST", f"/{e['id']}/backfills/{bid}/cancel/", key)
        assert r.status_code == 400 and r.json()["detail"] == "Cannot cancel a backfill that is in 'Cancelled' status"
    finally:
        rcv.close()


def test_updating_an_export_while_its_run_is_running_keeps_both(env):
    s, key, tmp = env
    rcv = Receiver()
    rcv.hold = threading.Event()
    try:
        e = s.create_export(key, {"type": "HTTP", "config": {"url": rcv.url, "token": "t"}})
        s.clock(key, now="2026-03-02T11:00:10Z", wait=False)
        wait_for(lambda: any(x["status"] == "Running" for x in s.runs(key, e["id"])), what="a running run")
        r = s.api("PATCH", f"/{e['id']}/", key, json={"name": "renamed mid-run"})
        assert r.status_code == 200
        rcv.hold.set()
        s.clock(key, advance=1)
        got = s.api("GET", f"/{e['id']}/", key).json()
        assert got["name"] == "renamed mid-run" and got["latest_runs"][0]["status"] == "Completed"
        assert got["latest_runs"][0]["records_completed"] == len(ORG_EVENT_IDS)
    finally:
        rcv.close()


def test_invalid_choice_of_a_number_shows_it_as_text(env):
    s, key, tmp = env
    r = s.api("POST", "/", key, json={"name": "x", "interval": 5, "destination": {"type": "NoOp"}})
    assert r.json()["detail"] == '"5" is not a valid choice.' and r.json()["attr"] == "interval"


def test_metrics_count_export_runs_by_the_status_they_reached(env):
    s, key, tmp = env
    rcv = Receiver()
    rcv.fail = True
    try:
        bad = s.create_export(key, {"type": "HTTP", "config": {"url": rcv.url, "token": "t"}})
        good = s.create_export(key, file_dest(tmp))
        s.clock(key, now="2026-03-02T11:00:10Z")
        assert s.runs(key, bad["id"])[0]["status"] == "FailedRetryable"
        assert s.runs(key, good["id"])[0]["status"] == "Completed"
        text = s.request("GET", "/metrics", key).text
        assert 'orgpulse_export_runs_total{status="Completed"} 1' in text.splitlines()
        assert 'orgpulse_export_runs_total{status="FailedRetryable"} 1' in text.splitlines()
    finally:
        rcv.close()
