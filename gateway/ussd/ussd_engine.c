/*
 * ussd_engine.c: walking the menu tree (see ussd_engine.h).
 *
 * A session is replayed input by input: each input moves the state
 * (screen, page, back stack, variables); the screen finally shown is
 * rendered from templates and cut into pages.  Actions run on entering
 * their screen, so a replay after a lost session does them again, and a
 * known session never does (its inputs are not taken twice; the same
 * request again gets its kept answer, also after the session ended).
 * A session keeps a keyed hash of its last request, never the text.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "event_outbox.h"
#include "hex.h"
#include "idnum.h"
#include "log.h"
#include "parse.h"
#include "registry.h"
#include "sha256.h"
#include "templates.h"
#include "ussd_engine.h"
#include "ussd_internal.h"
#include "ussd_menu.h"
#include "ussd_page.h"
#include "ussd_session.h"
#include "ussd_views.h"

#define VERIFY_MAX_FAILURES	3	/* per number in ussd.lockout: SPEC 3.3 */
#define HOUSEHOLD_MAX_FAILURES	5	/* per household in ussd.lockout */
#define HOUSEHOLD_DIGITS_MAX	33
#define KEYED_HEX_MAX		(SHA256_LEN * 2 + 1)
#define SMS_GSM7_CHARS		160
#define SMS_UCS2_CHARS		70

static const char *
start_id(const struct engine *e)
{
	return e->who.is_cadre ? e->menu->cadre_start :
	    e->menu->villager_start;
}

static void
path_add(struct ussd_state *s, const char *id)
{
	size_t n = strlen(s->path);

	if (n + strlen(id) + 2 >= sizeof(s->path))
		return;		/* the start of a long walk is enough */
	snprintf(s->path + n, sizeof(s->path) - n, "%s%s", n > 0 ? ">" : "",
	    id);
}

static void
show(struct engine *e, const char *id)
{
	snprintf(e->s->at.screen, sizeof(e->s->at.screen), "%s", id);
	e->s->at.page = 0;
	path_add(e->s, id);
}

/* ---- keyed hashes: what a caller types is never kept in clear ------- */

static struct hmac_sha256_key spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;

static void
spare_key_init(void)
{
	uint8_t raw[SHA256_LEN];

	/* getrandom(2) without flags waits for entropy rather than fail. */
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		memset(raw, 0, sizeof(raw));
	hmac_sha256_key_init(&spare_key, raw, sizeof(raw));
}

/*
 * The ID key; without one (a tool, a test: the gateway always has it)
 * a key of this process, so that sessions still work but do not
 * survive it.
 */
static const struct hmac_sha256_key *
input_key(const struct engine *e)
{
	if (e->ctx->id_key != NULL)
		return e->ctx->id_key;
	pthread_once(&spare_once, spare_key_init);
	return &spare_key;
}

/* HMAC-SHA256 of tag, a NUL, then data[0..len), in hex into out. */
static enum fp_err
keyed_hex(const struct hmac_sha256_key *k, const char *tag, const char *data,
    size_t len, char out[KEYED_HEX_MAX])
{
	struct sha256 ctx;
	uint8_t inner[SHA256_LEN], h[SHA256_LEN];

	/* The keyed states as hmac_sha256 uses them, fed in pieces: no
	 * copy of the text (a request's cost, twice a request). */
	ctx = k->inner;
	sha256_update(&ctx, tag, strlen(tag) + 1);
	sha256_update(&ctx, data, len);
	sha256_final(&ctx, inner);
	ctx = k->outer;
	sha256_update(&ctx, inner, sizeof(inner));
	sha256_final(&ctx, h);
	hex_encode(h, sizeof(h), out);
	return FP_OK;
}

/*
 * What a session keeps of a request's text[0..len) (ussd_session.h):
 * "<len>:<keyed hash>", enough to know a repeat or a continuation of it
 * and nothing of what was typed (the ID challenge's answers among it).
 */
static enum fp_err
inputs_print(const struct engine *e, const char *text, size_t len,
    char out[USSD_INPUTS_MAX])
{
	char hex[KEYED_HEX_MAX];
	enum fp_err err;

	err = keyed_hex(input_key(e), "ussd.inputs", text, len, hex);
	if (err == FP_OK)
		snprintf(out, USSD_INPUTS_MAX, "%zu:%s", len, hex);
	return err;
}

/* The length a print was made of; false when it is not a print. */
static bool
print_len(const char *print, size_t *len)
{
	char *end = NULL;
	unsigned long long n;

	if (*print < '0' || *print > '9')
		return false;
	n = strtoull(print, &end, 10);
	if (end == NULL || *end != ':' || strlen(end + 1) !=
	    KEYED_HEX_MAX - 1)
		return false;
	*len = (size_t)n;
	return true;
}

/*
 * Does text go on from the text whose print this is: "<that>*<more>",
 * or anything when that was empty?  *from: where <more> begins.
 */
static enum fp_err
continues(const struct engine *e, const char *print, const char *text,
    bool *yes, size_t *from)
{
	char mine[USSD_INPUTS_MAX];
	size_t n;
	enum fp_err err;

	*yes = false;
	*from = 0;
	if (!print_len(print, &n))
		return FP_OK;
	if (n == 0) {
		*yes = true;	/* nothing typed before: all of text is new */
		return FP_OK;
	}
	if (n >= strlen(text) || text[n] != '*')
		return FP_OK;
	err = inputs_print(e, text, n, mine);
	if (err != FP_OK)
		return err;
	*yes = strcmp(mine, print) == 0;
	*from = n + 1;
	return FP_OK;
}

/* ---- moving --------------------------------------------------------- */

static enum fp_err enter(struct engine *, const char *);

static enum fp_err
run_action(struct engine *e, const struct ussd_screen *sc)
{
	struct ussd_call c = { e->st, e->ctx, &e->who, e->s, sc->param,
	    e->now };
	bool failed = false;
	size_t n;
	enum fp_err err;

	if (e->sandbox) {
		/* console_phone.h: answered as the villager would see it,
		 * never done; the reply names it. */
		err = ussd_action_sandbox(&c, sc->action, &failed);
		n = strlen(e->skipped);
		if (err == FP_OK && n + strlen(sc->action) + 2 <
		    sizeof(e->skipped))
			snprintf(e->skipped + n, sizeof(e->skipped) - n, "%s%s",
			    n > 0 ? "," : "", sc->action);
	} else
		err = ussd_action(&c, sc->action, &failed);
	if (err != FP_OK)
		return err;
	if (failed)
		ussd_var_set(e->s, "_failed", "1");
	return FP_OK;
}

/* Who the caller is, before a screen that needs a household. */
static enum fp_err
need_household(struct engine *e, const char *target, bool *ready)
{
	bool locked;
	enum fp_err err;

	*ready = false;
	if (e->s->verified) {
		*ready = true;
		return FP_OK;
	}
	if (e->who.is_member) {
		e->s->verified = true;
		snprintf(e->s->household_id, sizeof(e->s->household_id), "%s",
		    e->who.household_id);
		snprintf(e->s->member_id, sizeof(e->s->member_id), "%s",
		    e->who.member_id);
		*ready = true;
		return FP_OK;
	}
	err = ussd_lock_get(e->st, USSD_LOCK_MSISDN, e->who.msisdn, e->now,
	    &locked);
	if (err != FP_OK)
		return err;
	if (locked) {
		show(e, "_locked");
		return FP_OK;
	}
	ussd_var_set(e->s, "_target", target);
	show(e, "_id6");
	return FP_OK;
}

/* Show screen `id` (after its `need`), running its action. */
static enum fp_err
enter(struct engine *e, const char *id)
{
	const struct ussd_screen *sc = ussd_screen_of(e, id);
	enum fp_err err;
	bool ready;

	if (sc == NULL)
		return FP_EINVAL;	/* checked at load: cannot happen */
	ussd_var_unset(e->s, "_failed");
	if (sc->need == USSD_NEED_HOUSEHOLD) {
		err = need_household(e, id, &ready);
		if (err != FP_OK || !ready)
			return err;
	}
	if (sc->need == USSD_NEED_CADRE && !e->who.is_cadre) {
		show(e, "_refused");
		return FP_OK;
	}
	show(e, id);
	return sc->action != NULL ? run_action(e, sc) : FP_OK;
}

static enum fp_err
go(struct engine *e, const char *id)
{
	struct ussd_state *s = e->s;

	if (strcmp(id, start_id(e)) == 0)
		s->depth = 0;
	else {
		if (s->depth == USSD_STACK_MAX) {
			memmove(&s->stack[0], &s->stack[1],
			    sizeof(s->stack[0]) * (USSD_STACK_MAX - 1));
			s->depth--;
		}
		s->stack[s->depth++] = s->at;
	}
	return enter(e, id);
}

static void
back(struct engine *e)
{
	struct ussd_state *s = e->s;

	if (s->at.page > 0)
		s->at.page--;
	else if (s->depth > 0)
		s->at = s->stack[--s->depth];
}

/* "1".."999" without leading zeros; 0 when it is anything else. */
static int
choice_number(const char *in)
{
	int n = 0;
	size_t i, len = strlen(in);

	if (len == 0 || len > 3 || in[0] == '0')
		return 0;
	for (i = 0; i < len; i++) {
		if (in[i] < '0' || in[i] > '9')
			return 0;
		n = n * 10 + (in[i] - '0');
	}
	return n;
}

/* Characters of UTF-8 text, or -1 when it holds a control character. */
static int
text_chars(const char *in)
{
	int n = 0;
	const unsigned char *p;

	for (p = (const unsigned char *)in; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7F)
			return -1;
		if ((*p & 0xC0) != 0x80)
			n++;
	}
	return n;
}

struct pick {
	int	 want;		/* 1-based */
	int	 seen;
	char	 id[USSD_VALUE_MAX];
};

static enum fp_err
pick_item(void *arg, const char *id, const struct ussd_tvars *tv)
{
	struct pick *p = arg;

	(void)tv;
	if (++p->seen == p->want)
		snprintf(p->id, sizeof(p->id), "%s", id);
	return FP_OK;
}

static enum fp_err
choose_from_list(struct engine *e, const struct ussd_screen *sc, int n,
    bool *ok)
{
	struct ussd_call c = { e->st, e->ctx, &e->who, e->s, sc->param,
	    e->now };
	struct pick p;
	enum fp_err err;

	memset(&p, 0, sizeof(p));
	p.want = n;
	*ok = false;
	if (n < 1)
		return FP_OK;
	err = ussd_list(&c, sc->list, pick_item, &p);
	if (err != FP_OK || p.id[0] == '\0')
		return err;
	ussd_var_set(e->s, ussd_list_var(sc->list), p.id);
	*ok = true;
	return go(e, sc->go);
}

static enum fp_err
verify_last6(struct engine *e, const char *in, bool *ok)
{
	uint8_t h[IDNUM_HASH_LEN];
	char hex[IDNUM_HASH_LEN * 2 + 1];

	*ok = false;
	if (e->ctx->id_key == NULL)
		return FP_ENOTFOUND;	/* no key loaded: cannot check */
	if (idnum_hash_last6(e->ctx->id_key, in, h) != FP_OK)
		return FP_OK;
	hex_encode(h, IDNUM_HASH_LEN, hex);
	ussd_var_set(e->s, "_id6", hex);
	*ok = true;
	show(e, "_hh");
	return FP_OK;
}

/* The member of the household numbered `digits` whose last 6 hash to h. */
static enum fp_err
find_member(struct engine *e, const char *digits, const uint8_t *h,
    bool *match)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	*match = false;
	err = store_stmt(e->st, "SELECT m.member_id, m.household_id FROM "
	    "households h JOIN members m ON m.household_id = h.household_id "
	    "WHERE h.household_digits = ?1 AND m.id_last6_hash = ?2 "
	    "ORDER BY m.member_id LIMIT 1", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, registry_household_number(digits));
	sqlite3_bind_blob(stmt, 2, h, IDNUM_HASH_LEN, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*match = true;
		store_column_copy(stmt, 0, e->s->member_id,
		    sizeof(e->s->member_id));
		store_column_copy(stmt, 1, e->s->household_id,
		    sizeof(e->s->household_id));
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

/* A failed challenge: counted, and perhaps a lock. */
static enum fp_err
verify_failed(struct engine *e, const char *household)
{
	char masked[MSISDN_MASK_MAX], left[16];
	struct ussd_failures f;
	enum fp_err err;

	err = ussd_challenge_fail(e->st, e->who.msisdn, household, e->now,
	    e->ctx->cfg->ussd.lockout_s, VERIFY_MAX_FAILURES,
	    HOUSEHOLD_MAX_FAILURES, &f);
	if (err != FP_OK)
		return err;
	log_warnx("ussd.verify.fail msisdn=%s failures=%d "
	    "household_failures=%d locked=%d household_locked=%d",
	    msisdn_mask(e->who.msisdn, masked, sizeof(masked)), f.msisdn,
	    f.household, f.msisdn_locked, f.household_locked);
	if (f.msisdn_locked || f.household_locked) {
		show(e, "_locked");
		return FP_OK;
	}
	snprintf(left, sizeof(left), "%d", VERIFY_MAX_FAILURES - f.msisdn);
	ussd_var_set(e->s, "left", left);
	ussd_var_set(e->s, "_err", "verify_failed");
	show(e, "_id6");
	return FP_OK;
}

/*
 * The console's sandbox (console_phone.h): what a villager who typed
 * something wrong sees, checked against no household, read or counted
 * nowhere but in this dialogue (which is replayed whole every time).
 */
static enum fp_err
verify_sandbox(struct engine *e)
{
	const char *v = ussd_var_get(e->s, "_sandbox_failures");
	int failures = 0;
	char n[16];

	if (v != NULL && parse_int(v, 0, VERIFY_MAX_FAILURES, &failures) !=
	    FP_OK)
		failures = 0;
	failures++;
	ussd_var_unset(e->s, "_id6");
	if (failures >= VERIFY_MAX_FAILURES) {
		show(e, "_locked");
		return FP_OK;
	}
	snprintf(n, sizeof(n), "%d", failures);
	ussd_var_set(e->s, "_sandbox_failures", n);
	snprintf(n, sizeof(n), "%d", VERIFY_MAX_FAILURES - failures);
	ussd_var_set(e->s, "left", n);
	ussd_var_set(e->s, "_err", "verify_failed");
	show(e, "_id6");
	return FP_OK;
}

/*
 * The household number typed after the last 6: does one member of that
 * household match both?  Neither the number nor its household may be
 * locked, now (another session of the number may have locked it since
 * this one asked).  Failures count per number and per household (a keyed
 * hash of the digits typed); a success resets neither (SPEC 3.3).
 */
static enum fp_err
verify_household(struct engine *e, const char *in, bool *ok)
{
	const char *hex = ussd_var_get(e->s, "_id6");
	uint8_t h[IDNUM_HASH_LEN];
	char masked[MSISDN_MASK_MAX], digits[HOUSEHOLD_DIGITS_MAX];
	char household[KEYED_HEX_MAX], target[USSD_ID_MAX] = "";
	enum fp_err err;
	bool locked = false, match = false, have_hash;

	*ok = false;
	if (!registry_household_digits(in, digits, sizeof(digits)))
		return FP_OK;
	*ok = true;
	if (e->sandbox)
		return verify_sandbox(e);
	/* Decoded before the variable goes (unset moves the others). */
	have_hash = hex != NULL && hex_decode(hex, h, sizeof(h)) == FP_OK;
	if (e->ctx->id_key == NULL)
		return FP_ENOTFOUND;	/* no key loaded: cannot check */
	err = keyed_hex(e->ctx->id_key, "ussd.household", digits,
	    strlen(digits), household);
	if (err == FP_OK)
		err = ussd_lock_get(e->st, USSD_LOCK_MSISDN, e->who.msisdn,
		    e->now, &locked);
	if (err == FP_OK && !locked)
		err = ussd_lock_get(e->st, USSD_LOCK_HOUSEHOLD, household,
		    e->now, &locked);
	if (err != FP_OK)
		return err;
	ussd_var_unset(e->s, "_id6");
	if (locked) {
		show(e, "_locked");
		return FP_OK;
	}
	if (have_hash) {
		err = find_member(e, digits, h, &match);
		if (err != FP_OK)
			return err;
	}
	if (!match)
		return verify_failed(e, household);
	e->s->verified = true;
	log_info("ussd.verify.ok msisdn=%s", msisdn_mask(e->who.msisdn,
	    masked, sizeof(masked)));
	snprintf(target, sizeof(target), "%s", ussd_var_get(e->s, "_target") !=
	    NULL ? ussd_var_get(e->s, "_target") : start_id(e));
	ussd_var_unset(e->s, "_target");
	return enter(e, target);
}

/* Free text for an input screen (or the ID challenge). */
static enum fp_err
take_input(struct engine *e, const struct ussd_screen *sc, const char *in)
{
	int chars = text_chars(in);
	bool ok = false;
	enum fp_err err = FP_OK;

	if (chars >= sc->input_min && chars <= sc->input_max) {
		if (strcmp(sc->id, "_id6") == 0)
			err = verify_last6(e, in, &ok);
		else if (strcmp(sc->id, "_hh") == 0)
			err = verify_household(e, in, &ok);
		else {
			ussd_var_set(e->s, sc->input, in);
			ok = true;
			err = go(e, sc->go);
		}
	}
	if (err == FP_OK && !ok)
		ussd_var_set(e->s, "_err", "invalid");
	return err;
}

/* One input on the current screen, which has n_pages pages. */
static enum fp_err
step(struct engine *e, const char *in, int n_pages)
{
	const struct ussd_screen *sc = ussd_screen_of(e, e->s->at.screen);
	struct ussd_state *s = e->s;
	bool ok = false;
	enum fp_err err = FP_OK;
	int n;

	ussd_var_unset(s, "_err");
	if (strcmp(in, "00") == 0) {
		s->depth = 0;
		return enter(e, start_id(e));
	}
	if (strcmp(in, "0") == 0) {
		back(e);
		return FP_OK;
	}
	if (strcmp(in, "98") == 0 && s->at.page + 1 < n_pages) {
		s->at.page++;
		return FP_OK;
	}
	if (sc == NULL) {
		/* A state from an older menu: start again. */
		s->depth = 0;
		return enter(e, start_id(e));
	}
	if (sc->input != NULL)
		return take_input(e, sc, in);
	n = choice_number(in);
	if (sc->list != NULL)
		err = choose_from_list(e, sc, n, &ok);
	else if (n >= 1 && (size_t)n <= sc->n_options) {
		const struct ussd_option *o = &sc->options[n - 1];

		if (o->set_name != NULL)
			ussd_var_set(s, o->set_name, o->set_value);
		ok = true;
		err = go(e, o->go);
	}
	if (err == FP_OK && !ok)
		ussd_var_set(s, "_err", "invalid");
	return err;
}

/* ---- sessions ------------------------------------------------------- */

static enum fp_err
session_event(const struct svc_ctx *ctx, struct store *st,
    const struct ussd_state *s, const char *outcome, int64_t ended_at)
{
	struct json_object *d = json_object_new_object();
	struct json_object *path = json_object_new_array();
	char buf[USSD_PATH_MAX], *p, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s->path);
	for (p = strtok_r(buf, ">", &save); p != NULL;
	    p = strtok_r(NULL, ">", &save))
		json_object_array_add(path, json_object_new_string(p));
	json_object_object_add(d, "session_id",
	    json_object_new_string(s->session_id));
	json_object_object_add(d, "channel", json_object_new_string(
	    s->channel));
	json_object_object_add(d, "msisdn", svc_event_msisdn(ctx, s->msisdn));
	json_object_object_add(d, "path", path);
	json_object_object_add(d, "steps", json_object_new_int(s->steps));
	json_object_object_add(d, "duration_s", json_object_new_int64(
	    ended_at - s->started_at));
	json_object_object_add(d, "outcome", json_object_new_string(outcome));
	json_object_object_add(d, "language", json_object_new_string(s->lang));
	json_object_object_add(d, "verified", json_object_new_boolean(
	    s->verified));
	return svc_event(st, "ussd.session", d, ended_at);
}

static void
new_state(struct engine *e, const struct ussd_request *rq)
{
	struct ussd_state *s = e->s;

	memset(s, 0, sizeof(*s));
	if (rq->session_id != NULL)
		snprintf(s->session_id, sizeof(s->session_id), "%s",
		    rq->session_id);
	else
		snprintf(s->session_id, sizeof(s->session_id), "sms:%s",
		    rq->msisdn);
	snprintf(s->channel, sizeof(s->channel), "%s", rq->channel);
	snprintf(s->msisdn, sizeof(s->msisdn), "%s", rq->msisdn);
	snprintf(s->lang, sizeof(s->lang), "%s", e->who.lang);
	s->started_at = e->now;
	s->is_new = true;
}

/*
 * The inputs of rq not yet taken by the session it continues (its
 * inputs' print in s->inputs, this request's in `print`): for a ussd
 * request whose text continues the session's last, what follows; the
 * same text again: NULL (the same screen); else all of it, *replay when
 * it must be replayed from the start.
 */
static enum fp_err
new_inputs(const struct engine *e, const struct ussd_request *rq,
    const char *print, const char **inputs, bool *replay)
{
	bool yes = false;
	size_t from = 0;
	enum fp_err err;

	*replay = false;
	*inputs = rq->text;
	if (strcmp(rq->channel, "sms") == 0)
		return FP_OK;
	if (strcmp(print, e->s->inputs) == 0) {
		*inputs = NULL;
		return FP_OK;
	}
	err = continues(e, e->s->inputs, rq->text, &yes, &from);
	if (err != FP_OK)
		return err;
	if (yes)
		*inputs = rq->text + from;
	else
		*replay = true;	/* not a continuation of what we saw */
	return FP_OK;
}

/*
 * A ussd request that repeats, or goes on from, the last request of a
 * session that ended (kept until its timeout): the session's last
 * screen again, END, and nothing run.  *answered false otherwise.
 */
static enum fp_err
after_end(const struct engine *e, const struct ussd_request *rq,
    const char *sid, const char *print, struct ussd_reply *out,
    bool *answered)
{
	char ended[USSD_INPUTS_MAX];
	char *screen = NULL;
	bool yes = false;
	size_t from = 0;
	enum fp_err err;

	*answered = false;
	err = ussd_ended_load(e->st, sid, rq->msisdn, e->now, ended, &screen);
	if (err == FP_ENOTFOUND)
		return FP_OK;
	if (err != FP_OK)
		return err;
	if (strcmp(ended, print) == 0)
		yes = true;
	else {
		err = continues(e, ended, rq->text, &yes, &from);
		yes = yes && from > 0;	/* not any text after an empty one */
	}
	if (err == FP_OK && yes && *screen != '\0') {
		out->screen = screen;
		out->end = true;
		*answered = true;
		return FP_OK;
	}
	free(screen);
	return err;
}

/* Take each '*'-separated input of `inputs` (ussd) or the whole (sms). */
static enum fp_err
take_all(struct engine *e, const struct ussd_request *rq, const char *inputs)
{
	char *copy, *p, *next;
	bool sms = strcmp(rq->channel, "sms") == 0;
	enum fp_err err = FP_OK;

	copy = strdup(inputs);
	if (copy == NULL)
		return FP_ENOMEM;
	for (p = copy; p != NULL && err == FP_OK; p = next) {
		char *screen = NULL;
		int n_pages = 1;
		bool end = false;

		next = sms ? NULL : strchr(p, '*');
		if (next != NULL)
			*next++ = '\0';
		/* Paging needs the page count of the screen answered. */
		err = ussd_render(e, &screen, &n_pages, &end);
		free(screen);
		if (err != FP_OK || end)
			break;	/* the session ended: the rest is not for us */
		if (++e->s->steps > USSD_STEPS_MAX) {
			show(e, "_too_long");
			break;
		}
		err = step(e, p, n_pages);
	}
	free(copy);
	return err;
}

static void
limits_for(struct engine *e, const char *channel)
{
	if (strcmp(channel, "sms") == 0) {
		/* One SMS per screen (SPEC 3.3, last point). */
		e->lim.max_gsm7 = SMS_GSM7_CHARS;
		e->lim.max_ucs2 = SMS_UCS2_CHARS;
	} else {
		e->lim.max_gsm7 = (size_t)e->ctx->cfg->ussd.max_chars;
		e->lim.max_ucs2 = (size_t)e->ctx->cfg->ussd.max_ucs2_chars;
	}
}

/* The answer as the session keeps it, for a repeat ("" when too long). */
static void
keep_screen(struct ussd_state *s, const char *screen)
{
	if (strcmp(s->channel, "ussd") == 0 &&
	    strlen(screen) < sizeof(s->screen))
		snprintf(s->screen, sizeof(s->screen), "%s", screen);
	else
		s->screen[0] = '\0';
}

/*
 * The console's sandbox (console_phone.h): the whole text from the
 * start screen, as an unknown session is replayed, but nothing loaded
 * or kept, no event, no action run (run_action), the ID challenge
 * checked against nothing (verify_household).  Never as a real person.
 */
static enum fp_err
sandbox_walk(struct engine *e, const struct ussd_request *rq,
    struct ussd_reply *out)
{
	const char *text = rq->text != NULL ? rq->text : "";
	int n_pages = 1;
	enum fp_err err;

	if (e->who.is_member || e->who.is_cadre)
		return FP_EREJECT;
	if (rq->lang != NULL)
		snprintf(e->who.lang, sizeof(e->who.lang), "%s", rq->lang);
	e->sandbox = true;
	new_state(e, rq);
	err = enter(e, start_id(e));
	if (err == FP_OK && *text != '\0')
		err = take_all(e, rq, text);
	if (err == FP_OK)
		err = ussd_render(e, &out->screen, &n_pages, &out->end);
	if (err != FP_OK)
		return err;
	snprintf(out->screen_id, sizeof(out->screen_id), "%s",
	    e->s->at.screen);
	snprintf(out->lang, sizeof(out->lang), "%s", e->screen_lang != NULL ?
	    e->screen_lang : TEMPLATES_SOURCE_LANG);
	snprintf(out->skipped, sizeof(out->skipped), "%s", e->skipped);
	return FP_OK;
}

enum fp_err
ussd_handle(struct store *st, const struct svc_ctx *ctx,
    const struct ussd_request *rq, int64_t now, struct ussd_reply *out)
{
	struct engine e;
	const char *inputs = NULL, *text = rq->text != NULL ? rq->text : "";
	char sid[USSD_SESSION_ID_MAX], print[USSD_INPUTS_MAX];
	bool ussd = strcmp(rq->channel, "ussd") == 0, replay, answered;
	int n_pages = 1;
	enum fp_err err;

	memset(out, 0, sizeof(*out));
	if (ctx->menu == NULL)
		return FP_EINVAL;
	memset(&e, 0, sizeof(e));
	e.st = st;
	e.ctx = ctx;
	e.menu = ctx->menu;
	e.now = now;
	limits_for(&e, rq->channel);
	e.s = malloc(sizeof(*e.s));
	if (e.s == NULL)
		return FP_ENOMEM;
	if (rq->session_id != NULL)
		snprintf(sid, sizeof(sid), "%s", rq->session_id);
	else
		snprintf(sid, sizeof(sid), "sms:%s", rq->msisdn);
	err = inputs_print(&e, text, strlen(text), print);
	if (err == FP_OK)
		err = svc_caller_lookup(st, ctx, rq->msisdn, &e.who);
	if (err == FP_OK && rq->sandbox && ussd) {
		err = sandbox_walk(&e, rq, out);
		goto done;
	}
	if (err != FP_OK)
		goto done;
	/* A session is its id and the number together (SPEC 3.3). */
	err = rq->restart ? FP_ENOTFOUND : ussd_session_load(st, sid,
	    rq->msisdn, now, e.s);
	if (err == FP_OK && ussd && strcmp(e.s->inputs, print) == 0 &&
	    *e.s->screen != '\0') {
		/* The last request again: its answer, nothing run twice. */
		out->screen = strdup(e.s->screen);
		err = out->screen != NULL ? FP_OK : FP_ENOMEM;
		goto done;
	}
	if (err == FP_ENOTFOUND && ussd) {
		err = after_end(&e, rq, sid, print, out, &answered);
		if (err != FP_OK || answered)
			goto done;
		err = FP_ENOTFOUND;
	}
	if (err == FP_OK) {
		err = new_inputs(&e, rq, print, &inputs, &replay);
		if (err == FP_OK && replay) {
			new_state(&e, rq);
			e.s->is_new = false;	/* its row is replaced */
			err = enter(&e, start_id(&e));
		}
	} else if (err == FP_ENOTFOUND) {
		new_state(&e, rq);
		err = enter(&e, start_id(&e));
		inputs = rq->restart ? NULL : text;
	}
	if (err == FP_OK && inputs != NULL && (*inputs != '\0' || !ussd))
		err = take_all(&e, rq, inputs);
	if (err != FP_OK)
		goto done;
	/* What was typed is kept only as a keyed hash (SPEC 3.3). */
	snprintf(e.s->inputs, sizeof(e.s->inputs), "%s", print);
	err = ussd_render(&e, &out->screen, &n_pages, &out->end);
	if (err != FP_OK)
		goto done;
	snprintf(out->screen_id, sizeof(out->screen_id), "%s",
	    e.s->at.screen);
	snprintf(out->lang, sizeof(out->lang), "%s", e.screen_lang != NULL ?
	    e.screen_lang : TEMPLATES_SOURCE_LANG);
	ussd_var_unset(e.s, "_err");
	keep_screen(e.s, out->screen);
	if (out->end) {
		/* The engine's own ending screens name the outcome. */
		if (e.outcome == NULL)
			e.outcome = e.s->at.screen[0] == '_' ? e.s->at.screen + 1 :
			    "completed";
		err = session_event(ctx, st, e.s, e.outcome, now);
		if (err == FP_OK && ussd)
			err = ussd_ended_save(st, e.s, now,
			    ctx->cfg->ussd.session_timeout_s);
		if (err == FP_OK && !e.s->is_new)
			err = ussd_session_delete(st, e.s->session_id,
			    e.s->msisdn);
	} else
		err = ussd_session_save(st, e.s, now,
		    ctx->cfg->ussd.session_timeout_s);
done:
	if (err != FP_OK) {
		free(out->screen);
		out->screen = NULL;
	}
	free(e.s);
	return err;
}

enum fp_err
ussd_sandbox(struct store *st, const struct svc_ctx *ctx,
    const struct console_phone_request *rq, int64_t now,
    struct console_phone_reply *out)
{
	struct ussd_request r = {
		.channel = "ussd",
		.session_id = "console",
		.msisdn = rq->msisdn,
		.text = rq->text,
		.sandbox = true,
		.lang = rq->lang,
	};
	struct ussd_reply rep;
	enum fp_err err;

	memset(out, 0, sizeof(*out));
	err = ussd_handle(st, ctx, &r, now, &rep);
	if (err != FP_OK)
		return err;
	out->end = rep.end;
	out->screen = rep.screen;
	snprintf(out->screen_id, sizeof(out->screen_id), "%s", rep.screen_id);
	snprintf(out->lang, sizeof(out->lang), "%s", rep.lang);
	snprintf(out->skipped, sizeof(out->skipped), "%s", rep.skipped);
	return FP_OK;
}

enum fp_err
ussd_sms_session(struct store *st, const char *msisdn,
    const struct svc_ctx *ctx, int64_t now, struct ussd_sms_state *out)
{
	struct ussd_state *s;
	char sid[USSD_SESSION_ID_MAX];
	const struct ussd_screen *sc;
	enum fp_err err;

	memset(out, 0, sizeof(*out));
	if (ctx->menu == NULL)
		return FP_OK;
	s = malloc(sizeof(*s));
	if (s == NULL)
		return FP_ENOMEM;
	snprintf(sid, sizeof(sid), "sms:%s", msisdn);
	err = ussd_session_load(st, sid, msisdn, now, s);
	if (err == FP_OK) {
		out->open = true;
		sc = ussd_screen_in(ctx->menu, s->at.screen);
		out->wants_text = sc != NULL && sc->input != NULL;
		out->challenge = strcmp(s->at.screen, "_id6") == 0 ||
		    strcmp(s->at.screen, "_hh") == 0;
	}
	free(s);
	return err == FP_ENOTFOUND ? FP_OK : err;
}

enum fp_err
ussd_sweep(struct store *st, const struct svc_ctx *ctx, int64_t now, int max,
    int *ended)
{
	struct ussd_state *s;
	sqlite3_stmt *stmt;
	enum fp_err err;
	char sid[USSD_SESSION_ID_MAX], msisdn[MSISDN_MAX];
	int64_t last;

	*ended = 0;
	s = malloc(sizeof(*s));
	if (s == NULL)
		return FP_ENOMEM;
	for (;;) {
		err = store_stmt(st, "SELECT session_id, msisdn, updated_at "
		    "FROM ussd_sessions WHERE expires_at <= ?1 ORDER BY "
		    "expires_at LIMIT 1", &stmt);
		if (err != FP_OK || *ended >= max)
			break;
		sqlite3_bind_int64(stmt, 1, now);
		if (sqlite3_step(stmt) != SQLITE_ROW) {
			sqlite3_reset(stmt);
			break;
		}
		store_column_copy(stmt, 0, sid, sizeof(sid));
		store_column_copy(stmt, 1, msisdn, sizeof(msisdn));
		last = sqlite3_column_int64(stmt, 2);
		sqlite3_reset(stmt);
		/* Loaded as of its last input, when it was still alive. */
		if (ussd_session_load(st, sid, msisdn, last, s) == FP_OK)
			err = session_event(ctx, st, s, "timeout", last);
		if (err == FP_OK)
			err = ussd_session_delete(st, sid, msisdn);
		if (err != FP_OK)
			break;
		(*ended)++;
	}
	free(s);
	/* Ended sessions past their keep, failures and locks of the past. */
	return err == FP_OK ? ussd_prune(st, now, ctx->cfg->ussd.lockout_s) :
	    err;
}
