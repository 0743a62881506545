"""Batch exports with two orgpulse nodes on one PostgreSQL database (src/export/run.c, "Several nodes"): what one
node's API creates or changes the other's API answers, a schedule's window runs once in all (not once per node) with
both nodes' clocks moving, and a node SIGKILLed during a run leaves it to the other, every event at the destination
exactly once. It brings its own database, so the PostgreSQL pass of the suite skips it."""
import collections
import json
import os
import threading

import pytest

from conftest import ON_POSTGRES, run_cli
from exports_support import ORG, ORG_EVENT_IDS, START, U1, ExportServer, Receiver, load, wait_for

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="runs on its own database in the SQLite pass")

DELAY = {"ORGPULSE_TEST_EXPORT_DELAY_MS": "4000"}


def two_nodes(pg_cluster, tmp_path, env=None):
    dsn = pg_cluster.dsn_for(pg_cluster.create_database("exports"))
    env = {"ORGPULSE_STORE": dsn, **(env or {})}
    a = ExportServer(str(tmp_path / "a"), env=env).start()
    b = ExportServer(str(tmp_path / "b"), env=env).start()
    key = run_cli("keys", "create", "--store", dsn, "--scopes", "*").stdout.strip().splitlines()[-1]
    a.clock(key, now=START)
    b.clock(key, now=START)
    return a, b, key


@pytest.fixture
def nodes(pg_cluster, tmp_path):
    a, b, key = two_nodes(pg_cluster, tmp_path)
    yield a, b, key
    for s in (a, b):
        assert s.stop() == 0, s.log_text()


def file_ids(out):
    return [json.loads(line)["id"] for f in sorted(os.listdir(out)) for line in (out / f).read_text().splitlines()]


def load_both(a, b, key):
    """The data set, sent to A; returns once B's index has it too (the org exists there)."""
    load(a, key)
    wait_for(lambda: b.api("GET", "/", key).status_code == 200, what="B to know the org")


def activity(event_id):
    return {"type": "activity", "user_id": U1, "org_id": ORG, "timestamp": "2026-03-02T09:00:00Z", "id": event_id}


def runs_until(node, key, export_id, before):
    r = node.api("GET", f"/{export_id}/runs/?before={before}", key)
    assert r.status_code == 200, r.text
    return r.json()["results"]


def windows(node, key, export_id):
    return [(r["data_interval_start"], r["data_interval_end"], r["status"]) for r in node.runs(key, export_id)]


def test_an_export_created_on_one_node_is_listed_and_changed_on_the_other(nodes, tmp_path):
    a, b, key = nodes
    load_both(a, b, key)
    e = a.create_export(key, {"type": "File", "config": {"path": str(tmp_path / "out")}})
    listed = b.api("GET", "/", key).json()["results"]
    assert [x["id"] for x in listed] == [e["id"]] and listed[0]["name"] == "events export"
    r = b.api("PATCH", f"/{e['id']}/", key, json={"name": "renamed on B"})
    assert r.status_code == 200, r.text
    assert a.api("GET", f"/{e['id']}/", key).json()["name"] == "renamed on B"
    assert b.api("DELETE", f"/{e['id']}/", key).status_code == 204
    assert a.api("GET", f"/{e['id']}/", key).status_code == 404
    assert a.api("GET", "/", key).json()["results"] == []


def test_each_window_of_a_schedule_runs_once_with_both_nodes_clocks_moving(pg_cluster, tmp_path):
    """Runs are slowed (1 s before delivery) so that the other node's scheduler passes while one node runs: without
    one runner at a time it would take the Running run for an interrupted one and deliver it again."""
    a, b, key = two_nodes(pg_cluster, tmp_path, env={"ORGPULSE_TEST_EXPORT_DELAY_MS": "1000"})
    rcv = Receiver()
    try:
        load_both(a, b, key)  # received at 10:00 (A's clock): the window [10:00, 11:00)
        e = a.create_export(key, {"type": "HTTP", "config": {"url": rcv.url, "token": "t"}})
        # 11:00 on A then B; 12:00 on B then A; 13:00 on both at once; one event received in each later window
        a.clock(key, now="2026-03-02T11:00:10Z")
        b.clock(key, now="2026-03-02T11:00:10Z")
        assert b.post_events(key, [activity("w2")]).status_code == 200
        b.clock(key, now="2026-03-02T12:00:10Z")
        a.clock(key, now="2026-03-02T12:00:10Z")
        assert a.post_events(key, [activity("w3")]).status_code == 200
        moves = [threading.Thread(target=n.clock, args=(key, "2026-03-02T13:00:10Z")) for n in (a, b)]
        for t in moves:
            t.start()
        for t in moves:
            t.join()
        got = wait_for(lambda: (lambda w: w if len(w) == 3 and all(x[2] == "Completed" for x in w) else None)(
            windows(a, key, e["id"])), what="three completed runs")
        assert got == [("2026-03-02T10:00:00.000Z", "2026-03-02T11:00:00.000Z", "Completed"),
                       ("2026-03-02T11:00:00.000Z", "2026-03-02T12:00:00.000Z", "Completed"),
                       ("2026-03-02T12:00:00.000Z", "2026-03-02T13:00:00.000Z", "Completed")]
        assert windows(b, key, e["id"]) == got
        # one delivery per run, and every event once
        run_ids = sorted(r["id"] for r in a.runs(key, e["id"]))
        assert sorted(r["headers"]["X-Orgpulse-Run-Id"] for r in rcv.requests) == run_ids
        assert collections.Counter(x["id"] for x in rcv.ok_lines()) == collections.Counter(ORG_EVENT_IDS + ["w2", "w3"])
        for s in (a, b):
            assert "was interrupted" not in s.log_path.read_text()
    finally:
        rcv.close()
        for s in (a, b):
            assert s.stop() == 0, s.log_text()


def test_a_node_killed_during_a_run_leaves_it_to_the_other_and_each_event_lands_once(pg_cluster, tmp_path):
    a, b, key = two_nodes(pg_cluster, tmp_path, env=DELAY)
    try:
        out = tmp_path / "out"
        load_both(a, b, key)
        e = a.create_export(key, {"type": "File", "config": {"path": str(out)}})
        a.clock(key, now="2026-03-02T11:00:10Z", wait=False)  # only A's clock: A makes the run and runs it
        run = wait_for(lambda: next((r for r in a.runs(key, e["id"]) if r["status"] == "Running"), None),
                       what="the run to start")
        # B's clock is still at 10:00, so its runs list (the runs created up to now by default) is asked explicitly
        assert [r["status"] for r in runs_until(b, key, e["id"], "2026-03-02T12:00:00Z")] == ["Running"]
        wait_for(lambda: out.exists() and os.listdir(out) == [f".{run['id']}.tmp"], what="A to write the data")
        a.kill()  # before its rename: the run is Running in the store, and A's lock is gone with its connection
        done = wait_for(lambda: (lambda r: r if r["status"] == "Completed" else None)(
            b.api("GET", f"/{e['id']}/runs/{run['id']}/", key).json()), what="B to run it again")
        assert done["records_completed"] == len(ORG_EVENT_IDS)
        assert [r["id"] for r in runs_until(b, key, e["id"], "2026-03-02T12:00:00Z")] == [run["id"]]
        assert sorted(os.listdir(out)) == [run["id"] + ".jsonl"]
        assert collections.Counter(file_ids(out)) == collections.Counter(ORG_EVENT_IDS)
        assert "was interrupted on another node" in b.log_path.read_text()
    finally:
        for s in (a, b):
            if s.proc is not None:
                assert s.stop() == 0, s.log_text()
