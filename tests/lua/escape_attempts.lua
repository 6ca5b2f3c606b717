-- tests/lua/escape_attempts.lua - ways out of the sandbox, one function
-- each (used by tests/unit/lua/test_sandbox.c). Each returns "blocked"
-- when the attempt failed, or a word saying what leaked.

local function gone(v) return v == nil end

function try_io() return gone(io) and gone(_G.io) and "blocked" or "io" end
function try_os() return gone(os) and gone(_ENV.os) and "blocked" or "os" end
function try_debug() return gone(debug) and "blocked" or "debug" end
function try_package() return gone(package) and gone(require) and "blocked" or "package" end
function try_files() return gone(dofile) and gone(loadfile) and "blocked" or "files" end
function try_misc()
  return gone(collectgarbage) and gone(print) and gone(coroutine) and "blocked" or "misc"
end

function try_dump()
  if string.dump ~= nil then return "string.dump" end
  if ("").dump ~= nil then return "real string.dump" end
  return "blocked"
end

-- A precompiled chunk cannot be made here (no string.dump): craft one.
function try_bytecode()
  local bc = "\27Lua\84\0\25\147\13\10\26\10\4\8\8\120\86\0\0\0\0\0\0\0\0\0\0\0\40\119\64"
  local f = load(bc)
  if f then return "bytecode loaded" end
  local ok = pcall(load, bc, "x", "b")
  if ok then return "mode b accepted" end
  ok = pcall(load, bc, "x", "bt")
  if ok then return "mode bt accepted" end
  return "blocked"
end

-- load with a custom environment: refused; the default env is ours.
function try_load_env()
  local ok = pcall(load, "return io", "x", "t", {io = "fake"})
  if ok then return "custom env accepted" end
  local f = load("return os, _ENV == ...")
  local o, same = f(_ENV)
  if o ~= nil then return "os via load" end
  if not same then return "load got another env" end
  return "blocked"
end

function try_string_metatable()
  local mt = getmetatable("")
  if type(mt) == "table" then return "string metatable" end
  local ok, v = pcall(function() return getmetatable("").__index end)
  if ok and type(v) == "table" then return "string table" end
  if pcall(setmetatable, "", {}) then return "setmetatable on string" end
  if mt ~= nil and pcall(setmetatable, mt, {}) then return "setmetatable on locked" end
  return "blocked"
end

function try_string_copy()
  string.upper = nil          -- our copy only
  string.rep = function() return "hijacked" end
  if ("x"):upper() ~= "X" then return "real string table changed" end
  if ("x"):rep(2) ~= "xx" then return "method hijacked" end
  return "blocked"
end

function try_portico_write()
  if pcall(function() portico.on = 1 end) then return "assignment" end
  if pcall(rawset, portico, "on", 1) then return "rawset" end
  if pcall(rawset, portico.json, "encode", 1) then return "rawset nested" end
  if pcall(function() portico.kv.get = nil end) then return "nested assignment" end
  if pcall(setmetatable, portico, nil) then return "setmetatable" end
  if getmetatable(portico) ~= "protected" then return "metatable visible" end
  if rawget(portico, "on") ~= nil then return "rawget" end
  local _, state = pairs(portico)
  if state ~= portico then return "pairs exposed the real table" end
  if type(portico.on) ~= "function" then return "portico damaged" end
  return "blocked"
end

function try_G()
  if _G ~= _ENV then return "_G is not _ENV" end
  for _, k in ipairs({"io", "os", "debug", "require", "package", "dofile", "loadfile"}) do
    if _G[k] ~= nil or _ENV[k] ~= nil then return k end
  end
  -- a fresh _ENV built from _G sees nothing more
  local f = load("local _ENV = setmetatable({}, {__index = _G}); return io, os")
  if f() ~= nil then return "io via _ENV" end
  return "blocked"
end

function try_gc()
  if pcall(setmetatable, {}, {__gc = function() end}) then return "__gc accepted" end
  return "blocked"
end

function try_unlock_array()
  local a = portico.array()
  if getmetatable(a) ~= "portico.array" then return "array metatable visible" end
  if pcall(setmetatable, a, {}) then return "array metatable changed" end
  return "blocked"
end
