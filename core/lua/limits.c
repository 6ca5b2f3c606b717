/*
 * core/lua/limits.c - the allocator budget and the instruction / time
 * budget of a lua_State (scripts and the config file).
 *
 * The allocator refuses any growth past lim->max, so Lua raises "not
 * enough memory" (after an emergency collection). Shrinking and freeing
 * never fail, as Lua requires.
 *
 * The count hook runs every STEP instructions; it adds STEP to the count
 * and compares the count and the monotonic clock with the budgets. When
 * one is exceeded it re-arms itself with a count of 1 and raises; from
 * then on every instruction raises again, so a pcall inside the script
 * only delays the unwinding by one instruction (Redis does the same in
 * script_lua.c). pt_lua__arm resets everything for the next entry.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lua/internal.h"
#include "portico/log.h"

#define STEP 1000

static void *lim_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    pt_lua_lim *lim = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        lim->used -= old;
        return NULL;
    }
    if (nsize > old && lim->used - old + nsize > lim->max) return NULL;
    void *p = realloc(ptr, nsize);
    if (!p) return NULL;
    lim->used = lim->used - old + nsize;
    return p;
}

static int panic(lua_State *L)
{
    const char *m = lua_tostring(L, -1);
    pt_log(PT_LOG_ERROR, "lua: unprotected error: %s", m ? m : "?");
    abort();
    return 0;
}

lua_State *pt_lua__newstate(pt_lua_lim *lim)
{
    lim->used = 0;
    lua_State *L = lua_newstate(lim_alloc, lim);
    if (!L) return NULL;
    lua_atpanic(L, panic);
    /* Warnings (errors in finalizers, none are allowed anyway) stay off. */
    lua_setwarnf(L, NULL, NULL);
    return L;
}

static void limit_error(lua_State *L, pt_lua_lim *lim)
{
    lua_Debug ar;
    const char *what = lim->what ? lim->what : "script";
    const char *which = lim->tripped == 2 ? "time" : "instruction";
    /* lua_pushfstring + lua_error, not luaL_error: the position must be
     * the running function's (level 0 in a hook), not its caller's. */
    if (lua_getstack(L, 0, &ar) && lua_getinfo(L, "Sl", &ar) && ar.currentline > 0)
        lua_pushfstring(L, "%s:%d: %s exceeded its %s limit", ar.short_src, ar.currentline,
                        what, which);
    else
        lua_pushfstring(L, "%s exceeded its %s limit", what, which);
    lua_error(L);
}

static void hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    void *ud;
    lua_getallocf(L, &ud);
    pt_lua_lim *lim = ud;
    if (lim->tripped) limit_error(L, lim);
    lim->count += STEP;
    if (lim->count > lim->max_count)
        lim->tripped = 1;
    else if (pt_now_us() > lim->deadline_us)
        lim->tripped = 2;
    if (lim->tripped) {
        lua_sethook(L, hook, LUA_MASKCOUNT, 1);
        limit_error(L, lim);
    }
}

void pt_lua__arm(lua_State *L)
{
    void *ud;
    lua_getallocf(L, &ud);
    pt_lua_lim *lim = ud;
    lim->count = 0;
    lim->tripped = 0;
    lim->deadline_us = pt_now_us() + (uint64_t)lim->time_ms * 1000;
    lua_sethook(L, hook, LUA_MASKCOUNT, STEP);
}

void pt_lua__disarm(lua_State *L)
{
    lua_sethook(L, NULL, 0, 0);
}
