-- lua/examples/json_echo.lua: a small JSON endpoint (portico.route with a
-- JSON body, portico.json.encode/decode, portico.null).

portico.route("POST", "/api/v1/echo", function(req)
  local body = req.json
  if body == nil then
    return { status = 400, json = { error = { status = 400, message = "Send a JSON body." } } }
  end
  local text = portico.json.encode(body)
  return { status = 200, json = { received = portico.json.decode(text), bytes = #text,
                                  nothing = portico.null } }
end)
