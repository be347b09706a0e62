-- wrk script: counts responses per x-worker-id and prints each worker's share and p50/p95/p99.
counts = {}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) counts = {} end
function response(status, headers, body)
  local id = headers["x-worker-id"] or "none"
  counts[id] = (counts[id] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    for k, v in pairs(c) do total[k] = (total[k] or 0) + v end
  end
  local all = 0
  for _, v in pairs(total) do all = all + v end
  for k, v in pairs(total) do io.write(string.format("share %s %d %.2f%%\n", k, v, 100 * v / all)) end
  io.write(string.format("p50 %.2fms p95 %.2fms p99 %.2fms rps %.0f\n",
    latency:percentile(50)/1000, latency:percentile(95)/1000, latency:percentile(99)/1000, summary.requests / (summary.duration / 1e6)))
end
