/*
 * tests/plugins/bad_abi - a plugin built for a different ABI major. The
 * loader must refuse it before running any of its code: init aborts.
 */
#include <stdlib.h>

#include <portico/plugin.h>

static int init(pt_host *h)
{
    (void)h;
    abort(); /* must never run */
}

const pt_plugin portico_plugin = {
    .abi_major = PT_PLUGIN_ABI_MAJOR + 2,
    .abi_minor = 0,
    .size = sizeof(pt_plugin),
    .name = "bad_abi",
    .version = "0.0.1",
    .init = init,
};
