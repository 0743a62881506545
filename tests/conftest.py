"""Shared harness for the black-box tests: real orgpulse processes on loopback ports, each on its own data
directory, driven over HTTP with requests and through the CLI with subprocess."""
import json
import os
import pathlib
import signal
import socket
import subprocess
import time

import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = os.environ.get("ORGPULSE_BIN", str(ROOT / "build" / "orgpulse"))
# A command every orgpulse process is run under (scripts/run-valgrind: valgrind memcheck), and how much longer to wait
# for one to start or stop.
WRAP = os.environ.get("ORGPULSE_WRAP", "").split()
SLOW = float(os.environ.get("ORGPULSE_TIMEOUT_SCALE", "1"))
# ORGPULSE_TEST_STORE=postgres runs every server and CLI command of the suite on PostgreSQL: each data directory gets
# its own fresh database in one throwaway cluster (tests/pgcluster.py); scripts/run-tests does a second pass so.
TEST_STORE = os.environ.get("ORGPULSE_TEST_STORE", "sqlite")
ON_POSTGRES = TEST_STORE == "postgres"
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="reads the SQLite database file itself")
_pg = None
_pg_stores = {}


def pg_session():
    """The session's PostgreSQL cluster, started on first use and stopped at the end of the run."""
    global _pg
    if _pg is None:
        from pgcluster import PgCluster
        _pg = PgCluster().start()
    return _pg


def store_env(data_dir):
    """The environment that points orgpulse at the store of `data_dir`: nothing on SQLite (the directory holds it),
    ORGPULSE_STORE = the directory's own database on PostgreSQL (created on first use, kept for restarts)."""
    if not ON_POSTGRES:
        return {}
    key = os.path.realpath(str(data_dir))
    if key not in _pg_stores:
        pg = pg_session()
        _pg_stores[key] = pg.dsn_for(pg.create_database("store"))
    return {"ORGPULSE_STORE": _pg_stores[key]}


def share_store(data_dir, other_dir):
    """On PostgreSQL, make `other_dir` use the store of `data_dir` (as a copy of the directory does on SQLite)."""
    if ON_POSTGRES:
        _pg_stores[os.path.realpath(str(other_dir))] = store_env(data_dir)["ORGPULSE_STORE"]


def store_query(data_dir, sql):
    """Rows of a SQL query on the store of `data_dir` (SQLite file or PostgreSQL database), as lists of strings."""
    if ON_POSTGRES:
        return pg_session().psql(sql, db=store_env(data_dir)["ORGPULSE_STORE"].rsplit("/", 1)[1])
    import sqlite3
    db = sqlite3.connect(f"{data_dir}/orgpulse.db")
    try:
        return [["" if v is None else str(v) for v in row] for row in db.execute(sql).fetchall()]
    finally:
        db.close()


def pytest_sessionfinish(session, exitstatus):
    global _pg
    if _pg is not None:
        _pg.stop()
        _pg = None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(*args, input=None, check=True, timeout=120):
    """Run `orgpulse ARGS...`; returns the CompletedProcess (text mode)."""
    args = [str(a) for a in args]
    env = None
    if "--data" in args[:-1]:
        env = dict(os.environ, **store_env(args[args.index("--data") + 1]))
    p = subprocess.run([*WRAP, BIN, *args], input=input, capture_output=True, text=True, timeout=timeout * SLOW,
                       env=env)
    if check and p.returncode != 0:
        raise AssertionError(f"orgpulse {' '.join(map(str, args))} exited {p.returncode}: {p.stderr}")
    return p


def create_key(data_dir, scopes="*", org=None, project=None, name=None):
    args = ["keys", "create", "--data", data_dir, "--scopes", scopes]
    if org:
        args += ["--org", org]
    if project:
        args += ["--project", project]
    if name:
        args += ["--name", name]
    out = run_cli(*args).stdout.strip().splitlines()
    return out[-1]


def ndjson(events):
    return "".join(json.dumps(e) + "\n" for e in events)


class Server:
    """One `orgpulse serve` process."""

    def __init__(self, data_dir, extra_args=(), env=None):
        self.data_dir = str(data_dir)
        self.extra_args = list(extra_args)
        self.env = dict(os.environ, **store_env(self.data_dir), **(env or {}))
        self.port = None
        self.proc = None
        self.log_path = pathlib.Path(self.data_dir + ".log")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=30):
        self.port = free_port()
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [*WRAP, BIN, "serve", "--data", self.data_dir, "--listen", f"127.0.0.1:{self.port}", *self.extra_args],
            stdout=self.log, stderr=self.log, env=self.env)
        deadline = time.time() + timeout * SLOW
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited {self.proc.returncode}: {self.log_text()}")
            try:
                if requests.get(self.url + "/healthz", timeout=1, headers={"Connection": "close"}).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise AssertionError("server did not start: " + self.log_text())

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Stop the process; returns its exit code."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout * SLOW)
        finally:
            self.log.close()
        self.proc = None
        return rc

    def kill(self):
        return self.stop(signal.SIGKILL)

    def key(self, scopes="*", org=None, project=None, name=None):
        return create_key(self.data_dir, scopes, org, project, name)

    def request(self, method, path, key=None, headers=None, **kw):
        h = dict(headers or {})
        if key:
            h["Authorization"] = f"Bearer {key}"
        kw.setdefault("timeout", 30)
        return requests.request(method, self.url + path, headers=h, **kw)

    def post_events(self, key, events, fmt="ndjson"):
        if fmt == "ndjson":
            return self.request("POST", "/v1/events", key, data=ndjson(events).encode(),
                                headers={"Content-Type": "application/x-ndjson"})
        body = events if fmt == "array" else events[0]
        return self.request("POST", "/v1/events", key, data=json.dumps(body).encode(),
                            headers={"Content-Type": "application/json"})


def started_env(env_class, tmp_path_factory, name):
    """For a module-scoped fixture: `yield from started_env(Env, tmp_path_factory, "name")` starts env_class's server
    on a new data directory, yields the env, and at the end requires the server to stop cleanly."""
    e = env_class(tmp_path_factory.mktemp(name) / "data").start()
    yield e
    rc = e.server.stop()
    assert rc == 0, f"server exited {rc}: {e.server.log_text()}"


@pytest.fixture
def data_dir(tmp_path):
    return str(tmp_path / "data")


@pytest.fixture
def server(data_dir):
    """A started server on an empty data directory; on teardown it must stop cleanly (exit 0, no leak reports)."""
    s = Server(data_dir).start()
    yield s
    if s.proc is not None:
        rc = s.stop()
        assert rc == 0, f"server exited {rc} on SIGTERM: {s.log_text()}"


@pytest.fixture
def admin(server):
    return server.key("*", name="test-admin")


@pytest.fixture(scope="session")
def pg_cluster():
    """One throwaway PostgreSQL cluster for the whole run (tests/pgcluster.py); tests call create_database()."""
    return pg_session()
