-- wrk script: POST one JSON batch of keyed records per request (adapted from the shared anchors' post-batch.lua).
--   RECORDS       records per batch            (default 100)
--   VALUE_BYTES   length of each value payload (default 960 -> ~1 KB per record)
--   PATHS         optional comma-separated request paths (with query), taken in turn by each wrk thread;
--                 without it every request goes to the URL's path. bench/rf3-compare.sh uses it to send
--                 each partition's batches to that partition's leader.
-- Body shape: {"records":[{"key":"k1","value":{"n":1,"payload":"xxx..."}}, ...]}
-- records/s counts answered requests without an error status (wrk counts 4xx/5xx in errors.status).
-- Values are {"n":i,"payload":"x…"}: 19 bytes + digits of i + VALUE_BYTES.
local n = tonumber(os.getenv("RECORDS") or "100")
local vbytes = tonumber(os.getenv("VALUE_BYTES") or "960")
local payload = string.rep("x", vbytes)
local parts = {}
for i = 1, n do
  parts[#parts + 1] = string.format('{"key":"k%d","value":{"n":%d,"payload":"%s"}}', i, i, payload)
end
wrk.method = "POST"
wrk.body = '{"records":[' .. table.concat(parts, ",") .. ']}'
wrk.headers["Content-Type"] = "application/json"

local paths = {}
for p in string.gmatch(os.getenv("PATHS") or "", "[^,]+") do
  paths[#paths + 1] = p
end
if #paths > 0 then
  local requests = {}
  local next_index = 0
  -- built in init(): wrk adds the Host header to wrk.headers only after the script is loaded
  init = function(args)
    for i, p in ipairs(paths) do
      requests[i] = wrk.format(nil, p)
    end
  end
  request = function()
    next_index = next_index % #requests + 1
    return requests[next_index]
  end
end

local non2xx = 0
response = function(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if non2xx <= 2 then io.stderr:write("non-2xx status " .. status .. ": " .. string.sub(body or "", 1, 200) .. "\n") end
  end
end

done = function(summary, latency, requests)
  io.write(string.format("SUMMARY req=%d secs=%.2f records/s=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d\n",
    summary.requests, summary.duration / 1e6,
    (summary.requests - summary.errors.status) * n / (summary.duration / 1e6),
    latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
end
