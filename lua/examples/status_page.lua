-- lua/examples/status_page.lua: a custom /status page (portico.route,
-- portico.kv, portico.config, portico.now, portico.json).
--
-- Enable in config/portico.lua:
--   scripts = { "lua/examples/status_page.lua" }
--   status_page = { title = "Service status", components = { "Portal", "Support desk" } }
-- GET /status answers HTML; GET /status.json (or Accept: application/json)
-- answers JSON. Every view is counted in the script's key-value store.

local function components()
  local list = (portico.config and portico.config.components) or { "Portal" }
  local out = {}
  for i, name in ipairs(list) do
    out[i] = { name = name, state = "operational" }
  end
  return out
end

local function escape(s)
  return (tostring(s):gsub("[&<>\"']", {
    ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;",
  }))
end

local function count_view()
  local n = (portico.kv.get("views") or 0) + 1
  portico.kv.set("views", n)
  return n
end

portico.route("GET", "/status.json", function(req)
  return { status = 200, json = {
    status = "ok", components = portico.array(components()), views = count_view(),
    checked_at = portico.now(),
  } }
end)

portico.route("GET", "/status", function(req)
  local accept = req.headers["accept"] or ""
  if accept:find("application/json", 1, true) then
    return { status = 200, json = { status = "ok", components = portico.array(components()) } }
  end
  local title = (portico.config and portico.config.title) or "Service status"
  local rows = {}
  for _, c in ipairs(components()) do
    rows[#rows + 1] = "<li>" .. escape(c.name) .. ": " .. escape(c.state) .. "</li>"
  end
  local views = count_view()
  return {
    status = 200,
    headers = { ["Content-Type"] = "text/html; charset=utf-8" },
    body = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" ..
      escape(title) .. "</title></head><body><main><h1>" .. escape(title) ..
      "</h1><ul>" .. table.concat(rows) .. "</ul><p>Viewed " .. views ..
      " times.</p></main></body></html>",
  }
end)
