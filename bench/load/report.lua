-- report.lua: what bench/load's scripts share (loaded with dofile from the repository root): counting the answers
-- that are not 2xx per thread, and the summary lines bench/load/run prints.
threads = {}
errors = 0

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
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
