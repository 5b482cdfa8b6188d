-- One wrk script for every benchmark phase. BENCH_MODE picks the request; BENCH_LINES names a file of
-- "token card_id bill_id window_id" lines (one synthetic citizen each). Write phases use each line once
-- and stop the thread when its share of lines runs out.
local mode = os.getenv("BENCH_MODE") or "hello"
local lines_path = os.getenv("BENCH_LINES")
local schedule_path = os.getenv("BENCH_SCHEDULE") or "/api/v1/departments/H01D01/schedule"
local sandbox = os.getenv("BENCH_SANDBOX") or "bench"
local limit = tonumber(os.getenv("BENCH_LIMIT") or "0")
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local rows = {}
local pos = 0
local sent = 0

function init(args)
  if lines_path then
    local n = 0
    for line in io.lines(lines_path) do
      if n % nthreads == id then
        local token, card, bill, window = line:match("(%S+) (%S+) (%S+) (%S+)")
        table.insert(rows, {token = token, card = card, bill = bill, window = window})
      end
      n = n + 1
    end
  end
end

local function next_row()
  pos = pos + 1
  return rows[pos]
end

local function headers(token)
  local h = {["X-Sandbox-Id"] = sandbox, ["Content-Type"] = "application/json"}
  if token then h["Authorization"] = "Bearer " .. token end
  return h
end

local function book(row)
  local h = headers(row.token)
  h["Idempotency-Key"] = "bk-" .. row.card
  return wrk.format("POST", "/api/v1/appointments", h, '{"window_id":"' .. row.window .. '"}')
end

local function pay(row)
  local h = headers(row.token)
  h["Idempotency-Key"] = "pm-" .. row.card
  return wrk.format("POST", "/api/v1/payments", h, '{"bill_id":"' .. row.bill .. '","pin":"258369"}')
end

local function card(row)
  return wrk.format("GET", "/api/v1/cards/" .. row.card, headers(row.token))
end

local function schedule()
  return wrk.format("GET", schedule_path, headers(nil))
end

function request()
  sent = sent + 1
  if limit > 0 and sent > limit then
    wrk.thread:stop()
  end
  if mode == "hello" then
    return wrk.format("GET", "/healthz")
  elseif mode == "schedule" then
    return schedule()
  elseif mode == "card" then
    return card(rows[(sent % #rows) + 1])
  elseif mode == "book" or mode == "pay" then
    local row = next_row()
    if row == nil then
      wrk.thread:stop()
      return wrk.format("GET", "/healthz")
    end
    if mode == "book" then return book(row) else return pay(row) end
  elseif mode == "mixed" then
    -- the province's mix, roughly: card shows and look-ups dominate, then payments and bookings
    local k = sent % 10
    if k < 3 then
      return card(rows[(sent % #rows) + 1])
    elseif k < 6 then
      return schedule()
    elseif k < 8 then
      local row = next_row()
      if row == nil then wrk.thread:stop(); return wrk.format("GET", "/healthz") end
      return book(row)
    else
      local row = rows[pos]
      if row == nil or row.paid then
        row = next_row()
        if row == nil then wrk.thread:stop(); return wrk.format("GET", "/healthz") end
      end
      row.paid = true
      return pay(row)
    end
  end
end

function done(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "status_errors": %d, "socket_errors": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
