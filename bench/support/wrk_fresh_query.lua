-- GET the URL's path with `&fresh=<thread>-<counter>` added, so no two requests share a
-- query string and no page kept by its key can answer (the subsite keeps pages by path and
-- raw query string); then wrk_report.lua's done() line.
local counter = 0
local thread_id = 0
setup = function(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end
request = function()
  counter = counter + 1
  local sep = string.find(wrk.path, "?", 1, true) and "&" or "?"
  local path = wrk.path .. sep .. "fresh=" .. tostring(tid) .. "-" .. tostring(counter)
  return wrk.format("GET", path)
end
