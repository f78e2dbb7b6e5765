-- wrk script for bench_api.py: replays prepared requests (one per line: method, path, token, key,
-- body; tab-separated), each thread taking every n-th line once (then stopping), and prints a JSON summary at the end.
-- Idempotency keys get the request's line number appended, so no two requests share a key.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  requests_path = args[1]
  lines = {}
  for line in io.lines(requests_path) do
    lines[#lines + 1] = line
  end
  nthreads = tonumber(args[2])
  counter = tid
end

function request()
  if counter >= #lines then
    -- every prepared request was sent once: stop rather than reuse an account or a key
    wrk.thread:stop()
    return wrk.format("GET", "/health")
  end
  local line = lines[counter + 1]
  local method, path, token, key, body = line:match("^(%S+)\t(%S+)\t(%S+)\t(%S+)\t(.*)$")
  counter = counter + nthreads
  local headers = {
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = key .. "-" .. counter,
    ["Content-Type"] = "application/json",
  }
  return wrk.format(method, path, headers, body)
end

-- Each thread keeps its first few refusals (status and the start of the problem's body), so a
-- run that counts a non-2xx answer says which it was.
refusals = ""
refused = 0

function response(status, headers, body)
  if status >= 300 and refused < 5 then
    refused = refused + 1
    local text = (body or ""):sub(1, 160):gsub('[%c"\\]', " ")
    refusals = refusals .. string.format('%s{"status": %d, "body": "%s"}', refusals == "" and "" or ", ", status, text)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local seen = {}
  for _, thread in ipairs(threads) do
    local found = thread:get("refusals")
    if found ~= nil and found ~= "" then
      seen[#seen + 1] = found
    end
  end
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "refusals": [%s]}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, table.concat(seen, ", ")))
end
