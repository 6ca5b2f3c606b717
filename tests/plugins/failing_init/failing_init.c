/*
 * tests/plugins/failing_init - registers a route and a permission, then
 * fails. The loader must roll both back and go on without it.
 */
#include <portico/plugin.h>

static int page(pt_req *req)
{
    pt_resp_html(req, 200, "should not be reachable", 23);
    return 0;
}

static int init(pt_host *h)
{
    pt_host_route(h, &(pt_route){.method = "GET", .pattern = "/failing", .handler = page});
    pt_host_permission(h, ":view", "Failing", NULL);
    pt_host_nav(h, &(pt_nav){.label = "Failing", .href = "/failing"});
    pt_host_fail(h, "the database it needs is not configured");
    return PT_ERR;
}

const pt_plugin portico_plugin = {
    PT_PLUGIN_HEADER,
    .name = "failing_init",
    .version = "0.0.1",
    .init = init,
};
