/*
 * api_console.h: the read routes the console needs (SPEC 10), part of
 * the admin API: bearer token or console session, roles and area scope
 * as every /api/v1 route (api_common.h), every list paged by key
 * (api_page.h), numbers masked for viewers.
 *   GET /api/v1/overview          api_overview.c
 *   GET /api/v1/areas             api_overview.c
 *   GET /api/v1/tasks             api_tasks.c
 *   GET /api/v1/households/{id}   api_lookup.c
 *   GET /api/v1/messages?msisdn=  api_lookup.c
 *   GET /api/v1/templates         api_templates.c
 *   GET /api/v1/cadres            api_cadres.c
 *   GET /api/v1/console/settings  api_settings.c
 *   POST /api/v1/console/phone    api_phone.c (the menu in a sandbox)
 */
#ifndef FP_API_CONSOLE_H
#define FP_API_CONSOLE_H

struct gw;
struct http_req;
struct http_resp;

void api_overview(struct gw *gw, struct http_req *req, struct http_resp *resp);
void api_areas(struct gw *gw, struct http_req *req, struct http_resp *resp);
void api_tasks(struct gw *gw, struct http_req *req, struct http_resp *resp);
void api_household(struct gw *gw, struct http_req *req,
    struct http_resp *resp);
void api_messages_list(struct gw *gw, struct http_req *req,
    struct http_resp *resp);
void api_templates(struct gw *gw, struct http_req *req,
    struct http_resp *resp);

/*
 * What the console's forms need of the configuration (quiet hours,
 * programs, providers and whether each takes approved templates only,
 * languages, segment limit): any caller, every role.
 */
void api_console_settings(struct gw *gw, struct http_req *req,
    struct http_resp *resp);

/*
 * The texts page's phone: the USSD menu in a sandbox (console_phone.h)
 * as console.phone_msisdn; admin and office only, rate-limited per
 * session.
 */
void api_console_phone(struct gw *gw, struct http_req *req,
    struct http_resp *resp);

void api_cadres(struct gw *gw, struct http_req *req, struct http_resp *resp);

#endif
