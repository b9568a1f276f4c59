/*
 * http_routes.c: every path the gateway answers, in one table (SPEC
 * section 3).  A path not here is 404; a method not listed for it, 405.
 */
#include <stddef.h>

#include "api_broadcast.h"
#include "api_console.h"
#include "api_sms.h"
#include "api_users.h"
#include "console_http.h"
#include "dlr_cloud.h"
#include "dlr_http.h"
#include "health.h"
#include "http_server.h"
#include "http_routes.h"
#include "metrics_http.h"
#include "sendsms.h"
#include "sms_inbound.h"
#include "ussd_http.h"

const struct http_route http_routes[] = {
	{ "/healthz", false, HTTP_GET, "/healthz", health_handle, false },
	{ "/metrics", false, HTTP_GET, "/metrics", metrics_http_handle, false },
	{ "/sms/kannel", false, HTTP_GET | HTTP_POST, "/sms/kannel",
	  sms_inbound_kannel, true },
	{ "/sms/inbound", false, HTTP_POST, "/sms/inbound",
	  sms_inbound_generic, true },
	{ "/dlr/kannel", false, HTTP_GET | HTTP_POST, "/dlr/kannel",
	  dlr_handle_kannel, false },
	{ "/dlr", false, HTTP_POST, "/dlr", dlr_handle_generic, false },
	{ "/dlr/aliyun", false, HTTP_POST, "/dlr/aliyun", dlr_handle_aliyun,
	  false },
	{ "/dlr/tencent", false, HTTP_POST, "/dlr/tencent", dlr_handle_tencent,
	  false },
	{ "/cgi-bin/sendsms", false, HTTP_GET | HTTP_POST, "/cgi-bin/sendsms",
	  sendsms_handle, true },
	{ "/ussd", false, HTTP_POST, "/ussd", ussd_http_handle, true },
	{ "/api/v1/sms", false, HTTP_POST, "/api/v1/sms", api_sms_send, false },
	{ "/api/v1/messages/", true, HTTP_GET, "/api/v1/messages/{id}",
	  api_messages_get, false },
	{ "/api/v1/broadcasts", false, HTTP_GET | HTTP_POST,
	  "/api/v1/broadcasts", api_broadcasts, false },
	{ "/api/v1/broadcasts/", true, HTTP_GET | HTTP_POST,
	  "/api/v1/broadcasts/{id}", api_broadcast_item, false },
	{ "/api/v1/alerts", false, HTTP_POST, "/api/v1/alerts", api_alerts,
	  false },
	{ "/api/v1/feedback", false, HTTP_GET, "/api/v1/feedback",
	  api_feedback, false },
	{ "/api/v1/feedback/", true, HTTP_GET | HTTP_POST,
	  "/api/v1/feedback/{ticket}", api_feedback_item, false },
	{ "/api/v1/overview", false, HTTP_GET, "/api/v1/overview",
	  api_overview, false },
	{ "/api/v1/areas", false, HTTP_GET, "/api/v1/areas", api_areas, false },
	{ "/api/v1/tasks", false, HTTP_GET, "/api/v1/tasks", api_tasks, false },
	{ "/api/v1/cadres", false, HTTP_GET, "/api/v1/cadres", api_cadres,
	  false },
	{ "/api/v1/households/", true, HTTP_GET, "/api/v1/households/{id}",
	  api_household, false },
	{ "/api/v1/messages", false, HTTP_GET, "/api/v1/messages",
	  api_messages_list, false },
	{ "/api/v1/templates", false, HTTP_GET, "/api/v1/templates",
	  api_templates, false },
	{ "/api/v1/console/settings", false, HTTP_GET,
	  "/api/v1/console/settings", api_console_settings, false },
	{ "/api/v1/console/phone", false, HTTP_POST, "/api/v1/console/phone",
	  api_console_phone, false },
	{ "/api/v1/users", false, HTTP_GET | HTTP_POST, "/api/v1/users",
	  api_users, false },
	{ "/api/v1/users/", true, HTTP_POST,
	  "/api/v1/users/{name}/{action}", api_user_item, false },
	{ "/api/v1/session", false, HTTP_GET, "/api/v1/session",
	  console_http_session, false },
	{ "/console/login", false, HTTP_POST, "/console/login",
	  console_http_login, false },
	{ "/console/logout", false, HTTP_POST, "/console/logout",
	  console_http_logout, false },
	{ "/console", false, HTTP_GET, "/console", console_http_static, false },
	{ "/console/", true, HTTP_GET, "/console/{file}", console_http_static,
	  false },
	{ NULL, false, 0, NULL, NULL, false },
};
