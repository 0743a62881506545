"""The dashboard's static files (src/http/static.c): `/` and `/static/{file}` from the web directory with their
content types, an ETag that revalidates to 304, and a 404 in the orgpulse shape for anything that is not a plain file
name inside it (`..`, encoded dots and slashes, NUL, hidden files, directories, symbolic links)."""
import http.client
import os

import pytest

from conftest import Server


@pytest.fixture
def web(tmp_path):
    d = tmp_path / "web"
    d.mkdir()
    (d / "index.html").write_text("<!doctype html><title>t</title>")
    (d / "app.js").write_text("export const x = 1;\n")
    (d / "style.css").write_text("body{}")
    (d / "chart.umd.min.js").write_text("var Chart;")
    (d / ".hidden").write_text("secret")
    (d / "sub").mkdir()
    (tmp_path / "outside.txt").write_text("outside")
    os.symlink(tmp_path / "outside.txt", d / "link.txt")
    return d


@pytest.fixture
def web_server(tmp_path, web):
    s = Server(tmp_path / "data", ["--web", str(web)]).start()
    yield s
    assert s.stop() == 0, s.log_text()


def raw_get(server, path, headers=None):
    """GET a path exactly as written (no client-side normalization of dots or escapes)."""
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    c.request("GET", path, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), body


def test_root_serves_index_html_without_a_key(web_server):
    status, headers, body = raw_get(web_server, "/")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert body == b"<!doctype html><title>t</title>"


@pytest.mark.parametrize("name,ctype", [("app.js", "text/javascript; charset=utf-8"),
                                        ("style.css", "text/css; charset=utf-8"),
                                        ("chart.umd.min.js", "text/javascript; charset=utf-8"),
                                        ("index.html", "text/html; charset=utf-8")])
def test_static_files_are_served_with_their_content_type(web_server, web, name, ctype):
    status, headers, body = raw_get(web_server, "/static/" + name)
    assert status == 200
    assert headers["content-type"] == ctype
    assert headers["x-content-type-options"] == "nosniff"
    assert body == (web / name).read_bytes()


def test_a_matching_if_none_match_answers_304_and_a_changed_file_a_new_etag(web_server, web):
    status, headers, _ = raw_get(web_server, "/static/app.js")
    etag = headers["etag"]
    assert headers["cache-control"] == "no-cache"
    status, headers304, body = raw_get(web_server, "/static/app.js", {"If-None-Match": etag})
    assert (status, body, headers304["etag"]) == (304, b"", etag)
    (web / "app.js").write_text("export const x = 22;\n")
    status, headers, body = raw_get(web_server, "/static/app.js", {"If-None-Match": etag})
    assert status == 200 and body == b"export const x = 22;\n" and headers["etag"] != etag


@pytest.mark.parametrize("path", [
    "/static/..", "/static/../outside.txt", "/static/%2e%2e", "/static/%2E%2E%2Foutside.txt", "/static/..%2foutside.txt",
    "/static/.hidden", "/static/app.js%00.png", "/static/%00", "/static/sub", "/static/link.txt", "/static/nope.js",
    "/static/", "/static/a%2fb", "/static/app.js/", "/index.html", "/static/" + "a" * 200 + ".js",
])
def test_names_that_are_not_plain_files_of_the_web_directory_are_404_in_the_orgpulse_shape(web_server, path):
    status, headers, body = raw_get(web_server, path)
    assert status == 404, (path, body)
    assert headers["content-type"] == "application/json"
    assert body.startswith(b'{"error":"not_found"'), body
    assert b"outside" not in body and b"secret" not in body


def test_a_missing_web_directory_answers_404_not_an_error(tmp_path):
    s = Server(tmp_path / "data", ["--web", str(tmp_path / "none")]).start()
    try:
        status, _, body = raw_get(s, "/")
        assert status == 404 and b"not_found" in body
    finally:
        assert s.stop() == 0


def test_by_default_the_web_directory_beside_the_binary_is_served(server):
    """make build (scripts/build-web) puts the dashboard in build/web beside build/orgpulse."""
    status, headers, body = raw_get(server, "/")
    assert status == 200, "the dashboard is missing beside the binary: run make build (scripts/build-web)"
    assert b'<script type="module" src="/static/app.js">' in body
    status, _, body = raw_get(server, "/static/chart.umd.min.js")
    assert status == 200 and b"Chart" in body


def test_other_methods_on_the_dashboard_paths_are_405_with_allow(web_server):
    r = web_server.request("POST", "/")
    assert r.status_code == 405 and r.headers["Allow"] == "GET"
