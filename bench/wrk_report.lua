-- wrk script for bench/run.py: counts answers by status and prints one JSON line at the end.
-- With BENCH_BODY set, every request is a JSON POST of that body in which "__ID__" becomes a
-- fresh 32-hex-digit id (BENCH_SALT, 16 hex digits, + thread number + counter), so no two
-- requests of a run, or of two runs against the same database, share a submission id.

local body_template = os.getenv("BENCH_BODY")
if body_template == "" then
  body_template = nil
end
local salt = os.getenv("BENCH_SALT") or "0000000000000000"
local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  counter = 0
end

if body_template then
  local headers = { ["Content-Type"] = "application/json" }
  local api_key = os.getenv("BENCH_API_KEY")
  if api_key and api_key ~= "" then
    headers["X-API-KEY"] = api_key
  end
  function request()
    counter = counter + 1
    local id = salt .. string.format("%08x%08x", thread_number, counter)
    local body = string.gsub(body_template, "__ID__", id)
    return wrk.format("POST", nil, headers, body)
  end
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      merged[status] = (merged[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(merged) do
    table.insert(parts, string.format('"%s":%d', status, count))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%f,"statuses":{%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, table.concat(parts, ",")))
end
