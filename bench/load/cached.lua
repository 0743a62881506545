-- cached.lua: only cached Insights report pages (the target of bench/load: >= 50k requests/s on 2 cores).
dofile("bench/load/report.lua") -- setup, response, done
local auth = "Bearer " .. os.getenv("KEY")
local pages = {}
for p = 0, 9 do
  table.insert(pages, "/api/backend/v1/user_report/champion?report_interval=30&page_size=10&page_number=" .. p)
  table.insert(pages, "/api/backend/v1/org_report/growth?report_interval=30&page_size=10&page_number=" .. p)
end
local n = 0

function request()
  n = n + 1
  return wrk.format("GET", pages[(n % #pages) + 1], {["Authorization"] = auth})
end

