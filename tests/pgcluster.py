"""A throwaway PostgreSQL cluster for tests: initdb in a temporary directory, started as the `postgres` user (PostgreSQL
refuses to run as root) on a free loopback port with password authentication, stopped and removed at the end.

    with PgCluster() as pg:
        pg.dsn            # postgresql://orgpulse:orgpulse@127.0.0.1:PORT/orgpulse
        pg.psql("SELECT 1")

The session fixture `pg_cluster` in conftest.py shares one cluster between the tests that ask for it; each test that
needs a clean database calls pg.create_database()."""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid

USER = "orgpulse"
PASSWORD = "orgpulse-test-secret"


def _bindir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found (scripts/install-deps installs `postgresql`)")
    return os.path.dirname(found[-1])


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    def __init__(self, fsync=False):
        self.fsync = fsync  # benchmarks want real durability (bench/postgres); tests do not need it
        self.bindir = _bindir()
        self.dir = None
        self.port = None
        self.as_postgres = os.geteuid() == 0

    def _run(self, *args, check=True, input=None):
        cmd = list(args)
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        return subprocess.run(cmd, check=check, capture_output=True, text=True, input=input, timeout=120)

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="orgpulse-pg-")
        if self.as_postgres:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        os.chmod(self.dir, 0o700)
        data = os.path.join(self.dir, "data")
        pwfile = os.path.join(self.dir, "pw")
        with open(pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        if self.as_postgres:
            os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
        self._run(os.path.join(self.bindir, "initdb"), "-D", data, "-U", USER, "--pwfile", pwfile,
                  "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync")
        self.port = _free_port()
        opts = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync={'on' if self.fsync else 'off'} "
                "-c synchronous_commit=on -c max_connections=200 -c shared_buffers=64MB")
        self._run(os.path.join(self.bindir, "pg_ctl"), "-D", data, "-l", os.path.join(self.dir, "log"),
                  "-o", opts, "-w", "-t", "60", "start")
        self.psql("CREATE DATABASE orgpulse", db="postgres")
        return self

    def stop(self):
        if self.dir:
            self._run(os.path.join(self.bindir, "pg_ctl"), "-D", os.path.join(self.dir, "data"), "-m", "immediate",
                      "-w", "stop", check=False)
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def restart(self):
        """Stop the server (fast: clients are disconnected) and start it again on the same port and data."""
        data = os.path.join(self.dir, "data")
        cmd = [os.path.join(self.bindir, "pg_ctl"), "-D", data, "-l", os.path.join(self.dir, "log"), "-m", "fast",
               "-w", "-t", "60", "restart"]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        # the new server must not inherit a pipe of ours (run() would wait for it to close)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def dsn_for(self, db):
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{db}"

    @property
    def dsn(self):
        return self.dsn_for("orgpulse")

    def create_database(self, prefix="t"):
        """A new empty database; returns its name."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        self.psql(f'CREATE DATABASE "{name}"', db="postgres")
        return name

    def psql(self, sql, db="orgpulse"):
        """Runs SQL through the local socket; returns the rows as lists of strings (tab-separated, unaligned)."""
        p = self._run(os.path.join(self.bindir, "psql"), "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                      "-h", self.dir, "-p", str(self.port), "-U", USER, "-d", db, input=sql)
        return [line.split("\t") for line in p.stdout.splitlines() if line != ""]
