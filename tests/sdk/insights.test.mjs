// The official PropelAuth Node SDK (@propelauth/node-apis, pinned in package.json) against a live orgpulse.
//
// Run by tests/sdk/test_propelauth_node_sdk.py, which starts the server, loads the events and writes the
// expectations it worked out by hand. Environment:
//   ORGPULSE_URL           base URL of the running server (http://127.0.0.1:PORT)
//   ORGPULSE_KEY           a key with scope insights:read
//   ORGPULSE_WRITE_KEY     a key without insights:read (events:write), for the 403 case
//   ORGPULSE_EXPECTATIONS  path of the expectations JSON (rows and chart values in the SDK's camelCase shape)
//
// The SDK calls the global fetch with https://propelauth-api.com/api/backend/v1/... and an X-Propelauth-url header
// (dist/index.mjs, httpRequest). The fetch below sends the same method, path, query, headers and body to ORGPULSE_URL
// instead, checks what the SDK sent, and records every exchange so the tests can look at the wire as well.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, test } from "node:test";

import {
  AttritionReportInterval,
  ChartMetric,
  ChartMetricCadence,
  ChurnReportInterval,
  getApis,
} from "@propelauth/node-apis";

const BASE = process.env.ORGPULSE_URL;
const KEY = process.env.ORGPULSE_KEY;
const WRITE_KEY = process.env.ORGPULSE_WRITE_KEY;
const EXPECT_PATH = process.env.ORGPULSE_EXPECTATIONS;
if (!BASE || !KEY || !EXPECT_PATH) {
  throw new Error("set ORGPULSE_URL, ORGPULSE_KEY and ORGPULSE_EXPECTATIONS (tests/sdk/test_propelauth_node_sdk.py does)");
}
const E = JSON.parse(readFileSync(EXPECT_PATH, "utf8"));

const AUTH_URL = "https://auth.example.com";
const SDK_HOST = "propelauth-api.com";

// ---- the fetch redirect ----

const realFetch = globalThis.fetch;
const exchanges = [];

globalThis.fetch = async (input, init = {}) => {
  const raw = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  const origin = "https://" + SDK_HOST;
  assert.ok(raw.startsWith(origin + "/api/backend/v1/"), `the SDK called ${raw}`);
  const headers = new Headers(init.headers);
  assert.equal(headers.get("x-propelauth-url"), new URL(AUTH_URL).hostname);
  assert.match(headers.get("authorization") ?? "", /^Bearer .+/);
  const rest = raw.slice(origin.length); // path and query, byte for byte
  const q = rest.indexOf("?");
  const response = await realFetch(BASE.replace(/\/$/, "") + rest, { ...init, headers });
  const body = await response.clone().text();
  exchanges.push({
    method: init.method ?? "GET", path: q < 0 ? rest : rest.slice(0, q), query: q < 0 ? "" : rest.slice(q),
    status: response.status, body,
  });
  return response;
};

/** Runs `fn` and returns [its result or thrown error, the exchanges it caused]. */
async function traced(fn) {
  const start = exchanges.length;
  let outcome;
  try {
    outcome = { value: await fn() };
  } catch (err) {
    outcome = { error: err };
  }
  return [outcome, exchanges.slice(start)];
}

const sdk = getApis(new URL(AUTH_URL), KEY);

// ---- helpers ----

const SDK_USER_REPORT = {
  top_inviter: "fetchUserTopInviterReport",
  champion: "fetchUserChampionReport",
  reengagement: "fetchUserReengagementReport",
  churn: "fetchUserChurnReport",
};
const SDK_ORG_REPORT = {
  reengagement: "fetchOrgReengagementReport",
  churn: "fetchOrgChurnReport",
  growth: "fetchOrgGrowthReport",
  attrition: "fetchOrgAttritionReport",
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A report row without the snapshot's identifiers (checked separately). */
function strip(row) {
  const { id, reportId, ...rest } = row;
  return rest;
}

/** Checks a report page: envelope, snapshot identifiers, rows. Returns the page. */
function checkPage(page, { rowsKey, rows, total, pageSize, pageNumber }) {
  const got = page[rowsKey];
  assert.ok(Array.isArray(got), `${rowsKey} is not a list: ${JSON.stringify(page)}`);
  assert.equal(page.currentPage, pageNumber);
  assert.equal(page.pageSize, pageSize);
  assert.equal(page.totalCount, total);
  assert.equal(page.hasMoreResults, (pageNumber + 1) * pageSize < total);
  assert.ok(Number.isInteger(page.reportTime), `reportTime ${page.reportTime}`);
  assert.ok(page.reportTime >= E.clock && page.reportTime < E.clock + 3600,
    `reportTime ${page.reportTime} is not the server's now (${E.clock} + a little)`);
  assert.deepEqual(got.map(strip), rows);
  for (const r of got) {
    assert.match(r.id, UUID);
    assert.match(r.reportId, UUID);
    assert.equal(r.reportId, got[0].reportId, "rows of one page share their report_id");
  }
  assert.equal(new Set(got.map((r) => r.id)).size, got.length, "row ids are distinct");
  const allowed = rowsKey === "userReports"
    ? ["id", "reportId", "userId", "email", "userCreatedAt", "lastActiveAt", "username", "firstName", "lastName", "orgData", "extraProperties"]
    : ["id", "reportId", "orgId", "name", "numUsers", "orgCreatedAt", "extraProperties"];
  for (const r of got) assert.deepEqual(Object.keys(r).sort(), [...allowed].sort());
  return page;
}

function reportTests(kind, table, rowsKey, methods) {
  for (const [type, spec] of Object.entries(table)) {
    const method = methods[type];
    describe(`${method} (${kind} report ${type})`, () => {
      test(`exists in the SDK as ${method}`, () => assert.equal(typeof sdk[method], "function"));
      for (const [interval, rows] of Object.entries(spec.intervals)) {
        test(`returns the hand-worked rows for report_interval ${interval} with the default paging`, async () => {
          const [out, wire] = await traced(() => sdk[method](interval));
          if (out.error) throw out.error;
          assert.equal(wire.length, 1);
          assert.equal(wire[0].path, `/api/backend/v1/${kind}_report/${type}`);
          assert.equal(new URLSearchParams(wire[0].query).get("report_interval"), interval);
          checkPage(out.value, { rowsKey, rows, total: rows.length, pageSize: 10, pageNumber: 0 });
        });
      }
      test(`uses report_interval ${spec.default} when the SDK sends none`, async () => {
        const [out, wire] = await traced(() => sdk[method]());
        if (out.error) throw out.error;
        assert.equal(wire[0].query, "?", "the SDK sends an empty query string");
        const rows = spec.intervals[spec.default];
        checkPage(out.value, { rowsKey, rows, total: rows.length, pageSize: 10, pageNumber: 0 });
        const explicit = await sdk[method](spec.default);
        assert.deepEqual(explicit[rowsKey].map((r) => [r.id, r.reportId]), out.value[rowsKey].map((r) => [r.id, r.reportId]),
          "the default interval reads the same snapshot as the explicit one");
        assert.equal(out.value.reportTime, explicit.reportTime);
      });
    });
  }
}

/** Reads every page of a report with a small page size and checks it against the whole report. */
async function pageThrough(method, interval, rowsKey, rows, pageSize) {
  const whole = await sdk[method](interval, { pageSize: 1000, pageNumber: 0 });
  checkPage(whole, { rowsKey, rows, total: rows.length, pageSize: 1000, pageNumber: 0 });
  const pages = Math.ceil(rows.length / pageSize);
  const seen = [];
  for (let n = 0; n <= pages; n++) { // one past the last page: empty, no more results
    const page = await sdk[method](interval, { pageSize, pageNumber: n });
    checkPage(page, { rowsKey, rows: rows.slice(n * pageSize, (n + 1) * pageSize), total: rows.length, pageSize, pageNumber: n });
    assert.equal(page.reportTime, whole.reportTime, "every page comes from the same snapshot");
    for (const r of page[rowsKey]) {
      assert.equal(r.reportId, whole[rowsKey][0].reportId, "every page comes from the same snapshot");
      seen.push(r);
    }
  }
  assert.deepEqual(seen.map((r) => r.id), whole[rowsKey].map((r) => r.id), "row ids are stable within the snapshot");
  return seen;
}

// ---- signup query parameters ----

describe("fetchUserSignupQueryParams", () => {
  for (const { userId, expected } of E.signupQueryParams) {
    const what = expected === null ? "returns null for a user the server answers 404 for"
      : Object.keys(expected.userSignupQueryParameters).length ? "returns the parameters the user signed up with, keys untouched"
        : "returns an empty object for a user who signed up without parameters";
    test(`${what} (${userId})`, async () => {
      const [out, wire] = await traced(() => sdk.fetchUserSignupQueryParams(userId));
      if (out.error) throw out.error;
      assert.deepEqual(out.value, expected);
      assert.equal(wire.length, 1);
      assert.equal(wire[0].path, `/api/backend/v1/user/${userId}/signup_query_parameters`);
      assert.equal(wire[0].status, expected === null ? 404 : 200);
    });
  }
  test("returns null without asking the server when the user id is not UUID-shaped", async () => {
    const [out, wire] = await traced(() => sdk.fetchUserSignupQueryParams("not-a-uuid"));
    assert.equal(out.value, null);
    assert.equal(wire.length, 0);
  });
});

// ---- reports ----

reportTests("user", E.userReports, "userReports", SDK_USER_REPORT);
reportTests("org", E.orgReports, "orgReports", SDK_ORG_REPORT);

describe("report paging through the SDK's { pageSize, pageNumber }", () => {
  test("pages the 30-day champion report two rows at a time from one snapshot", async () => {
    const rows = E.userReports.champion.intervals["30"];
    assert.ok(rows.length > 2, "the data set has more champions than one page");
    await pageThrough("fetchUserChampionReport", "30", "userReports", rows, 2);
  });
  test("pages the 7-day user churn report two rows at a time, the last page short", async () => {
    const rows = E.userReports.churn.intervals["7"];
    assert.equal(rows.length % 2, 1);
    await pageThrough("fetchUserChurnReport", ChurnReportInterval.SEVEN_DAYS, "userReports", rows, 2);
  });
  test("pages the 30-day org attrition report one row at a time", async () => {
    const rows = E.orgReports.attrition.intervals["30"];
    await pageThrough("fetchOrgAttritionReport", AttritionReportInterval.THIRTY_DAYS, "orgReports", rows, 1);
  });
  test("sends page_size and page_number as the SDK's query parameters", async () => {
    const [out, wire] = await traced(() => sdk.fetchOrgGrowthReport("60", { pageSize: 1, pageNumber: 1 }));
    if (out.error) throw out.error;
    const q = new URLSearchParams(wire[0].query);
    assert.deepEqual([q.get("report_interval"), q.get("page_size"), q.get("page_number")], ["60", "1", "1"]);
    const rows = E.orgReports.growth.intervals["60"];
    checkPage(out.value, { rowsKey: "orgReports", rows: rows.slice(1, 2), total: rows.length, pageSize: 1, pageNumber: 1 });
  });
  test("answers an empty page past the end of a report", async () => {
    const rows = E.userReports.top_inviter.intervals["90"];
    const page = await sdk.fetchUserTopInviterReport("90", { pageSize: 10, pageNumber: 5 });
    checkPage(page, { rowsKey: "userReports", rows: [], total: rows.length, pageSize: 10, pageNumber: 5 });
  });
});

// ---- charts ----

describe("fetchChartMetricData", () => {
  for (const [metric, byCadence] of Object.entries(E.charts)) {
    for (const [cadence, c] of Object.entries(byCadence)) {
      test(`returns the hand-worked ${cadence} ${metric} from ${c.startDate} to ${c.endDate}`, async () => {
        const [out, wire] = await traced(() => sdk.fetchChartMetricData(metric, cadence,
          new Date(`${c.startDate}T00:00:00Z`), new Date(`${c.endDate}T00:00:00Z`)));
        if (out.error) throw out.error;
        assert.equal(wire[0].path, `/api/backend/v1/chart_metrics/${metric}`);
        const q = new URLSearchParams(wire[0].query);
        assert.deepEqual([q.get("cadence"), q.get("start_date"), q.get("end_date")], [cadence, c.startDate, c.endDate]);
        assert.deepEqual(out.value, c.expected);
      });
    }
  }
  test("covers every metric and cadence the SDK defines", () => {
    assert.deepEqual(Object.keys(E.charts).sort(), Object.values(ChartMetric).sort());
    for (const byCadence of Object.values(E.charts)) {
      assert.deepEqual(Object.keys(byCadence).sort(), Object.values(ChartMetricCadence).sort());
    }
  });
  for (const metric of Object.values(ChartMetric)) {
    test(`defaults ${metric} to the last 30 days up to today when the SDK sends no dates`, async () => {
      const [out, wire] = await traced(() => sdk.fetchChartMetricData(metric, ChartMetricCadence.DAILY));
      if (out.error) throw out.error;
      assert.equal(wire[0].query, "?cadence=Daily");
      const m = out.value.metrics;
      assert.equal(out.value.chartType, E.charts[metric].Daily.expected.chartType);
      assert.equal(out.value.cadence, "Daily");
      assert.equal(m.length, 31);
      const today = new Date(`${E.today}T00:00:00Z`);
      assert.equal(m[0].date, new Date(today.getTime() - 30 * 86400000).toISOString().slice(0, 10));
      assert.equal(m[30].date, E.today);
      assert.equal(m[30].cadenceCompleted, false);
      assert.ok(m.slice(0, 30).every((p) => p.cadenceCompleted === true));
      // the days it shares with the hand-worked Daily range agree with it
      for (const p of E.charts[metric].Daily.expected.metrics) {
        assert.deepEqual(m.find((x) => x.date === p.date), p);
      }
    });
  }
});

// ---- errors as the SDK parses them ----

function assertFieldErrors(body, field) {
  const parsed = JSON.parse(body);
  assert.ok(Array.isArray(parsed[field]) && parsed[field].length > 0 && parsed[field].every((s) => typeof s === "string"),
    `400 body is not {"${field}": ["..."]}: ${body}`);
}

describe("errors", () => {
  const bad = getApis(new URL(AUTH_URL), "not-a-key-orgpulse-ever-issued");

  test("an invalid report interval passed through is a 400 that the SDK turns into its user report error", async () => {
    const [out, wire] = await traced(() => sdk.fetchUserChurnReport("90"));
    assert.equal(out.error?.message, "Unknown error when fetching the user report");
    assert.equal(wire[0].status, 400);
    assertFieldErrors(wire[0].body, "report_interval");
  });
  test("an interval of another report kind is a 400 that the SDK turns into its org report error", async () => {
    const [out, wire] = await traced(() => sdk.fetchOrgGrowthReport("Weekly"));
    assert.equal(out.error?.message, "Unknown error when fetching the org report");
    assert.equal(wire[0].status, 400);
    assertFieldErrors(wire[0].body, "report_interval");
  });
  test("a page size of zero is a 400 naming page_size", async () => {
    const [out, wire] = await traced(() => sdk.fetchUserChampionReport("30", { pageSize: 0 }));
    assert.equal(out.error?.message, "Unknown error when fetching the user report");
    assert.equal(wire[0].status, 400);
    assertFieldErrors(wire[0].body, "page_size");
  });
  test("a negative page number is a 400 naming page_number", async () => {
    const [out, wire] = await traced(() => sdk.fetchOrgChurnReport("7", { pageNumber: -1 }));
    assert.equal(out.error?.message, "Unknown error when fetching the org report");
    assert.equal(wire[0].status, 400);
    assertFieldErrors(wire[0].body, "page_number");
  });
  test("an unknown cadence is a 400 that the SDK turns into its chart error", async () => {
    const [out, wire] = await traced(() => sdk.fetchChartMetricData(ChartMetric.SIGNUPS, "Yearly"));
    assert.equal(out.error?.message, "Unknown error when fetching the chart metric data");
    assert.equal(wire[0].status, 400);
    assertFieldErrors(wire[0].body, "cadence");
  });
  test("a start date after the end date is a 400 naming start_date", async () => {
    const [out, wire] = await traced(() => sdk.fetchChartMetricData(ChartMetric.ACTIVE_USERS, ChartMetricCadence.WEEKLY,
      new Date("2026-06-10T00:00:00Z"), new Date("2026-06-01T00:00:00Z")));
    assert.equal(out.error?.message, "Unknown error when fetching the chart metric data");
    assert.equal(wire[0].status, 400);
    assertFieldErrors(wire[0].body, "start_date");
  });
  test("a key the server does not know is a 401 that the SDK reports as an incorrect integration API key", async () => {
    const calls = [
      () => bad.fetchUserTopInviterReport(),
      () => bad.fetchOrgAttritionReport(),
      () => bad.fetchChartMetricData(ChartMetric.ACTIVE_ORGS, ChartMetricCadence.MONTHLY),
      () => bad.fetchUserSignupQueryParams(E.signupQueryParams[0].userId),
    ];
    for (const call of calls) {
      const [out, wire] = await traced(call);
      assert.equal(out.error?.message, "integrationApiKey is incorrect");
      assert.equal(wire[0].status, 401);
    }
  });
  test("a key without insights:read is refused with 403, which the SDK reports as an error", { skip: !WRITE_KEY }, async () => {
    const writer = getApis(new URL(AUTH_URL), WRITE_KEY);
    const [out, wire] = await traced(() => writer.fetchUserChampionReport());
    assert.equal(out.error?.message, "Unknown error when fetching the user report");
    assert.equal(wire[0].status, 403);
  });
  test("an unknown user is a 404 for which the SDK returns null", async () => {
    const unknown = E.signupQueryParams.find((s) => s.expected === null).userId;
    const [out, wire] = await traced(() => sdk.fetchUserSignupQueryParams(unknown));
    assert.equal(out.error, undefined);
    assert.equal(out.value, null);
    assert.equal(wire[0].status, 404);
  });
});

before(() => assert.ok(realFetch, "Node's global fetch (Node 18+) is needed"));
