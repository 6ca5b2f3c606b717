-- tests/lua/bombs.lua - scripts that try to exhaust CPU, memory or the
-- stack (used by tests/unit/lua/test_sandbox.c). None may hang or crash
-- the process; the state must stay usable afterwards.

function fine() return 42 end

function spin() while true do end end

-- The script's own pcall must not swallow the limit.
function spin_pcall()
  while true do
    pcall(function() while true do end end)
  end
end

function spin_xpcall()
  local n = 0
  while true do
    xpcall(function() while true do end end, function(e) n = n + 1; return e end)
  end
end

function mem_rep() return #string.rep("x", 1e9) end

function mem_table()
  local t = {}
  local i = 0
  while true do
    i = i + 1
    t[i] = string.rep("y", 1000) .. i
  end
end

-- Memory errors caught by the script itself are fine.
function mem_caught()
  local ok, e = pcall(string.rep, "x", 1e9)
  return (not ok) and e or "allocated"
end

local function down(n) return 1 + down(n + 1) end
function recurse() return down(1) end

function boom() error("boom") end

-- The limit error names the line that was running, once.
function spin_nested() local x = spin() return x end
