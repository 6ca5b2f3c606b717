-- tests/lua/misbehaving.lua: routes that fail in every way a script can.
-- The server must answer each with an error, log script:line, keep the
-- error for the admin, and go on serving.

portico.route("GET", "/bomb/loop", function(req)
  while true do end
end)

portico.route("GET", "/bomb/pcall-loop", function(req)
  -- the script's own pcall must not swallow the limit
  for i = 1, 100 do pcall(function() while true do end end) end
  return "escaped the limit"
end)

portico.route("GET", "/bomb/memory", function(req)
  local t = {}
  for i = 1, 1e9 do t[i] = string.rep("x", 1024) .. i end
end)

portico.route("GET", "/bomb/error", function(req)
  error("deliberate failure")
end)

portico.route("GET", "/bomb/escape", function(req)
  local found = {}
  for _, name in ipairs({ "io", "os", "debug", "require", "dofile", "loadfile", "package" }) do
    if _G[name] ~= nil then found[#found + 1] = name end
  end
  local ok = pcall(function() return load("\27Lua", "x", "b") end)
  local ok2, f = pcall(load, "return 1", "x", "t", {})
  return { json = { found = portico.array(found), bytecode = ok and "loaded" or "refused",
                    custom_env = ok2 and f ~= nil } }
end)

portico.on("page.render", function(page)
  if page.page_name == "core/home" and page.explode then error("never") end
end)
