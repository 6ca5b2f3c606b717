/*
 * tests/plugins/missing_dep - requires a plugin that is never listed.
 */
#include <portico/plugin.h>

static int init(pt_host *h)
{
    (void)h;
    return 0;
}

static const char *const requires[] = {"does_not_exist", NULL};

const pt_plugin portico_plugin = {
    PT_PLUGIN_HEADER,
    .name = "missing_dep",
    .version = "0.0.1",
    .requires = requires,
    .init = init,
};
