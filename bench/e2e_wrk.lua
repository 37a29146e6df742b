-- wrk script for bench/e2e.py: replays pre-signed Twilio webhooks, each exactly once.
--   wrk -t2 -c16 -d15s -s bench/e2e_wrk.lua http://127.0.0.1:PORT -- PREFIX
-- Thread t (0-based) reads PREFIX.t: one request a line, "<X-Twilio-Signature>\t<form body>".
-- Sending a webhook twice would be a Twilio retry (deduplicated, replied once), not a new message,
-- so a thread that runs out stops instead of starting over, and done() says so (exhausted=1).
-- done() prints one "RESULT ..." line in the RapidSMS peer's format (its wrk/reg.lua) for e2e.py.

local threads, nthreads = {}, 0
function setup(thread)
  thread:set("tid", nthreads)
  nthreads = nthreads + 1
  table.insert(threads, thread)
end

function init(args)
  local lines = {}
  for line in io.lines(args[1] .. "." .. tid) do
    local tab = line:find("\t", 1, true)
    lines[#lines + 1] = {line:sub(1, tab - 1), line:sub(tab + 1)}
  end
  requests, sent, exhausted = lines, 0, 0
end

function request()
  sent = sent + 1
  local entry = requests[sent]
  if entry == nil then
    -- Out of fresh requests: stop this thread; the harmless GET answers whatever is still asked.
    sent, exhausted = #requests, 1
    wrk.thread:stop()
    return wrk.format("GET", "/healthz")
  end
  return wrk.format("POST", "/sms", {["Content-Type"] = "application/x-www-form-urlencoded",
                                     ["X-Twilio-Signature"] = entry[1]}, entry[2])
end

function done(summary, latency, requests)
  -- wrk calls request() once on the first thread to check the script before the run: that
  -- request (line 1 of PREFIX.0) was never sent, as in the peer's reg.lua.
  local sent_total, exhausted_any, by_thread = -1, 0, {}
  for _, t in ipairs(threads) do
    sent_total = sent_total + t:get("sent")
    exhausted_any = math.max(exhausted_any, t:get("exhausted"))
    table.insert(by_thread, tostring(t:get("sent")))
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT rps=%.1f p50_ms=%.2f p99_ms=%.2f completed=%d sent=%d non2xx=%d sock_errors=%d exhausted=%d" ..
    " sent_by_thread=%s,\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, sent_total, e.status,
    e.connect + e.read + e.write + e.timeout, exhausted_any, table.concat(by_thread, ",")))
end
