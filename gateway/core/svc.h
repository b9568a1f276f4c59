/*
 * svc.h: what the service code of every channel (SMS commands, USSD and
 * SMS menus, broadcasts, alerts, the bridge's commands) shares: the
 * running gateway's read-only context, who is calling, a text in the
 * caller's language, an event.
 */
#ifndef FP_SVC_H
#define FP_SVC_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "err.h"
#include "msisdn.h"
#include "outbox.h"
#include "sha256.h"
#include "store.h"
#include "templates.h"

#define SVC_ID_MAX 33
#define SVC_AREA_MAX 13

struct ussd_menu;

/* Read-only context of the running gateway, borrowed. */
struct svc_ctx {
	const struct cfg	*cfg;
	const struct templates	*tpl;
	const struct ussd_menu	*menu;	/* NULL: no USSD / SMS menu */
	/* The ID-number key (gw_id_key), for the USSD challenge; NULL: the
	 * challenge cannot be checked. */
	const struct hmac_sha256_key *id_key;
};

/* Who sent a message, looked up by number. */
struct svc_caller {
	char	 msisdn[MSISDN_MAX];
	char	 lang[4];			/* reply language */
	bool	 is_member;			/* registered to a household */
	char	 member_id[SVC_ID_MAX];
	char	 household_id[SVC_ID_MAX];
	char	 area_code[SVC_AREA_MAX];	/* the household's or cadre's */
	bool	 is_cadre;
	char	 cadre_id[SVC_ID_MAX];
};

/*
 * Look up `msisdn` among members and cadres (the first by id when
 * several share it); the language is the number's remembered choice,
 * else the household's, else the default.
 */
enum fp_err svc_caller_lookup(struct store *st, const struct svc_ctx *ctx,
    const char *msisdn, struct svc_caller *out);

/*
 * Render sms/<name> in the caller's language into *out (caller frees).
 * A template or variable missing is a bug in the shipped texts: logged,
 * FP_EINVAL / FP_ENOTFOUND.
 */
enum fp_err svc_text(const struct svc_ctx *ctx, const char *lang,
    const char *name, const struct tpl_var *vars, size_t n_vars, char **out);

/*
 * SPEC 11: a text to send with what it was rendered from, so that a
 * provider that sends approved templates only can send the template
 * and its variables instead (tplmap.h).  Initialise with
 * SVC_MSG_INIT; svc_msg_cleanup frees it.
 */
#define SVC_MSG_KEY_MAX	64

struct svc_msg {
	char	*text;			/* owned; NULL until rendered */
	char	 key[SVC_MSG_KEY_MAX];	/* "sms/fk_ok", "notices/<name>",
					 * "menu/<screen>"; "" free text */
	char	 lang[4];		/* the language the text is in */
	char	*vars;			/* owned: the variables as a JSON
					 * object of strings, or NULL */
};
#define SVC_MSG_INIT { NULL, "", "", NULL }

void svc_msg_cleanup(struct svc_msg *m);

/*
 * Render group/name in lang with vars[0..n_vars) (templates_render,
 * whose language fallback m->lang follows) into m, keeping the key and
 * the variables (the first of a name wins, unnamed ones are skipped).
 * FP_ENOTFOUND, FP_EINVAL (*missing, may be NULL, names the variable),
 * FP_ENOMEM; m is left empty on failure.
 */
enum fp_err svc_msg_render(const struct svc_ctx *ctx, const char *lang,
    const char *group, const char *name, const struct tpl_var *vars,
    size_t n_vars, struct svc_msg *m, const char **missing);

/*
 * m takes `text` (owned) with key, lang and the one variable var=text:
 * a menu page sent by SMS ("menu/<screen>", {screen}).  FP_ENOMEM
 * (text is freed).
 */
enum fp_err svc_msg_take(struct svc_msg *m, char *text, const char *key,
    const char *lang, const char *var);

/* Point om's text and tpl_* at m's (borrowed: m outlives om). */
void svc_msg_outbox(const struct svc_msg *m, struct outbox_msg *om);

/*
 * svc_text for a whole reply: sms/<name> into m (logged on failure as
 * svc_text does).
 */
enum fp_err svc_reply(const struct svc_ctx *ctx, const char *lang,
    const char *name, const struct tpl_var *vars, size_t n_vars,
    struct svc_msg *m);

/*
 * Append event `type` whose data is `data` (consumed: put here).
 * Inside the caller's transaction.
 */
enum fp_err svc_event(struct store *st, const char *type,
    struct json_object *data, int64_t now);

/* A number as events carry it: in full only with mqtt.include_msisdn. */
struct json_object *svc_event_msisdn(const struct svc_ctx *ctx,
    const char *e164);

/* A one-word text ("status_poor", "none") of sms/ into dst. */
enum fp_err svc_word(const struct svc_ctx *ctx, const char *lang,
    const char *name, char *dst, size_t len);

/* A time as JSON (RFC 3339, UTC), or NULL (JSON null) for 0. */
struct json_object *svc_time_json(int64_t t);

/* Text column c of the current row as JSON, or NULL (JSON null). */
struct json_object *svc_column_json(sqlite3_stmt *stmt, int c);

/*
 * A page of a keyset-paged list, {"items","limit","next"}: items taken
 * (put by the caller's reader), next the key to pass as after, or NULL
 * for JSON null when this is the last page.
 */
struct json_object *svc_page_json(struct json_object *items, int limit,
    const char *next);

/* One item of a page from the current row (svc_page_rows). */
typedef struct json_object *svc_row_fn(sqlite3_stmt *stmt, void *arg);

/*
 * Step stmt, whose query asks for limit + 1 rows with the key in text
 * column 0, and make the page of the first `limit`, each row made by
 * item(stmt, arg); next is the last item's key when a row is left over.
 * Resets stmt.
 */
enum fp_err svc_page_rows(sqlite3_stmt *stmt, int limit, svc_row_fn *item,
    void *arg, struct json_object **out);

#endif
