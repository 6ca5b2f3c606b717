-- lua/examples/maintenance_banner.lua: a banner on every page during a
-- maintenance window (portico.on with the page.render filter).
--
--   maintenance_banner = {
--     windows = {
--       { starts = "2026-12-01T22:00:00Z", ends = "2026-12-02T02:00:00Z",
--         message = "Planned maintenance tonight 22:00-02:00 UTC." },
--     },
--     always = false,   -- show the first window's message regardless of time (demos)
--   }
-- The theme's layout shows {{#banner}}{{banner.message}}{{/banner}}.

local function parse_utc(s)
  local y, mo, d, h, mi, se = tostring(s):match("^(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)Z$")
  if not y then return nil end
  -- days from civil (Howard Hinnant's algorithm), no os.time needed
  y, mo, d = tonumber(y), tonumber(mo), tonumber(d)
  if mo <= 2 then y = y - 1 end
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local mp = (mo + 9) % 12
  local doy = (153 * mp + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  local days = era * 146097 + doe - 719468
  return ((days * 24 + tonumber(h)) * 60 + tonumber(mi)) * 60 + tonumber(se)
end

portico.on("page.render", function(page)
  local cfg = portico.config or {}
  local windows = cfg.windows or {}
  local now = portico.now() // 1000
  for _, w in ipairs(windows) do
    local s, e = parse_utc(w.starts), parse_utc(w.ends)
    if cfg.always or (s and e and now >= s and now < e) then
      page.banner = { message = w.message or "Maintenance in progress.", kind = "warning" }
      return
    end
  end
end)
