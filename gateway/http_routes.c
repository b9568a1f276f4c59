/*
 * http_routes.c: every path the gateway answers, in one table (SPEC
 * section 3).  A path not here is 404; a method not listed for it, 405.
 */
#include <stddef.h>

#include "health.h"
#include "http_server.h"
#include "metrics.h"

const struct http_route http_routes[] = {
	{ "/healthz", false, HTTP_GET, "/healthz", health_handle },
	{ "/metrics", false, HTTP_GET, "/metrics", metrics_handle },
	{ NULL, false, 0, NULL, NULL },
};
