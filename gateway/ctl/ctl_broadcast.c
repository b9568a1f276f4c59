/*
 * ctl_broadcast.c: fupinctl broadcast create|list|status|cancel and
 * fupinctl alert: the program office's tools on the command line, through
 * the same store functions as the admin API (broadcast.h, alert.h), as
 * actor "fupinctl" with no area scope.  The options build the same JSON
 * the API takes, so both are checked by one parser.  Tables for people,
 * --json for scripts; `broadcast status ID --watch` draws a progress bar
 * until the broadcast is done.  Exit 0, 64 usage, 65 refused input, 66
 * no such broadcast, 69 database unavailable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "broadcast.h"
#include "ctl.h"
#include "parse.h"
#include "templates.h"

#define ACTOR "fupinctl"

/* Options shared by create and alert: --var k=v into o["vars"]. */
static bool
add_var(struct json_object *o, const char *kv)
{
	struct json_object *vars;
	const char *eq = strchr(kv, '=');
	char name[64];

	if (eq == NULL || eq == kv || (size_t)(eq - kv) >= sizeof(name))
		return false;
	snprintf(name, sizeof(name), "%.*s", (int)(eq - kv), kv);
	if (!json_object_object_get_ex(o, "vars", &vars)) {
		vars = json_object_new_object();
		json_object_object_add(o, "vars", vars);
	}
	json_object_object_add(vars, name, json_object_new_string(eq + 1));
	return true;
}

static void
add_str(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v));
}

void
ctl_print_json(struct json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
}

const char *
ctl_json_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return "-";
	return json_object_get_string(v);
}

static int64_t
int_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 0;
	return json_object_get_int64(v);
}

static int
usage_broadcast(void)
{
	fprintf(stderr, "usage: fupinctl broadcast create (--template NAME "
	    "[--var K=V]... [--training ID] | --text TEXT)\n"
	    "           [--area A] [--program P] [--enrollment E] [--role R] "
	    "[--status S]\n"
	    "           [--language L] [--send-at RFC3339] [--provider P] "
	    "[--dry-run] [--json]\n"
	    "       fupinctl broadcast list [--status S] [--limit N] [--json]\n"
	    "       fupinctl broadcast status ID [--watch] [--json]\n"
	    "       fupinctl broadcast cancel ID\n");
	return EX_USAGE;
}

struct loaded {
	struct store		*st;
	struct templates	*tpl;
	struct svc_ctx		 ctx;
};

static int
load(const struct cfg *cfg, struct loaded *l, bool need_templates)
{
	char *bad = NULL;

	memset(l, 0, sizeof(*l));
	l->ctx.cfg = cfg;
	if (need_templates) {
		if (templates_load(cfg->templates.dir,
		    cfg->templates.default_language, &l->tpl, &bad) != FP_OK) {
			fprintf(stderr, "fupinctl: templates: %s\n", bad != NULL ?
			    bad : cfg->templates.dir);
			free(bad);
			return EX_CONFIG;
		}
		l->ctx.tpl = l->tpl;
	}
	if (ctl_open_store(cfg, &l->st) != FP_OK) {
		templates_free(l->tpl);
		return EX_UNAVAILABLE;
	}
	return EX_OK;
}

static void
unload(struct loaded *l)
{
	store_close(l->st);
	templates_free(l->tpl);
}

/* Run fn in one transaction. */
static enum fp_err
in_tx(struct store *st, enum fp_err (*fn)(struct store *, void *), void *arg)
{
	enum fp_err err = store_begin(st);

	if (err != FP_OK)
		return err;
	err = fn(st, arg);
	if (err == FP_OK)
		return store_commit(st);
	store_rollback(st);
	return err;
}

struct create_arg {
	const struct broadcast_req	*r;
	int64_t				 id;
};

static enum fp_err
create_fn(struct store *st, void *arg)
{
	struct create_arg *a = arg;

	return broadcast_insert(st, a->r, (int64_t)time(NULL), &a->id);
}

static int
bc_create(const struct cfg *cfg, int argc, char **argv)
{
	struct json_object *o = json_object_new_object(), *aud, *out = NULL;
	struct broadcast_req r;
	struct audience_count count;
	struct create_arg ca;
	struct loaded l;
	const char *why = NULL, *missing = NULL;
	bool dry = false, as_json = false;
	int i, rc = EX_OK;

	aud = json_object_new_object();
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--dry-run") == 0)
			json_object_object_add(o, "dry_run",
			    json_object_new_boolean(1));
		else if (strcmp(a, "--json") == 0)
			as_json = true;
		else if (v == NULL)
			goto usage;
		else if (strcmp(a, "--template") == 0)
			add_str(o, "template", v), i++;
		else if (strcmp(a, "--text") == 0)
			add_str(o, "text", v), i++;
		else if (strcmp(a, "--send-at") == 0)
			add_str(o, "send_at", v), i++;
		else if (strcmp(a, "--provider") == 0)
			add_str(o, "provider", v), i++;
		else if (strcmp(a, "--training") == 0)
			add_str(o, "training", v), i++;
		else if (strcmp(a, "--var") == 0) {
			if (!add_var(o, v))
				goto usage;
			i++;
		} else if (strcmp(a, "--area") == 0 || strcmp(a, "--program")
		    == 0 || strcmp(a, "--enrollment") == 0 || strcmp(a,
		    "--role") == 0 || strcmp(a, "--status") == 0 || strcmp(a,
		    "--language") == 0)
			add_str(aud, a + 2, v), i++;
		else
			goto usage;
	}
	json_object_object_add(o, "audience", aud);
	rc = load(cfg, &l, true);
	if (rc != EX_OK) {
		json_object_put(o);
		return rc;
	}
	if (broadcast_parse(o, cfg, (int64_t)time(NULL), NULL, &r, &dry,
	    &why) != FP_OK || broadcast_training(l.st, &r, &why) != FP_OK ||
	    broadcast_check(&l.ctx, &r, &why, &missing) != FP_OK) {
		fprintf(stderr, "fupinctl broadcast: %s%s%s\n", why,
		    missing != NULL ? ": " : "", missing != NULL ? missing :
		    "");
		rc = EX_DATAERR;
		goto done;
	}
	r.created_by = ACTOR;
	r.scope = "";
	if (dry) {
		if (broadcast_dry_run(l.st, &l.ctx, &r, &out) != FP_OK) {
			rc = EX_UNAVAILABLE;
			goto done;
		}
		if (as_json)
			ctl_print_json(out);
		else {
			struct json_object *langs;

			printf("dry run: %lld recipients, %lld segments\n",
			    (long long)int_of(out, "recipients"),
			    (long long)int_of(out, "segments"));
			if (json_object_object_get_ex(out, "languages", &langs)) {
				json_object_object_foreach(langs, lang, v) {
					printf("  %-3s %7lld recipients  %lld "
					    "segment(s)  %s\n", lang,
					    (long long)int_of(v, "recipients"),
					    (long long)int_of(v, "segments"),
					    ctl_json_str(v, "sample"));
				}
			}
		}
		json_object_put(out);
		goto done;
	}
	ca.r = &r;
	if (audience_count(l.st, &r.audience, cfg->templates.default_language,
	    false, &count) != FP_OK || in_tx(l.st, create_fn, &ca) != FP_OK) {
		fprintf(stderr, "fupinctl broadcast: not stored\n");
		rc = EX_UNAVAILABLE;
		goto done;
	}
	if (as_json)
		printf("{\"id\":\"%lld\",\"recipients\":%lld}\n",
		    (long long)ca.id, (long long)count.total);
	else
		printf("broadcast %lld created: %lld recipients (the gateway "
		    "sends it)\n", (long long)ca.id, (long long)count.total);
done:
	unload(&l);
	json_object_put(o);
	return rc;
usage:
	json_object_put(aud);
	json_object_put(o);
	return usage_broadcast();
}

static int
bc_list(const struct cfg *cfg, int argc, char **argv)
{
	struct json_object *out = NULL, *items;
	const char *status = NULL;
	struct loaded l;
	bool as_json = false;
	int i, limit = 20, rc;
	size_t k;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			as_json = true;
		else if (strcmp(argv[i], "--status") == 0 && i + 1 < argc)
			status = argv[++i];
		else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc &&
		    parse_int(argv[i + 1], 1, 500, &limit) == FP_OK)
			i++;
		else
			return usage_broadcast();
	}
	rc = load(cfg, &l, false);
	if (rc != EX_OK)
		return rc;
	if (broadcast_list(l.st, "", status, 0, limit, &out) != FP_OK) {
		unload(&l);
		return EX_UNAVAILABLE;
	}
	if (as_json)
		ctl_print_json(out);
	else {
		json_object_object_get_ex(out, "items", &items);
		printf("%6s  %-9s  %-9s  %10s  %-20s  %s\n", "ID", "KIND",
		    "STATUS", "RECIPIENTS", "CREATED", "TEMPLATE");
		for (k = 0; k < json_object_array_length(items); k++) {
			struct json_object *b = json_object_array_get_idx(items,
			    k);

			printf("%6s  %-9s  %-9s  %10s  %-20s  %s\n",
			    ctl_json_str(b, "id"), ctl_json_str(b, "kind"),
			    ctl_json_str(b, "status"), ctl_json_str(b, "recipients"),
			    ctl_json_str(b, "created_at"), ctl_json_str(b, "template"));
		}
	}
	json_object_put(out);
	unload(&l);
	return EX_OK;
}

/* "[#######.......]  45%  1,234 of 2,700" on a terminal. */
static void
progress(int64_t done, int64_t total)
{
	int width = 30, filled = total > 0 ? (int)(done * width / total) : 0;
	int i;

	printf("\r[");
	for (i = 0; i < width; i++)
		putchar(i < filled ? '#' : '.');
	printf("] %3d%%  %lld of %lld", total > 0 ? (int)(done * 100 /
	    total) : 0, (long long)done, (long long)total);
	fflush(stdout);
}

static int
bc_status(const struct cfg *cfg, int argc, char **argv)
{
	struct json_object *out = NULL, *counts;
	struct loaded l;
	bool as_json = false, watch = false;
	int64_t id;
	int i, rc;
	enum fp_err err;

	if (argc < 2 || parse_int64(argv[1], 1, INT64_MAX, &id) != FP_OK)
		return usage_broadcast();
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			as_json = true;
		else if (strcmp(argv[i], "--watch") == 0)
			watch = true;
		else
			return usage_broadcast();
	}
	rc = load(cfg, &l, false);
	if (rc != EX_OK)
		return rc;
	for (;;) {
		int64_t total, pending = 0;

		err = broadcast_status(l.st, id, "", &out);
		if (err != FP_OK) {
			fprintf(stderr, "fupinctl broadcast: no broadcast %lld\n",
			    (long long)id);
			unload(&l);
			return err == FP_ENOTFOUND ? EX_NOINPUT : EX_UNAVAILABLE;
		}
		json_object_object_get_ex(out, "counts", &counts);
		total = int_of(out, "recipients");
		pending = int_of(counts, "pending");
		if (!watch || !isatty(STDOUT_FILENO))
			break;
		progress(total - pending, total);
		if (strcmp(ctl_json_str(out, "status"), "finished") == 0 ||
		    strcmp(ctl_json_str(out, "status"), "cancelled") == 0) {
			printf("\n");
			break;
		}
		json_object_put(out);
		out = NULL;
		sleep(1);
	}
	if (as_json)
		ctl_print_json(out);
	else {
		printf("broadcast %s (%s): %s, %s recipients, %lld segments "
		    "sent\n", ctl_json_str(out, "id"), ctl_json_str(out, "kind"),
		    ctl_json_str(out, "status"), ctl_json_str(out, "recipients"),
		    (long long)int_of(out, "segments_sent"));
		printf("  created %s  started %s  finished %s\n",
		    ctl_json_str(out, "created_at"), ctl_json_str(out, "started_at"),
		    ctl_json_str(out, "finished_at"));
		json_object_object_foreach(counts, k, v) {
			printf("  %-10s %lld\n", k, (long long)
			    json_object_get_int64(v));
		}
	}
	json_object_put(out);
	unload(&l);
	return EX_OK;
}

struct cancel_arg {
	int64_t	 id;
};

static enum fp_err
cancel_fn(struct store *st, void *arg)
{
	struct cancel_arg *a = arg;

	return broadcast_cancel(st, a->id, "", ACTOR, (int64_t)time(NULL));
}

static int
bc_cancel(const struct cfg *cfg, int argc, char **argv)
{
	struct cancel_arg a;
	struct loaded l;
	enum fp_err err;
	int rc;

	if (argc != 2 || parse_int64(argv[1], 1, INT64_MAX, &a.id) != FP_OK)
		return usage_broadcast();
	rc = load(cfg, &l, false);
	if (rc != EX_OK)
		return rc;
	err = in_tx(l.st, cancel_fn, &a);
	unload(&l);
	if (err == FP_ENOTFOUND) {
		fprintf(stderr, "fupinctl broadcast: no broadcast %lld\n",
		    (long long)a.id);
		return EX_NOINPUT;
	}
	if (err == FP_EBUSY) {
		fprintf(stderr, "fupinctl broadcast: %lld has finished or was "
		    "cancelled\n", (long long)a.id);
		return EX_DATAERR;
	}
	if (err != FP_OK)
		return EX_UNAVAILABLE;
	printf("broadcast %lld cancelled\n", (long long)a.id);
	return EX_OK;
}

int
ctl_broadcast(const struct cfg *cfg, int argc, char **argv)
{
	if (argc < 2)
		return usage_broadcast();
	if (strcmp(argv[1], "create") == 0)
		return bc_create(cfg, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return bc_list(cfg, argc - 1, argv + 1);
	if (strcmp(argv[1], "status") == 0)
		return bc_status(cfg, argc - 1, argv + 1);
	if (strcmp(argv[1], "cancel") == 0)
		return bc_cancel(cfg, argc - 1, argv + 1);
	return usage_broadcast();
}

/* ---- fupinctl alert ---------------------------------------------------- */

struct alert_arg {
	const struct svc_ctx	*ctx;
	const struct alert_req	*r;
	int64_t			 id;
	struct json_object	*numbers;
	const char		*why;
	const char		*missing;
};

static enum fp_err
alert_fn(struct store *st, void *arg)
{
	struct alert_arg *a = arg;

	return alert_create(st, a->ctx, a->r, (int64_t)time(NULL), &a->id,
	    a->numbers, &a->why, &a->missing);
}

static int
usage_alert(void)
{
	fprintf(stderr, "usage: fupinctl alert (--cadre ID... | --area A) "
	    "(--text TEXT | --template NAME [--var K=V]...)\n"
	    "           [--due YYYY-MM-DD] [--urgent] [--no-ack] [--json]\n");
	return EX_USAGE;
}

int
ctl_alert(const struct cfg *cfg, int argc, char **argv)
{
	struct json_object *o = json_object_new_object(), *cadres = NULL;
	struct alert_req *r = NULL;
	struct alert_arg a;
	struct loaded l;
	const char *why = NULL;
	bool as_json = false;
	int i, rc;
	enum fp_err err;

	for (i = 1; i < argc; i++) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(k, "--urgent") == 0)
			json_object_object_add(o, "urgent",
			    json_object_new_boolean(1));
		else if (strcmp(k, "--no-ack") == 0)
			json_object_object_add(o, "ack_required",
			    json_object_new_boolean(0));
		else if (strcmp(k, "--json") == 0)
			as_json = true;
		else if (v == NULL)
			goto usage;
		else if (strcmp(k, "--cadre") == 0) {
			if (cadres == NULL) {
				cadres = json_object_new_array();
				json_object_object_add(o, "cadres", cadres);
			}
			json_object_array_add(cadres, json_object_new_string(v));
			i++;
		} else if (strcmp(k, "--area") == 0 || strcmp(k, "--text") == 0 ||
		    strcmp(k, "--template") == 0 || strcmp(k, "--due") == 0)
			add_str(o, k + 2, v), i++;
		else if (strcmp(k, "--var") == 0 && add_var(o, v))
			i++;
		else
			goto usage;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL || alert_parse(o, NULL, r, &why) != FP_OK) {
		fprintf(stderr, "fupinctl alert: %s\n", why != NULL ? why :
		    "out of memory");
		free(r);
		json_object_put(o);
		return EX_DATAERR;
	}
	r->created_by = ACTOR;
	r->scope = "";
	rc = load(cfg, &l, true);
	if (rc != EX_OK) {
		free(r);
		json_object_put(o);
		return rc;
	}
	memset(&a, 0, sizeof(a));
	a.ctx = &l.ctx;
	a.r = r;
	a.numbers = json_object_new_array();
	err = in_tx(l.st, alert_fn, &a);
	if (err == FP_OK) {
		if (as_json)
			printf("{\"id\":\"%lld\",\"task_numbers\":%s}\n",
			    (long long)a.id, json_object_to_json_string_ext(
			    a.numbers, JSON_C_TO_STRING_PLAIN));
		else
			printf("alert %lld: tasks %s\n", (long long)a.id,
			    json_object_to_json_string_ext(a.numbers,
			    JSON_C_TO_STRING_PLAIN));
		rc = EX_OK;
	} else {
		fprintf(stderr, "fupinctl alert: %s\n", a.why != NULL ? a.why :
		    fp_strerror(err));
		rc = err == FP_EINVAL || err == FP_ENOTFOUND ? EX_DATAERR :
		    EX_UNAVAILABLE;
	}
	json_object_put(a.numbers);
	unload(&l);
	free(r);
	json_object_put(o);
	return rc;
usage:
	json_object_put(o);
	return usage_alert();
}
