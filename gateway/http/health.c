/*
 * health.c: GET /healthz (see health.h).
 */
#include <stdio.h>
#include <time.h>

#include "gateway.h"
#include "health.h"
#include "http_server.h"
#include "migrate.h"

void
health_handle(struct gw *gw, struct http_req *req, struct http_resp *resp)
{
	struct store *st;
	char body[256];
	int version = -1, n;

	(void)req;
	if (gw_store(gw, &st) != FP_OK ||
	    migrate_version(st, &version) != FP_OK) {
		http_resp_error(resp, 503, "database_unavailable",
		    "the database does not answer");
		return;
	}
	n = snprintf(body, sizeof(body), "{\"status\":\"ok\",\"node\":\"%s\","
	    "\"version\":\"%s\",\"schema_version\":%d,\"uptime_s\":%lld}",
	    gw->cfg->node_id, FP_VERSION, version,
	    (long long)(time(NULL) - gw->started_at));
	if (n < 0 || (size_t)n >= sizeof(body)) {
		http_resp_error(resp, 500, "internal", "status too long");
		return;
	}
	http_resp_set(resp, 200, "application/json", body, (size_t)n);
}
