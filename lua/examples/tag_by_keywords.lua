-- lua/examples/tag_by_keywords.lua: tag new cases by words in their subject
-- and description (a case.creating filter that adds tags).
--
--   tag_by_keywords = { rules = { license = "licensing", crash = "defect", slow = "performance" } }

portico.on("case.creating", function(case)
  local rules = (portico.config and portico.config.rules) or {
    license = "licensing", crash = "defect", slow = "performance",
  }
  local text = ((case.subject or "") .. " " .. (case.description or "")):lower()
  local tags = case.tags or portico.array({})
  local have = {}
  for _, t in ipairs(tags) do have[t] = true end
  for word, tag in pairs(rules) do
    if text:find(word, 1, true) and not have[tag] then
      tags[#tags + 1] = tag
      have[tag] = true
    end
  end
  case.tags = tags
end)
