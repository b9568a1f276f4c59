/*
 * http_routes.c: every path the gateway answers, in one table (SPEC
 * section 3).  A path not here is 404; a method not listed for it, 405.
 */
#include <stddef.h>

#include "api_broadcast.h"
#include "api_sms.h"

#include "dlr.h"
#include "health.h"
#include "http_server.h"
#include "metrics.h"
#include "sendsms.h"
#include "sms_inbound.h"
#include "ussd_http.h"

const struct http_route http_routes[] = {
	{ "/healthz", false, HTTP_GET, "/healthz", health_handle },
	{ "/metrics", false, HTTP_GET, "/metrics", metrics_handle },
	{ "/sms/kannel", false, HTTP_GET | HTTP_POST, "/sms/kannel",
	  sms_inbound_kannel },
	{ "/sms/inbound", false, HTTP_POST, "/sms/inbound",
	  sms_inbound_generic },
	{ "/dlr/kannel", false, HTTP_GET | HTTP_POST, "/dlr/kannel",
	  dlr_handle_kannel },
	{ "/dlr", false, HTTP_POST, "/dlr", dlr_handle_generic },
	{ "/cgi-bin/sendsms", false, HTTP_GET | HTTP_POST, "/cgi-bin/sendsms",
	  sendsms_handle },
	{ "/ussd", false, HTTP_POST, "/ussd", ussd_http_handle },
	{ "/api/v1/sms", false, HTTP_POST, "/api/v1/sms", api_sms_send },
	{ "/api/v1/messages/", true, HTTP_GET, "/api/v1/messages/{id}",
	  api_messages_get },
	{ "/api/v1/broadcasts", false, HTTP_GET | HTTP_POST,
	  "/api/v1/broadcasts", api_broadcasts },
	{ "/api/v1/broadcasts/", true, HTTP_GET | HTTP_POST,
	  "/api/v1/broadcasts/{id}", api_broadcast_item },
	{ "/api/v1/alerts", false, HTTP_POST, "/api/v1/alerts", api_alerts },
	{ "/api/v1/feedback", false, HTTP_GET, "/api/v1/feedback",
	  api_feedback },
	{ "/api/v1/feedback/", true, HTTP_POST,
	  "/api/v1/feedback/{ticket}/close", api_feedback_item },
	{ NULL, false, 0, NULL, NULL },
};
