"""Order independence (events.md): the same demo stream ingested in its own order through `orgpulse import` and in
shuffled order through the API, in batches of different sizes, yields identical stats, users and orgs."""
import json
import random

from conftest import Server, create_key, run_cli


def demo_lines(seed):
    out = run_cli("demo", "--users", "400", "--orgs", "25", "--days", "60", "--seed", seed, "--end", "2026-06-30")
    return out.stdout.splitlines()


def snapshot(server, key, user_ids, org_ids, days):
    snap = {"stats": {d: server.request("GET", f"/v1/stats?day={d}", key).json() for d in days}}
    for d in days:
        snap["stats"][d].pop("day")
    snap["users"] = {u: server.request("GET", f"/v1/users/{u}", key).json() for u in sorted(user_ids)}
    snap["orgs"] = {o: server.request("GET", f"/v1/orgs/{o}", key).json() for o in sorted(org_ids)}
    return snap


def test_shuffled_demo_stream_gives_identical_stats_users_and_orgs(tmp_path):
    lines = demo_lines(11)
    events = [json.loads(line) for line in lines]
    user_ids = {e["user_id"] for e in events if "user_id" in e}
    org_ids = {e["org_id"] for e in events if "org_id" in e}
    days = ["2026-05-01", "2026-05-15", "2026-06-01", "2026-06-29", "2026-06-30"]

    ordered_dir = str(tmp_path / "ordered")
    stream = tmp_path / "ordered.ndjson"
    stream.write_text("\n".join(lines) + "\n")
    run_cli("import", "--data", ordered_dir, "--batch", "997", str(stream))
    key_a = create_key(ordered_dir, "*")
    a = Server(ordered_dir).start()

    shuffled = list(lines)
    random.Random(5).shuffle(shuffled)
    b = Server(str(tmp_path / "shuffled")).start()
    key_b = b.key("*")
    for i in range(0, len(shuffled), 613):
        r = b.request("POST", "/v1/events", key_b, data="\n".join(shuffled[i:i + 613]).encode(),
                      headers={"Content-Type": "application/x-ndjson"})
        assert r.status_code == 200, r.text

    snap_a = snapshot(a, key_a, user_ids, org_ids, days)
    snap_b = snapshot(b, key_b, user_ids, org_ids, days)
    assert snap_a["stats"]["2026-06-01"]["events"] == len(lines)
    assert sum(s["active_users"] for s in snap_a["stats"].values()) > 0
    assert snap_a["stats"] == snap_b["stats"]
    for u in sorted(user_ids):
        assert snap_a["users"][u] == snap_b["users"][u], u
    for o in sorted(org_ids):
        assert snap_a["orgs"][o] == snap_b["orgs"][o], o

    # and a restart (rebuild from the store, in arrival order) gives the same again
    assert b.stop() == 0
    b.start()
    assert snapshot(b, key_b, user_ids, org_ids, days) == snap_b
    assert a.stop() == 0 and b.stop() == 0
