"""Batch exports, each model (events, persons, usage) to each destination (File as JSONLines, CSV and zstd; Postgres on a
throwaway cluster; HTTP to a loopback receiver; NoOp): one hourly run over the data set of exports_support, and the
destination's content checked row by row against the org's data written out by hand there."""
import csv
import io
import json
import os
import shutil
import subprocess

import pytest
from pgcluster import PASSWORD

from exports_support import (  # noqa: F401 (env is a fixture)
    ORG, ORG_EVENT_IDS, ORG_PERSONS, ORG_USAGE, Receiver, U1, load, start_server, env)


def run_once(s, key, destination, model):
    """Create an hourly export, move the clock past the first boundary; returns the one run."""
    e = s.create_export(key, destination, model=model)
    s.clock(key, now="2026-03-02T11:00:30Z")
    runs = s.runs(key, e["id"])
    assert len(runs) == 1, runs
    run = runs[0]
    assert run["status"] == "Completed", run
    assert run["data_interval_start"].startswith("2026-03-02T10:00:00")
    assert run["data_interval_end"].startswith("2026-03-02T11:00:00")
    return e, run


def exported_files(path):
    return sorted(f for f in os.listdir(path) if not f.startswith("."))


def check_event_lines(lines):
    assert [x["id"] for x in lines] == ORG_EVENT_IDS
    a2 = next(x for x in lines if x["id"] == "e-a2")
    assert a2 == {"type": "activity", "id": "e-a2", "timestamp": "2026-03-01T13:00:00.000Z",
                  "user_id": "u2000000-0000-4000-8000-000000000002", "received_at": a2["received_at"]}
    assert a2["received_at"].startswith("2026-03-02T10:00:")
    g1 = next(x for x in lines if x["id"] == "e-g1")
    assert g1["metrics"] == {"interactions": 2, "useful": 1} and g1["feature"] == "chat" and g1["user_id"] == U1
    org = next(x for x in lines if x["id"] == "e-org-a")
    assert org["org_id"] == ORG and org["name"] == "Acme"


def test_events_to_file_jsonlines_are_the_orgs_events_once_each(env):
    s, key, tmp = env
    out = tmp / "out"
    e, run = run_once(s, key, {"type": "File", "config": {"path": str(out)}}, "events")
    assert exported_files(out) == [run["id"] + ".jsonl"]
    lines = [json.loads(x) for x in (out / (run["id"] + ".jsonl")).read_text().splitlines()]
    check_event_lines(lines)
    assert run["records_completed"] == len(ORG_EVENT_IDS)
    assert run["bytes_exported"] == (out / (run["id"] + ".jsonl")).stat().st_size


def test_events_to_file_csv_have_a_header_and_one_row_per_event(env):
    s, key, tmp = env
    out = tmp / "out"
    e, run = run_once(s, key, {"type": "File", "config": {"path": str(out), "file_format": "CSV"}}, "events")
    rows = list(csv.DictReader(io.StringIO((out / (run["id"] + ".csv")).read_text(), newline="")))
    assert [r["id"] for r in rows] == ORG_EVENT_IDS
    g1 = next(r for r in rows if r["id"] == "e-g1")
    assert g1["type"] == "usage" and g1["user_id"] == U1 and g1["org_id"] == "" and g1["team_id"] == ""
    assert json.loads(g1["properties"]) == {"feature": "chat", "metrics": {"interactions": 2, "useful": 1}}
    assert g1["timestamp"] == "2026-03-01T14:00:00.000Z"


def zstd_decompress(path):
    if shutil.which("zstd"):
        return subprocess.run(["zstd", "-dc", str(path)], capture_output=True, check=True).stdout
    raise AssertionError("the zstd CLI is missing (scripts/install-deps installs it)")


def test_usage_to_file_csv_zstd_decompresses_to_the_daily_rollups(env):
    s, key, tmp = env
    out = tmp / "out"
    e, run = run_once(s, key, {"type": "File", "config": {"path": str(out), "file_format": "CSV",
                                                          "compression": "zstd"}}, "usage")
    name = run["id"] + ".csv.zst"
    assert exported_files(out) == [name]
    text = zstd_decompress(out / name).decode()
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    got = [(r["day"], r["user_id"], r["team_id"] or None, r["feature"], r["metric"], float(r["value"])) for r in rows]
    assert got == [(d, u, t, f, m, float(v)) for d, u, t, f, m, v in ORG_USAGE]


def test_persons_to_file_jsonlines_zstd_are_the_current_members(env):
    s, key, tmp = env
    out = tmp / "out"
    e, run = run_once(s, key, {"type": "File", "config": {"path": str(out), "compression": "zstd"}}, "persons")
    lines = [json.loads(x) for x in zstd_decompress(out / (run["id"] + ".jsonl.zst")).decode().splitlines()]
    assert [(x["user_id"], x["email"], x["role"], x["team_id"]) for x in lines] == ORG_PERSONS
    assert lines[0]["first_name"] == "One" and lines[0]["joined_at"] == "2026-03-01T09:00:00.000Z"
    assert lines[0]["deactivated"] is False


def pg_destination(pg_cluster, db, table, schema="public"):
    return {"type": "Postgres", "config": {"host": "127.0.0.1", "port": pg_cluster.port, "database": db,
                                           "user": "orgpulse", "password": PASSWORD,
                                           "schema": schema, "table_name": table}}


def pg_rows(pg_cluster, db, sql):
    return pg_cluster.psql(sql, db=db)


@pytest.mark.parametrize("model", ["events", "persons", "usage"])
def test_each_model_to_postgres_lands_row_by_row_in_one_transaction(env, pg_cluster, model):
    s, key, tmp = env
    db = pg_cluster.create_database()
    e, run = run_once(s, key, pg_destination(pg_cluster, db, f"op_{model}"), model)
    if model == "events":
        rows = pg_rows(pg_cluster, db, "SELECT id, type, user_id FROM op_events ORDER BY timestamp, id")
        assert sorted(r[0] for r in rows) == sorted(ORG_EVENT_IDS)
        props = pg_rows(pg_cluster, db, "SELECT properties->'metrics'->>'interactions' FROM op_events WHERE id='e-g1'")
        assert props == [["2"]]
    elif model == "persons":
        rows = pg_rows(pg_cluster, db, "SELECT user_id, email, role, coalesce(team_id,'') FROM op_persons ORDER BY user_id")
        assert [tuple(r) for r in rows] == [(u, m, r, t or "") for u, m, r, t in ORG_PERSONS]
    else:
        rows = pg_rows(pg_cluster, db, "SELECT day, user_id, coalesce(team_id,''), feature, metric, value FROM op_usage"
                                       " ORDER BY day, user_id, feature, metric")
        assert [tuple(r) for r in rows] == [(d, u, t or "", f, m, str(v)) for d, u, t, f, m, v in ORG_USAGE]
    recorded = pg_rows(pg_cluster, db, "SELECT run_id FROM orgpulse_export_runs")
    assert recorded == [[run["id"]]]


@pytest.mark.parametrize("model", ["events", "persons", "usage"])
def test_each_model_to_http_is_posted_as_ndjson_with_the_bearer_token(env, model):
    s, key, tmp = env
    rcv = Receiver()
    try:
        e, run = run_once(s, key, {"type": "HTTP", "config": {"url": rcv.url, "token": "tok-secret-123"}}, model)
        assert len(rcv.requests) == 1
        req = rcv.requests[0]
        assert req["headers"]["Authorization"] == "Bearer tok-secret-123"
        assert req["headers"]["Content-Type"] == "application/x-ndjson"
        assert req["headers"]["Idempotency-Key"] == run["id"] + "-0"
        lines = rcv.ok_lines()
        if model == "events":
            check_event_lines(lines)
        elif model == "persons":
            assert [(x["user_id"], x["email"], x["role"], x["team_id"]) for x in lines] == ORG_PERSONS
        else:
            assert [(x["day"], x["user_id"], x["team_id"], x["feature"], x["metric"], x["value"]) for x in lines] == \
                [tuple(r) for r in ORG_USAGE]
    finally:
        rcv.close()


@pytest.mark.parametrize("model", ["events", "persons", "usage"])
def test_each_model_to_noop_completes_with_the_record_count(env, model):
    s, key, tmp = env
    e, run = run_once(s, key, {"type": "NoOp", "config": {}}, model)
    assert run["records_completed"] == {"events": len(ORG_EVENT_IDS), "persons": 2, "usage": 3}[model]
    assert run["bytes_exported"] > 0


def rows_of_file(path, fmt, compression):
    raw = zstd_decompress(path) if compression == "zstd" else path.read_bytes()
    text = raw.decode()
    if fmt == "CSV":
        return list(csv.DictReader(io.StringIO(text, newline="")))
    return [json.loads(x) for x in text.splitlines()]


def key_fields(model, rows):
    """The fields every format carries, as text ('' for null), to compare with the expected data."""
    def t(v):
        return "" if v is None else str(v)
    if model == "events":
        return [t(r["id"]) for r in rows]
    if model == "persons":
        return [(t(r["user_id"]), t(r["email"]), t(r["role"]), t(r["team_id"])) for r in rows]
    return [(t(r["day"]), t(r["user_id"]), t(r["team_id"]), t(r["feature"]), t(r["metric"]), float(r["value"]))
            for r in rows]


EXPECTED = {
    "events": ORG_EVENT_IDS,
    "persons": [(u, m, r, t or "") for u, m, r, t in ORG_PERSONS],
    "usage": [(d, u, t or "", f, m, float(v)) for d, u, t, f, m, v in ORG_USAGE],
}


@pytest.mark.parametrize("compression", ["none", "zstd"])
@pytest.mark.parametrize("fmt", ["JSONLines", "CSV"])
@pytest.mark.parametrize("model", ["events", "persons", "usage"])
def test_each_model_to_file_in_each_format_and_compression(env, model, fmt, compression):
    s, key, tmp = env
    out = tmp / "out"
    e, run = run_once(s, key, {"type": "File", "config": {"path": str(out), "file_format": fmt,
                                                          "compression": compression}}, model)
    name = run["id"] + (".csv" if fmt == "CSV" else ".jsonl") + (".zst" if compression == "zstd" else "")
    assert exported_files(out) == [name]
    assert key_fields(model, rows_of_file(out / name, fmt, compression)) == EXPECTED[model]
    assert run["bytes_exported"] == (out / name).stat().st_size


def test_postgres_destination_creates_a_missing_schema_and_table(env, pg_cluster):
    s, key, tmp = env
    db = pg_cluster.create_database()
    e, run = run_once(s, key, pg_destination(pg_cluster, db, "org events", schema="analytics"), "events")
    rows = pg_rows(pg_cluster, db, 'SELECT count(*) FROM analytics."org events"')
    assert rows == [[str(len(ORG_EVENT_IDS))]]
    assert pg_rows(pg_cluster, db, "SELECT run_id FROM analytics.orgpulse_export_runs") == [[run["id"]]]


def test_http_destination_posts_large_windows_in_batches_of_5000_with_one_key_each(env):
    s, key, tmp = env
    extra = [{"type": "activity", "user_id": U1, "org_id": ORG, "timestamp": "2026-03-01T21:00:00Z",
              "id": f"bulk-{i}"} for i in range(6000)]
    assert s.post_events(key, extra).status_code == 200
    rcv = Receiver()
    try:
        e, run = run_once(s, key, {"type": "HTTP", "config": {"url": rcv.url, "token": "t"}}, "events")
        assert [r["headers"]["Idempotency-Key"] for r in rcv.requests] == [run["id"] + "-0", run["id"] + "-1"]
        assert [len(r["lines"]) for r in rcv.requests] == [5000, len(ORG_EVENT_IDS) + 6000 - 5000]
        assert [x["id"] for x in rcv.ok_lines()] == ORG_EVENT_IDS + [f"bulk-{i}" for i in range(6000)]
    finally:
        rcv.close()


def test_postgres_copy_keeps_tabs_newlines_backslashes_and_quotes(env, pg_cluster):
    s, key, tmp = env
    note = 'a\tb\nc\\d "q" \\N,é'
    ev = {"type": "org.updated", "org_id": ORG, "metadata": {"note": note}, "timestamp": "2026-03-02T09:00:00Z",
          "id": "e-odd"}
    assert s.post_events(key, [ev]).status_code == 200
    db = pg_cluster.create_database()
    e, run = run_once(s, key, pg_destination(pg_cluster, db, "ev"), "events")
    got = pg_rows(pg_cluster, db, "SELECT encode(convert_to(properties->'metadata'->>'note', 'UTF8'), 'base64') "
                                  "FROM ev WHERE id = 'e-odd'")
    import base64
    assert base64.b64decode("".join(got[0])).decode() == note
    assert pg_rows(pg_cluster, db, "SELECT count(*) FROM ev") == [[str(len(ORG_EVENT_IDS) + 1)]]
