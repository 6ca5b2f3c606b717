-- lua/examples/hello_shout.lua: a filter on the hello example plugin's
-- "hello.greeting" event: greetings to names ending in "!" are upper-cased,
-- and every greeting is counted in the key-value store (portico.kv).

portico.on("hello.greeting", function(g)
  if type(g.name) == "string" and g.name:sub(-1) == "!" then
    g.name = g.name:upper()
  end
  portico.kv.set("count", (portico.kv.get("count") or 0) + 1)
end)

portico.route("GET", "/api/v1/hello-stats", function(req)
  return { json = { greetings_seen = portico.kv.get("count") or 0 } }
end)
