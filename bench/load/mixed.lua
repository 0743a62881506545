-- mixed.lua: the request mix of bench/load. Each wrk thread cycles through a fixed list of requests: cached Insights
-- report pages and charts, usage, users v2 and stats reads, and one small event batch per 20 requests (writes: activity
-- and usage of 200 users per thread, each event with its own idempotency id).
-- Every response that is not 2xx counts as an error (reported in done()).
dofile("bench/load/report.lua") -- setup, response, done
local key = os.getenv("KEY")
local org = os.getenv("ORG") or ""
local auth = "Bearer " .. key
local reads = {
  "/api/backend/v1/user_report/champion?report_interval=30&page_size=10&page_number=0",
  "/api/backend/v1/user_report/churn?report_interval=7&page_size=10&page_number=1",
  "/api/backend/v1/org_report/growth?report_interval=30&page_size=10&page_number=0",
  "/api/backend/v1/org_report/churn?report_interval=7&page_size=10&page_number=0",
  "/api/backend/v1/user_report/top_inviter?report_interval=90&page_size=10&page_number=0",
  "/api/backend/v1/chart_metrics/active_users?cadence=Weekly",
  "/api/backend/v1/chart_metrics/signups?cadence=Daily",
  "/api/v1/organization/usage?organizationId=" .. org .. "&from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z&granularity=weekly",
  "/api/v2/users?limit=50",
  "/v1/stats",
}
local n = 0
local counter = 0

function init(args)
  n = 0
end

function request()
  n = n + 1
  if n % 20 == 0 then
    counter = counter + 1
    -- activity and usage of a pool of 200 users per thread (new users only at the start, as in a running product)
    local uid = string.format("load-user-%d-%d", thread_id, counter % 200)
    local eid = string.format("load-%d-%d", thread_id, counter)
    local body = '{"type":"activity","user_id":"' .. uid .. '","id":"' .. eid .. '"}\n' ..
                 '{"type":"usage","user_id":"' .. uid .. '","feature":"chat","metrics":{"interactions":1}}\n'
    return wrk.format("POST", "/v1/events", {["Authorization"] = auth, ["Content-Type"] = "application/x-ndjson"}, body)
  end
  return wrk.format("GET", reads[(n % #reads) + 1], {["Authorization"] = auth})
end

