"""Durability: a 200 from /v1/events means the events survive kill -9. A client streams batches while the server is
SIGKILLed; after a restart every acknowledged event is there and no part of an unacknowledged batch is."""
import threading
import time

import requests

from conftest import Server, ndjson, store_query

BATCH = 300


def batch_events(b):
    return [{"type": "activity", "user_id": f"b{b}-u{i}", "org_id": f"org-{i % 7}", "id": f"b{b}-e{i}",
             "timestamp": "2026-05-01T12:00:00Z"} for i in range(BATCH)]


def stored_per_batch(data_dir):
    rows = store_query(data_dir, "select event_id from events")
    counts = {}
    for (eid,) in rows:
        b = int(eid[1:].split("-")[0])
        counts[b] = counts.get(b, 0) + 1
    return counts


def test_acknowledged_batches_survive_sigkill_and_unacknowledged_ones_are_all_or_nothing(data_dir):
    s = Server(data_dir).start()
    key = s.key("events:write,users:read")
    acked, attempted = [], []
    stop = threading.Event()

    def stream():
        b = 0
        session = requests.Session()
        while not stop.is_set():
            attempted.append(b)
            try:
                r = session.post(s.url + "/v1/events", data=ndjson(batch_events(b)).encode(),
                                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/x-ndjson"},
                                 timeout=10)
            except requests.RequestException:
                return
            if r.status_code != 200:
                return
            assert r.json() == {"accepted": BATCH, "duplicates": 0}
            acked.append(b)
            b += 1

    t = threading.Thread(target=stream)
    t.start()
    deadline = time.time() + 20
    while len(acked) < 15 and time.time() < deadline:
        time.sleep(0.01)
    s.kill()
    stop.set()
    t.join()
    assert len(acked) >= 15

    counts = stored_per_batch(data_dir)
    for b in acked:
        assert counts.get(b) == BATCH, f"acknowledged batch {b} lost events: {counts.get(b)}"
    for b in set(attempted) - set(acked):
        assert counts.get(b, 0) in (0, BATCH), f"batch {b} partially stored"
    assert set(counts) <= set(attempted)

    # the restarted server's index is rebuilt from exactly what was stored
    s.start()
    total = sum(counts.values())
    st = s.request("GET", "/v1/stats?day=2026-05-01", key).json()
    assert st["events"] == total
    assert st["active_users"] == total
    assert s.request("GET", f"/v1/users/b{acked[-1]}-u{BATCH - 1}", key).status_code == 200
    # retrying every attempted batch (as a client would after a crash) stores nothing twice
    for b in attempted:
        r = s.post_events(key, batch_events(b))
        assert r.json()["accepted"] + r.json()["duplicates"] == BATCH
    assert s.request("GET", "/v1/stats", key).json()["events"] == BATCH * len(attempted)
    assert s.stop() == 0
