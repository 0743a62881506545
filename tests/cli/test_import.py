"""`orgpulse import`: offline into a data directory and online through a running server, with the same per-line
errors as POST /v1/events, atomic batches, idempotent re-runs, stdin."""
import json

import pytest

from conftest import ON_POSTGRES, Server, create_key, ndjson, run_cli


def events(n, prefix="u"):
    return [{"type": "activity", "user_id": f"{prefix}{i}", "id": f"{prefix}-e{i}", "timestamp": "2026-04-01T10:00:00Z"}
            for i in range(n)]


def stats(data_dir):
    s = Server(data_dir).start()
    key = s.key("users:read")
    st = s.request("GET", "/v1/stats?day=2026-04-01", key).json()
    assert s.stop() == 0
    return st


def test_offline_import_stores_everything_and_reports_counts(tmp_path):
    f = tmp_path / "in.ndjson"
    f.write_text(ndjson(events(2500)))
    p = run_cli("import", "--data", tmp_path / "d", "--batch", "1000", f)
    assert "2500 events stored, 0 duplicates" in p.stderr
    st = stats(str(tmp_path / "d"))
    assert st["events"] == 2500 and st["active_users"] == 2500


def test_reimporting_the_same_file_stores_nothing_twice(tmp_path):
    f = tmp_path / "in.ndjson"
    f.write_text(ndjson(events(1200)))
    run_cli("import", "--data", tmp_path / "d", "--batch", "500", f)
    p = run_cli("import", "--data", tmp_path / "d", "--batch", "700", f)
    assert "0 events stored, 1200 duplicates" in p.stderr
    assert stats(str(tmp_path / "d"))["events"] == 1200


def test_import_reads_stdin_and_a_last_line_without_newline(tmp_path):
    body = ndjson(events(3)).rstrip("\n")
    p = run_cli("import", "--data", tmp_path / "d", "-", input=body)
    assert "3 events stored" in p.stderr
    assert "\r" not in p.stderr  # no progress bar when stderr is not a terminal


def test_a_bad_line_stops_the_import_with_its_line_number_and_keeps_earlier_batches(tmp_path):
    lines = [json.dumps(e) for e in events(10)]
    lines[7] = '{"type":"activity","user_id":"x","timestamp":"nope"}'
    lines.insert(3, "")
    f = tmp_path / "in.ndjson"
    f.write_text("\n".join(lines) + "\n")
    p = run_cli("import", "--data", tmp_path / "d", "--batch", "4", f, check=False)
    assert p.returncode == 1
    # the blank line moved the bad one to physical line 9 (index 8); batches are 4 lines
    assert "line 9 (index 8): timestamp: not an RFC 3339 date-time or Unix seconds" in p.stderr
    assert "import stopped" in p.stderr
    st = stats(str(tmp_path / "d"))
    assert st["events"] == 7  # lines 1-8 (two batches, one blank line) are stored; the bad batch is not


@pytest.mark.skipif(ON_POSTGRES, reason="a PostgreSQL store takes imports beside running nodes (test_multinode.py)")
def test_offline_import_refuses_a_data_directory_a_server_is_using(tmp_path):
    s = Server(str(tmp_path / "d")).start()
    f = tmp_path / "in.ndjson"
    f.write_text(ndjson(events(1)))
    p = run_cli("import", "--data", tmp_path / "d", f, check=False)
    assert p.returncode == 1 and "in use" in p.stderr
    assert s.stop() == 0


def test_online_import_sends_batches_to_a_running_server(tmp_path):
    s = Server(str(tmp_path / "d")).start()
    key = s.key("events:write,users:read")
    f = tmp_path / "in.ndjson"
    f.write_text(ndjson(events(1100)))
    p = run_cli("import", "--url", s.url, "--key", key, "--batch", "300", f)
    assert "1100 events stored, 0 duplicates" in p.stderr
    p = run_cli("import", "--url", s.url + "/", "--key", key, f)
    assert "0 events stored, 1100 duplicates" in p.stderr
    assert s.request("GET", "/v1/stats", key).json()["events"] == 1100
    assert s.stop() == 0


def test_online_import_reports_bad_lines_with_file_line_numbers(tmp_path):
    s = Server(str(tmp_path / "d")).start()
    key = s.key("events:write,users:read")
    lines = [json.dumps(e) for e in events(6)]
    lines[4] = '{"type":"nope"}'
    f = tmp_path / "in.ndjson"
    f.write_text("\n".join(lines) + "\n")
    p = run_cli("import", "--url", s.url, "--key", key, "--batch", "2", f, check=False)
    assert p.returncode == 1
    assert "line 5 (index 4): type: unknown event type" in p.stderr
    assert s.request("GET", "/v1/stats", key).json()["events"] == 4
    assert s.stop() == 0


def test_online_import_with_a_bad_key_fails_clearly(tmp_path):
    s = Server(str(tmp_path / "d")).start()
    f = tmp_path / "in.ndjson"
    f.write_text(ndjson(events(2)))
    p = run_cli("import", "--url", s.url, "--key", "op_bad", f, check=False)
    assert p.returncode == 1 and "401" in p.stderr
    assert s.stop() == 0


def test_import_usage_errors_exit_2(tmp_path):
    assert run_cli("import", check=False).returncode == 2
    assert run_cli("import", "--data", tmp_path / "d", "--url", "http://x", "-", check=False).returncode == 2
    assert run_cli("import", "--data", tmp_path / "d", "--batch", "0", "-", check=False).returncode == 2
