"""The web dashboard in a real browser: runs tests/web/dashboard.test.mjs (playwright-core driving Debian's chromium)
against a server loaded with a demo data set (`orgpulse demo`, ending today, so the dashboard's default ranges have
data). Screenshots are written beside the binary, in <build>/web-artifacts/, and the path is printed.

Run once per `make check`: the Makefile's sanitizer pass sets ORGPULSE_SKIP_BROWSER=1 (the server code behind the
dashboard is exercised under ASan by tests/api/test_static.py and the family suites; a second browser pass would add
about as much time as the first for no new coverage of the server)."""
import os
import pathlib
import shutil
import subprocess

import pytest

from conftest import BIN, ROOT, Server, run_cli

WEB_TESTS = ROOT / "tests" / "web"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def test_the_dashboard_shows_every_page_with_real_data_in_chromium(tmp_path, capsys):
    if os.environ.get("ORGPULSE_SKIP_BROWSER") == "1":
        pytest.skip("browser tests run once per make check, on the plain build (ORGPULSE_SKIP_BROWSER=1)")
    node = shutil.which("node")
    assert node, "node is not installed: run scripts/install-deps"
    assert os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is missing: run scripts/install-deps (Debian's chromium)"
    assert (WEB_TESTS / "node_modules" / "playwright-core" / "package.json").is_file(), \
        "playwright-core is not installed in tests/web/node_modules: run scripts/install-deps"

    data = tmp_path / "data"
    demo = run_cli("demo", "--users", "400", "--orgs", "15", "--days", "120", "--seed", "8").stdout
    run_cli("import", "--data", data, "-", input=demo)
    artifacts = pathlib.Path(BIN).resolve().parent / "web-artifacts"
    shutil.rmtree(artifacts, ignore_errors=True)
    artifacts.mkdir(parents=True)
    # report snapshots serve their pages for 10 minutes: the page and the test read the same snapshot on a slow machine
    server = Server(data, ["--quiet", "--report-max-age", "600"]).start()
    try:
        key = server.key("*", name="dashboard-tests")
        insights_key = server.key("insights:read", name="dashboard-insights-only")
        usage_key = server.key("usage:read", name="dashboard-usage-only")
        env = dict(os.environ, ORGPULSE_URL=server.url, ORGPULSE_KEY=key, ORGPULSE_INSIGHTS_KEY=insights_key,
                   ORGPULSE_USAGE_KEY=usage_key,
                   ORGPULSE_ARTIFACTS=str(artifacts),
                   CHROMIUM=CHROMIUM, NODE_NO_WARNINGS="1")
        p = subprocess.run([node, "--test", "--test-reporter=spec", "--test-concurrency=1",
                            str(WEB_TESTS / "dashboard.test.mjs")], cwd=WEB_TESTS, env=env, capture_output=True,
                           text=True, timeout=900)
        (artifacts / "node-test-output.txt").write_text(p.stdout + p.stderr)
        with capsys.disabled():
            skipped = [line.strip() for line in p.stdout.splitlines() if "# SKIP" in line or "﹣" in line]
            print(f"\n  dashboard browser tests: screenshots and output in {artifacts}")
            for line in skipped:
                print(f"  skipped: {line}")
        assert p.returncode == 0, f"node --test failed ({p.returncode}):\n{p.stdout[-12000:]}\n{p.stderr[-4000:]}"
        assert "ℹ fail 0" in p.stdout or "# fail 0" in p.stdout, p.stdout
        assert len(list(artifacts.glob("*.png"))) >= 12
    finally:
        rc = server.stop()
    assert rc == 0, f"server exited {rc} on SIGTERM: {server.log_text()}"
