/*
 * api_users.h: the console's users over the admin API (issue 15), for
 * admins only (a bearer token or a console session of role admin; office
 * and viewer get 403), the same rules as fupinctl user (console_user.h):
 *   GET  /api/v1/users                  the users, by name, paged by key
 *   POST /api/v1/users                  {name, role, area?, password}
 *   POST /api/v1/users/{name}/password  {password}: its sessions end
 *   POST /api/v1/users/{name}/disable   its sessions end
 *   POST /api/v1/users/{name}/enable
 *   POST /api/v1/users/{name}/unlock    the lockout after 5 failures ends
 * An admin with an area manages the users inside it only.  Every change
 * is audited naming the admin ("user:<name>" or the token's name); a
 * password is never logged, stored or answered, only its Argon2id hash
 * stored.
 */
#ifndef FP_API_USERS_H
#define FP_API_USERS_H

struct gw;
struct http_req;
struct http_resp;

/* GET and POST /api/v1/users. */
void api_users(struct gw *gw, struct http_req *req, struct http_resp *resp);

/* POST /api/v1/users/{name}/{password,disable,enable,unlock}. */
void api_user_item(struct gw *gw, struct http_req *req,
    struct http_resp *resp);

#endif
