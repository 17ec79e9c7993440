-- A Lua filter whose errors unwind through setjmp/longjmp (Lua's
-- luaD_rawrunprotected), which the module implements with the legacy
-- exception encoding: each caught error is a `throw` caught by a `catch`.
local caught = 0

local function risky(n)
  if n % 3 == 0 then error("multiple of three: " .. n) end
  if n % 5 == 0 then error({ code = n }) end
  return n * 2
end

local function guarded(n)
  local ok, result = pcall(risky, n)
  if ok then return tostring(result) end
  caught = caught + 1
  if type(result) == "table" then return "table error " .. result.code end
  return "error: " .. result:gsub("^[^:]*:%d+: ", "")
end

function Str(el)
  -- A nested pcall: the inner error is caught inside the outer protected call.
  local ok, inner = pcall(function()
    local ok2, err = pcall(error, "inner " .. el.text)
    assert(not ok2)
    error("outer after " .. tostring(err))
  end)
  assert(not ok and inner:find("outer after inner"))
  caught = caught + 2
  -- An error inside a coroutine ends the coroutine, not the filter.
  local co = coroutine.create(function() coroutine.yield(1); error("in coroutine") end)
  assert(select(2, coroutine.resume(co)) == 1)
  local resumed, err = coroutine.resume(co)
  assert(not resumed and err:find("in coroutine"))
  caught = caught + 1
  return el
end

function Pandoc(doc)
  local lines = {}
  for n = 1, 15 do lines[#lines + 1] = n .. " -> " .. guarded(n) end
  doc.blocks:insert(pandoc.CodeBlock(table.concat(lines, "\n")))
  doc.blocks:insert(pandoc.Para("errors caught: " .. caught))
  return doc
end
