"""Crash safety of export runs: the server is killed (SIGKILL) in the middle of a run, after the destination got the
data but before it was committed; after a restart the run is run again and every event of the window is at the
destination exactly once (ids counted there). Runs are slowed with ORGPULSE_TEST_EXPORT_DELAY_MS (test clock only)."""
import collections
import json
import os
import threading
import time

from pgcluster import PASSWORD

from exports_support import ORG_EVENT_IDS, ExportServer, Receiver, load, start_server, wait_for

DELAY = {"ORGPULSE_TEST_EXPORT_DELAY_MS": "4000"}
DELAY_AFTER_COMMIT = {"ORGPULSE_TEST_EXPORT_DELAY_MS": "4000", "ORGPULSE_TEST_EXPORT_DELAY_AT": "after"}


def kill_during_the_run(s, key, destination, ready=None):
    """Start the first run and SIGKILL the server once `ready(run)` holds (the destination reached the point the test
    is about; the run then sleeps in the test delay), or 1 s into the run."""
    e = s.create_export(key, destination)
    s.clock(key, now="2026-03-02T11:00:10Z", wait=False)
    run = wait_for(lambda: next((r for r in s.runs(key, e["id"]) if r["status"] == "Running"), None),
                   what="the run to start")
    if ready:
        wait_for(lambda: ready(run), what="the destination to get the data")
    else:
        time.sleep(1.0)
    s.kill()
    return e, run


def restart(data_dir):
    # the clock where it was, so no other window falls due
    s = ExportServer(data_dir, extra_args=["--clock", "2026-03-02T11:00:20Z"]).start()
    return s


def finish(s, key, e, run):
    done = wait_for(lambda: (lambda r: r if r["status"] == "Completed" else None)(
        s.api("GET", f"/{e['id']}/runs/{run['id']}/", key).json()), what="the re-run")
    assert len(s.runs(key, e["id"])) == 1
    return done


def test_issue_6_file_run_killed_before_its_rename_is_rerun_and_each_event_lands_once(tmp_path):
    data = str(tmp_path / "data")
    out = tmp_path / "out"
    s, key = start_server(data, env=DELAY)
    load(s, key)
    e, run = kill_during_the_run(s, key, {"type": "File", "config": {"path": str(out)}},
                                 ready=lambda run: out.exists() and os.listdir(out) == [f".{run['id']}.tmp"])
    assert os.listdir(out) == [f".{run['id']}.tmp"]  # written, never renamed
    s = restart(data)
    try:
        done = finish(s, key, e, run)
        assert sorted(os.listdir(out)) == [run["id"] + ".jsonl"]
        ids = [json.loads(x)["id"] for f in os.listdir(out) for x in (out / f).read_text().splitlines()]
        assert collections.Counter(ids) == collections.Counter(ORG_EVENT_IDS)
        assert done["records_completed"] == len(ORG_EVENT_IDS)
    finally:
        assert s.stop() == 0, s.log_text()


def test_issue_6_postgres_run_killed_before_commit_is_rerun_and_each_event_lands_once(tmp_path, pg_cluster):
    db = pg_cluster.create_database()
    data = str(tmp_path / "data")
    s, key = start_server(data, env=DELAY)
    load(s, key)
    dest = {"type": "Postgres", "config": {"host": "127.0.0.1", "port": pg_cluster.port, "database": db,
                                           "user": "orgpulse", "password": PASSWORD, "table_name": "ev"}}
    e, run = kill_during_the_run(s, key, dest)
    s = restart(data)
    try:
        finish(s, key, e, run)
        rows = pg_cluster.psql("SELECT id, count(*) FROM ev GROUP BY id ORDER BY id", db=db)
        assert rows == [[i, "1"] for i in sorted(ORG_EVENT_IDS)]
        assert pg_cluster.psql("SELECT run_id FROM orgpulse_export_runs", db=db) == [[run["id"]]]
    finally:
        assert s.stop() == 0, s.log_text()


def test_issue_6_http_run_killed_mid_request_is_resent_with_the_same_idempotency_key(tmp_path):
    data = str(tmp_path / "data")
    s, key = start_server(data)
    load(s, key)
    rcv = Receiver()
    rcv.hold = threading.Event()
    try:
        e, run = kill_during_the_run(s, key, {"type": "HTTP", "config": {"url": rcv.url, "token": "t"}},
                                     ready=lambda run: rcv.arrived == 1)
        rcv.hold.set()  # the first delivery arrives; its answer has nobody to read it
        wait_for(lambda: len(rcv.requests) == 1, what="the first delivery")
        s = restart(data)
        try:
            finish(s, key, e, run)
        finally:
            assert s.stop() == 0, s.log_text()
        keys = [r["headers"]["Idempotency-Key"] for r in rcv.requests]
        assert keys == [run["id"] + "-0"] * 2  # at least once, with one key
        by_key = {r["headers"]["Idempotency-Key"]: r["lines"] for r in rcv.requests}
        ids = [x["id"] for lines in by_key.values() for x in lines]
        assert collections.Counter(ids) == collections.Counter(ORG_EVENT_IDS)
    finally:
        rcv.close()


def test_issue_6_file_run_killed_after_its_rename_is_rerun_into_the_same_file(tmp_path):
    data = str(tmp_path / "data")
    out = tmp_path / "out"
    s, key = start_server(data, env=DELAY_AFTER_COMMIT)
    load(s, key)
    e, run = kill_during_the_run(s, key, {"type": "File", "config": {"path": str(out)}},
                                 ready=lambda run: out.exists() and os.listdir(out) == [run["id"] + ".jsonl"])
    assert os.listdir(out) == [run["id"] + ".jsonl"]  # renamed, but the run was not marked Completed
    s = restart(data)
    try:
        finish(s, key, e, run)
        assert os.listdir(out) == [run["id"] + ".jsonl"]
        ids = [json.loads(x)["id"] for x in (out / (run["id"] + ".jsonl")).read_text().splitlines()]
        assert collections.Counter(ids) == collections.Counter(ORG_EVENT_IDS)
    finally:
        assert s.stop() == 0, s.log_text()


def test_issue_6_postgres_run_killed_after_commit_is_not_written_twice(tmp_path, pg_cluster):
    db = pg_cluster.create_database()
    data = str(tmp_path / "data")
    s, key = start_server(data, env=DELAY_AFTER_COMMIT)
    load(s, key)
    dest = {"type": "Postgres", "config": {"host": "127.0.0.1", "port": pg_cluster.port, "database": db,
                                           "user": "orgpulse", "password": PASSWORD, "table_name": "ev"}}
    committed = [[str(len(ORG_EVENT_IDS))]]

    def in_postgres(run):
        try:
            return pg_cluster.psql("SELECT count(*) FROM ev", db=db) == committed
        except Exception:  # the table is not there yet
            return False
    e, run = kill_during_the_run(s, key, dest, ready=in_postgres)
    assert pg_cluster.psql("SELECT count(*) FROM ev", db=db) == committed  # committed, run not marked done
    s = restart(data)
    try:
        finish(s, key, e, run)  # the run id is found committed: nothing is inserted again
        rows = pg_cluster.psql("SELECT id, count(*) FROM ev GROUP BY id ORDER BY id", db=db)
        assert rows == [[i, "1"] for i in sorted(ORG_EVENT_IDS)]
    finally:
        assert s.stop() == 0, s.log_text()
