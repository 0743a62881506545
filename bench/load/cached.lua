-- cached.lua: only cached Insights report pages (the target of bench/load: >= 50k requests/s on 2 cores).
local auth = "Bearer " .. os.getenv("KEY")
local pages = {}
for p = 0, 9 do
  table.insert(pages, "/api/backend/v1/user_report/champion?report_interval=30&page_size=10&page_number=" .. p)
  table.insert(pages, "/api/backend/v1/org_report/growth?report_interval=30&page_size=10&page_number=" .. p)
end
local n = 0
local errors = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function request()
  n = n + 1
  return wrk.format("GET", pages[(n % #pages) + 1], {["Authorization"] = auth})
end

function response(status, headers, body)
  if status ~= 200 then
    errors = errors + 1
  end
end

function done(summary, latency, requests)
  local e = 0
  for _, t in ipairs(threads) do
    e = e + (t:get("errors") or 0)
  end
  io.write(string.format("NON2XX %d\n", e))
  for _, p in ipairs({50, 90, 99, 99.9}) do
    io.write(string.format("P%s %.3f\n", p, latency:percentile(p) / 1000.0))
  end
  io.write(string.format("RPS %.1f\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("SOCKERR %d %d %d %d\n", summary.errors.connect, summary.errors.read, summary.errors.write,
                         summary.errors.timeout))
end
