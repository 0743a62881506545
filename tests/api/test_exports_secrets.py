"""No secret of an export (the Postgres `password`, the HTTP `token`) nor any API key appears in any response or in the
server's log, whatever the calls: create, read, list, update, runs that succeed and runs that fail."""
import json

from pgcluster import PASSWORD

from exports_support import ORG, Receiver, load, start_server

TOKEN = "tok-very-secret-42"
BAD_PASSWORD = "wrong-but-secret-77"


def test_secrets_never_appear_in_responses_or_the_log(tmp_path, pg_cluster):
    db = pg_cluster.create_database()
    s, key = start_server(str(tmp_path / "data"))
    org_key = s.key("batch_export:write", org=ORG)
    load(s, key)
    rcv = Receiver()
    bodies = []

    def call(method, path, k=key, **kw):
        r = s.api(method, path, k, **kw)
        bodies.append(r.text)
        return r

    try:
        pg = {"type": "Postgres", "config": {"host": "127.0.0.1", "port": pg_cluster.port, "database": db,
                                             "user": "orgpulse", "password": PASSWORD}}
        bad_pg = {"type": "Postgres", "config": {"host": "127.0.0.1", "port": pg_cluster.port, "database": db,
                                                 "user": "orgpulse", "password": BAD_PASSWORD}}
        http = {"type": "HTTP", "config": {"url": rcv.url, "token": TOKEN}}
        ids = []
        for dest in (pg, bad_pg, http):
            r = call("POST", "/", json={"name": "n", "interval": "hour", "destination": dest})
            assert r.status_code == 201
            ids.append(r.json()["id"])
        # an update that sends the secret again, and one with a validation error echoing the config
        call("PATCH", f"/{ids[2]}/", json={"destination": {"config": {"token": TOKEN}}})
        call("PATCH", f"/{ids[0]}/", json={"destination": {"config": {"password": PASSWORD, "bogus": 1}}})
        s.clock(key, now="2026-03-02T11:00:30Z")
        for i in ids:
            call("GET", f"/{i}/")
            call("GET", f"/{i}/runs/")
            call("GET", f"/{i}/", k=org_key)
        call("GET", "/")
        r = s.request("GET", f"/api/organizations/{ORG}/batch_exports/?personal_api_key={key}")
        bodies.append(r.text)
        assert r.status_code == 200
        runs = json.loads(bodies[-1])["results"]
        assert {x["destination"]["type"] for x in runs} == {"Postgres", "HTTP"}
        statuses = [x["latest_runs"][0]["status"] for x in runs]
        assert sorted(statuses) == ["Completed", "Completed", "FailedRetryable"]
        failed = next(x["latest_runs"][0] for x in runs if x["latest_runs"][0]["status"] == "FailedRetryable")
        assert failed["latest_error"].startswith("Postgres: cannot connect")
        assert rcv.requests and rcv.requests[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"
    finally:
        rcv.close()
        assert s.stop() == 0
    log = s.log_path.read_text(errors="replace")
    assert "batch_exports" in log  # the access log was written
    for secret in (PASSWORD, BAD_PASSWORD, TOKEN, key, org_key):
        for b in bodies:
            assert secret not in b
        assert secret not in log
    for b in bodies:
        assert '"password"' not in b and '"token"' not in b
