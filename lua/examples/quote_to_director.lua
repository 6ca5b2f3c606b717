-- lua/examples/quote_to_director.lua: route large quote requests to a
-- sales director (quote.requested action, portico.mail, portico.log).
--
--   quote_to_director = { threshold = 100000, director = "director@vendor.example" }

portico.on("quote.requested", function(q)
  local cfg = portico.config or {}
  local threshold = cfg.threshold or 100000
  if (q.total or 0) >= threshold and cfg.director then
    portico.mail{ to = cfg.director, template = "quotes/large_quote", data = q }
    portico.log("info", "large quote " .. tostring(q.id) .. " sent to the director")
  end
end)
