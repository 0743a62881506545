"""Several orgpulse nodes on one PostgreSQL database (src/store/store_pg.c, src/engine/follow.c): what one node
accepts the others answer within a second, event ids are stored once whichever nodes receive them, a SIGKILLed node
loses nothing it acknowledged, keys made on one node work on the others, and the store's named lock is held by one
node at a time. It brings its own database, so the PostgreSQL pass of the suite skips it."""
import os
import pathlib
import subprocess
import threading
import time

import pytest
import requests

from conftest import BIN, ON_POSTGRES, Server, ndjson, run_cli

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="runs on its own database in the SQLite pass")

ORG = "4f18c3a2-0000-4000-8000-00000000000a"
LAG_REPORT = pathlib.Path(os.environ.get("ORGPULSE_LAG_REPORT", "/tmp/orgpulse-multinode-lag.txt"))


@pytest.fixture
def nodes(pg_cluster, tmp_path):
    """Two started nodes (A and B) on one fresh database, and an admin key; both must stop cleanly."""
    dsn = pg_cluster.dsn_for(pg_cluster.create_database("multi"))
    a = Server(str(tmp_path / "a"), env={"ORGPULSE_STORE": dsn}).start()
    b = Server(str(tmp_path / "b"), env={"ORGPULSE_STORE": dsn}).start()
    key = run_cli("keys", "create", "--store", dsn, "--scopes", "*").stdout.strip().splitlines()[-1]
    yield a, b, key, dsn
    for s in (a, b):
        if s.proc is not None:
            assert s.stop() == 0, s.log_text()


def db_of(dsn):
    return dsn.rsplit("/", 1)[1]


def stats_events(server, key):
    return server.request("GET", "/v1/stats?day=2026-03-02", key).json()["events"]


def wait_until(predicate, timeout):
    """Seconds until predicate() held (polling every 2 ms), or None after timeout."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if predicate():
            return time.monotonic() - t0
        time.sleep(0.002)
    return None


def test_an_event_accepted_by_one_node_is_answered_by_the_other_within_a_second(nodes):
    a, b, key, _ = nodes
    lags = []
    for i in range(20):
        src, dst = (a, b) if i % 2 == 0 else (b, a)
        user = f"813bef10-0000-4000-8000-{i:012d}"
        r = src.post_events(key, [{"type": "user.created", "user_id": user, "email": f"u{i}@acme.test",
                                   "timestamp": "2026-03-02T09:00:00Z"}])
        assert r.status_code == 200 and r.json() == {"accepted": 1, "duplicates": 0}
        lag = wait_until(lambda: dst.request("GET", f"/v1/users/{user}", key).status_code == 200, 1.0)
        assert lag is not None, f"event {i} not visible on the other node within 1 s"
        lags.append(lag)
    lags.sort()
    LAG_REPORT.write_text(f"cross-node lag over 20 events: median {lags[10] * 1000:.1f} ms, "
                          f"max {lags[-1] * 1000:.1f} ms\n")
    assert stats_events(a, key) == stats_events(b, key) == 20


def test_concurrent_writes_on_both_nodes_leave_both_indexes_complete(nodes, pg_cluster):
    """Many small batches on both nodes at once: the seq values of concurrent transactions must not commit out of
    order in a way that makes a follower skip one (every node ends with every event)."""
    a, b, key, dsn = nodes

    def writer(node, tag):
        for n in range(25):
            evs = [{"type": "activity", "user_id": f"{tag}-u{n}-{k}", "org_id": ORG, "id": f"{tag}-{n}-{k}",
                    "timestamp": "2026-03-02T10:00:00Z"} for k in range(4)]
            assert node.post_events(key, evs).status_code == 200

    threads = [threading.Thread(target=writer, args=(node, f"{name}{w}"))
               for name, node in (("a", a), ("b", b)) for w in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = 2 * 3 * 25 * 4
    assert pg_cluster.psql("SELECT count(*) FROM events", db=db_of(dsn)) == [[str(total)]]
    assert wait_until(lambda: stats_events(a, key) == total and stats_events(b, key) == total, 1.0) is not None, \
        (stats_events(a, key), stats_events(b, key))


def test_the_same_event_id_sent_to_both_nodes_is_stored_once(nodes, pg_cluster):
    a, b, key, dsn = nodes
    results = {}
    ev = [{"type": "activity", "user_id": "u-once", "org_id": ORG, "id": "evt-once",
           "timestamp": "2026-03-02T11:00:00Z"}]
    barrier = threading.Barrier(2)

    def send(name, node):
        barrier.wait()
        results[name] = node.post_events(key, ev).json()

    threads = [threading.Thread(target=send, args=p) for p in (("a", a), ("b", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted((r["accepted"], r["duplicates"]) for r in results.values()) == [(0, 1), (1, 0)]
    assert pg_cluster.psql("SELECT count(*) FROM events WHERE event_id = 'evt-once'", db=db_of(dsn)) == [["1"]]
    # later sends to either node are duplicates too
    assert a.post_events(key, ev).json() == {"accepted": 0, "duplicates": 1}
    assert b.post_events(key, ev).json() == {"accepted": 0, "duplicates": 1}
    assert wait_until(lambda: stats_events(a, key) == 1 and stats_events(b, key) == 1, 1.0) is not None


def test_killing_a_node_loses_nothing_it_acknowledged(nodes, pg_cluster):
    a, b, key, dsn = nodes
    acked, sent = [], []
    stop = threading.Event()

    def stream():
        n = 0
        while not stop.is_set() and n < 400:
            evs = [{"type": "activity", "user_id": f"k{n}-u{k}", "org_id": ORG, "id": f"k{n}-e{k}",
                    "timestamp": "2026-03-02T12:00:00Z"} for k in range(50)]
            sent.append(n)
            try:
                r = requests.post(a.url + "/v1/events", data=ndjson(evs).encode(), timeout=10,
                                  headers={"Authorization": f"Bearer {key}", "Content-Type": "application/x-ndjson"})
                if r.status_code == 200:
                    acked.append(n)
            except requests.RequestException:
                return
            n += 1

    t = threading.Thread(target=stream)
    t.start()
    assert wait_until(lambda: len(acked) >= 10, 30) is not None
    a.kill()
    stop.set()
    t.join()
    rows = pg_cluster.psql("SELECT event_id FROM events", db=db_of(dsn))
    per_batch = {}
    for (eid,) in rows:
        n = int(eid[1:].split("-")[0])
        per_batch[n] = per_batch.get(n, 0) + 1
    for n in acked:
        assert per_batch.get(n) == 50, f"acknowledged batch {n} lost events"
    assert all(c == 50 for c in per_batch.values()), "a batch was stored in part"
    stored = sum(per_batch.values())
    # the surviving node answers with every stored event, and the restarted one too
    assert wait_until(lambda: stats_events(b, key) == stored, 1.0) is not None
    a.start()
    assert stats_events(a, key) == stored


def test_a_key_created_on_one_node_works_on_the_other_and_its_revocation_too(nodes):
    a, b, key, _ = nodes
    r = a.request("POST", "/v1/api_keys", key, json={"scopes": ["users:read"], "name": "from-a"})
    assert r.status_code == 201, r.text
    made = r.json()
    secret = made["secret"]
    assert b.request("GET", "/v1/stats?day=2026-03-02", secret).status_code == 200
    assert a.request("DELETE", f"/v1/api_keys/{made['id']}", key).status_code in (200, 204)
    assert wait_until(lambda: b.request("GET", "/v1/stats?day=2026-03-02", secret).status_code == 401, 3.0) \
        is not None


def test_an_import_into_the_store_shows_in_running_nodes(nodes, tmp_path):
    a, b, key, dsn = nodes
    f = tmp_path / "in.ndjson"
    f.write_text(ndjson([{"type": "activity", "user_id": f"imp-u{i}", "org_id": ORG, "id": f"imp-{i}",
                          "timestamp": "2026-03-02T13:00:00Z"} for i in range(300)]))
    run_cli("import", "--store", dsn, "--batch", "100", f)
    assert wait_until(lambda: stats_events(a, key) == 300 and stats_events(b, key) == 300, 1.0) is not None


def test_nodes_ride_out_a_database_restart(tmp_path):
    """The database server restarts (its own cluster, not the session's): the nodes reconnect, the next request
    and batch are served, and both nodes answer every stored event."""
    from pgcluster import PgCluster
    with PgCluster() as pg:
        dsn = pg.dsn_for(pg.create_database("restart"))
        a = Server(str(tmp_path / "a"), env={"ORGPULSE_STORE": dsn}).start()
        b = Server(str(tmp_path / "b"), env={"ORGPULSE_STORE": dsn}).start()
        try:
            key = run_cli("keys", "create", "--store", dsn, "--scopes", "*").stdout.strip().splitlines()[-1]

            def ev(i):
                return [{"type": "activity", "user_id": f"r-u{i}", "org_id": ORG, "id": f"r-{i}",
                         "timestamp": "2026-03-02T14:00:00Z"}]

            assert a.post_events(key, ev(0)).status_code == 200
            pg.restart()
            time.sleep(1.2)  # past the key cache's age: the next request reads the keys on a new connection
            assert b.request("GET", "/v1/stats?day=2026-03-02", key).status_code == 200
            for i in range(1, 4):
                r = a.post_events(key, ev(i))
                assert r.status_code == 200, r.text
            assert wait_until(lambda: stats_events(a, key) == 4 and stats_events(b, key) == 4, 2.0) is not None
        finally:
            assert a.stop() == 0, a.log_text()
            assert b.stop() == 0, b.log_text()


def test_a_store_that_cannot_be_reached_fails_without_showing_its_password(tmp_path):
    url = "postgres://orgpulse:topsecret-pw@127.0.0.1:1/orgpulse"
    for args in (["keys", "list", "--store", url], ["serve", "--data", tmp_path / "d", "--store", url],
                 ["import", "--store", url, "-"]):
        p = run_cli(*args, check=False, input="")
        assert p.returncode == 1
        assert "cannot connect to PostgreSQL" in p.stderr and "topsecret" not in p.stderr + p.stdout


def test_the_store_lock_is_held_by_one_node_at_a_time(pg_cluster):
    """store_lock_try (for the exports scheduler): tests/store/test_store_lock.c's PostgreSQL cases, on a database."""
    binary = pathlib.Path(BIN).parent / "store_test_store_lock"
    if not binary.exists():
        pytest.skip(f"{binary} not built (cmocka missing)")
    env = dict(os.environ, ORGPULSE_TEST_PG_URL=pg_cluster.dsn_for(pg_cluster.create_database("lock")))
    p = subprocess.run([str(binary)], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "PASSED  ] 5 test(s)" in p.stdout + p.stderr, p.stdout + p.stderr
