-- wrk script: 16 clients create bookings on random listings and dates, each request as a
-- random guest of many (a guest holds at most 3 pending requests); overlaps answer 409.
-- Stays of 1 to 7 nights, 30 to 330 days ahead: within the calendar rules of the listings
-- bench.capture picks. Counts every status so that the report shows 201s, 409s and (never) 5xx.
local ids = {__IDS__}
local tokens = {__TOKENS__}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  counts = {}
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

function request()
  local listing = ids[math.random(#ids)]
  local start = os.time() + (30 + math.random(0, 300)) * 86400
  local nights = math.random(1, 7)
  local body = string.format(
    '{"listing": %d, "check_in": "%s", "check_out": "%s", "guests": 1}',
    listing, os.date("!%Y-%m-%d", start), os.date("!%Y-%m-%d", start + nights * 86400))
  return wrk.format("POST", "/api/v1/bookings/", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)],
  }, body)
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("counts")) do
      totals[status] = (totals[status] or 0) + n
    end
  end
  for status, n in pairs(totals) do
    io.write(string.format("status %d: %d\n", status, n))
  end
end
