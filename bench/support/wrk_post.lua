-- POST the body in $WRK_BODY with a fresh Idempotency-Key per request (thread id, counter)
-- and the headers in $WRK_AUTH; then wrk_report.lua's done() line.
local counter = 0
local thread_id = 0
local threads = {}
setup = function(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
  table.insert(threads, thread)
end
local file = io.open(os.getenv("WRK_BODY"), "rb")
local body = file:read("*a")
file:close()
local auth = os.getenv("WRK_AUTH") or ""
local run = os.getenv("WRK_RUN") or "r"
request = function()
  counter = counter + 1
  local headers = {["Content-Type"] = "application/json",
                   ["Idempotency-Key"] = run .. "-" .. tostring(tid) .. "-" .. tostring(counter)}
  if auth ~= "" then headers["Authorization"] = auth end
  return wrk.format("POST", nil, headers, body)
end
