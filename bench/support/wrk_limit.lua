-- Stop each wrk thread once it has read $WRK_LIMIT answers, so a run of N requests ends by
-- itself (requests still in flight on the thread's other connections are cut off).
local limit = tonumber(os.getenv("WRK_LIMIT") or "0")
local answered = 0
response = function(status, headers, body)
  answered = answered + 1
  if limit > 0 and answered >= limit then
    wrk.thread:stop()
  end
end
