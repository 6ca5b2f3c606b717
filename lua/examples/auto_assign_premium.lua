-- lua/examples/auto_assign_premium.lua: premium cases go straight to the
-- on-call agent (a case.creating filter that sets a field and assigns).
--
--   auto_assign_premium = { on_call = "agent@vendor.example", priority = "P1" }

portico.on("case.creating", function(case)
  if not case.premium then return end
  local cfg = portico.config or {}
  if cfg.on_call then
    case.assignee = cfg.on_call
  end
  if cfg.priority then
    case.priority = cfg.priority
  end
  portico.log("info", "premium case assigned to " .. tostring(cfg.on_call))
end)
