/*
 * ctl_feedback.c: fupinctl feedback list|close and fupinctl stats, as
 * actor "fupinctl" with no area scope; tables, or --json.  Exit 0, 64
 * usage, 65 already closed, 66 no such ticket, 69 database unavailable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "ctl.h"
#include "feedback.h"
#include "parse.h"

static int
usage_feedback(void)
{
	fprintf(stderr, "usage: fupinctl feedback list [--status open|closed] "
	    "[--area A] [--limit N] [--json]\n"
	    "       fupinctl feedback close TICKET [--resolution TEXT]\n");
	return EX_USAGE;
}

static int
fb_list(struct store *st, int argc, char **argv)
{
	struct json_object *out = NULL, *items;
	const char *status = NULL, *area = NULL;
	struct feedback_filter filter = { 0 };
	bool as_json = false;
	int i, limit = 50;
	size_t k;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			as_json = true;
		else if (strcmp(argv[i], "--status") == 0 && i + 1 < argc)
			status = argv[++i];
		else if (strcmp(argv[i], "--area") == 0 && i + 1 < argc)
			area = argv[++i];
		else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc &&
		    parse_int(argv[i + 1], 1, 500, &limit) == FP_OK)
			i++;
		else
			return usage_feedback();
	}
	filter.area = area;
	filter.status = status;
	if (feedback_list(st, &filter, 0, limit, true, &out) != FP_OK)
		return EX_UNAVAILABLE;
	if (as_json)
		ctl_print_json(out);
	else {
		json_object_object_get_ex(out, "items", &items);
		printf("%-8s  %-6s  %-12s  %-14s  %-14s  %s\n", "TICKET",
		    "STATUS", "NUMBER", "AREA", "CATEGORY", "TEXT");
		for (k = 0; k < json_object_array_length(items); k++) {
			struct json_object *f = json_object_array_get_idx(items,
			    k);

			printf("%-8s  %-6s  %-12s  %-14s  %-14s  %s\n",
			    ctl_json_str(f, "ticket"), ctl_json_str(f, "status"),
			    ctl_json_str(f, "msisdn"), ctl_json_str(f, "area_code"),
			    ctl_json_str(f, "category"), ctl_json_str(f, "text"));
		}
	}
	json_object_put(out);
	return EX_OK;
}

static int
fb_close(struct store *st, int argc, char **argv)
{
	const char *resolution = NULL;
	enum fp_err err;

	if (argc == 4 && strcmp(argv[2], "--resolution") == 0)
		resolution = argv[3];
	else if (argc != 2)
		return usage_feedback();
	err = store_begin(st);
	if (err == FP_OK)
		err = feedback_close(st, argv[1], "", "fupinctl", resolution,
		    (int64_t)time(NULL));
	if (err == FP_OK)
		err = store_commit(st);
	else
		store_rollback(st);
	if (err == FP_ENOTFOUND) {
		fprintf(stderr, "fupinctl feedback: no ticket %s\n", argv[1]);
		return EX_NOINPUT;
	}
	if (err == FP_EBUSY) {
		fprintf(stderr, "fupinctl feedback: %s is closed already\n",
		    argv[1]);
		return EX_DATAERR;
	}
	if (err != FP_OK)
		return EX_UNAVAILABLE;
	printf("%s closed\n", argv[1]);
	return EX_OK;
}

int
ctl_feedback(const struct cfg *cfg, int argc, char **argv)
{
	struct store *st = NULL;
	int rc;

	if (argc < 2 || (strcmp(argv[1], "list") != 0 &&
	    strcmp(argv[1], "close") != 0))
		return usage_feedback();
	if (ctl_open_store(cfg, &st) != FP_OK)
		return EX_UNAVAILABLE;
	rc = strcmp(argv[1], "list") == 0 ? fb_list(st, argc - 1, argv + 1) :
	    fb_close(st, argc - 1, argv + 1);
	store_close(st);
	return rc;
}

/* ---- fupinctl stats ------------------------------------------------------ */

static const struct {
	const char	*name;
	const char	*sql;
} stats[] = {
	{ "households", "SELECT count(*) FROM households" },
	{ "members", "SELECT count(*) FROM members" },
	{ "cadres", "SELECT count(*) FROM cadres" },
	{ "sms_in_today", "SELECT count(*) FROM sms_in WHERE received_at >= "
	    "strftime('%s', ?1, 'unixepoch', 'start of day')" },
	{ "sms_out_queued", "SELECT count(*) FROM sms_out WHERE status = "
	    "'queued'" },
	{ "sms_out_sending", "SELECT count(*) FROM sms_out WHERE status = "
	    "'sending'" },
	{ "sms_out_failed_today", "SELECT count(*) FROM sms_out WHERE status = "
	    "'failed' AND updated_at >= strftime('%s', ?1, 'unixepoch', "
	    "'start of day')" },
	{ "broadcasts_active", "SELECT count(*) FROM broadcasts WHERE status "
	    "IN ('scheduled', 'sending')" },
	{ "tasks_open", "SELECT count(*) FROM tasks WHERE status = 'open'" },
	{ "tasks_overdue", "SELECT count(*) FROM tasks WHERE status = 'open' "
	    "AND overdue_at IS NOT NULL" },
	{ "feedback_open", "SELECT count(*) FROM feedback WHERE status = "
	    "'open'" },
	{ "opted_out", "SELECT count(*) FROM optouts WHERE opted_out = 1" },
	{ "events_unrelayed", "SELECT count(*) FROM event_outbox WHERE "
	    "relayed_at IS NULL" },
	{ "ussd_sessions_open", "SELECT count(*) FROM ussd_sessions" },
};

int
ctl_stats(const struct cfg *cfg, int argc, char **argv)
{
	struct store *st = NULL;
	bool as_json = argc == 2 && strcmp(argv[1], "--json") == 0;
	int64_t now = (int64_t)time(NULL);
	size_t i;

	if (argc > 2 || (argc == 2 && !as_json)) {
		fprintf(stderr, "usage: fupinctl stats [--json]\n");
		return EX_USAGE;
	}
	if (ctl_open_store(cfg, &st) != FP_OK)
		return EX_UNAVAILABLE;
	if (as_json)
		printf("{");
	for (i = 0; i < sizeof(stats) / sizeof(stats[0]); i++) {
		sqlite3_stmt *stmt;
		long long v = -1;

		if (store_stmt(st, stats[i].sql, &stmt) == FP_OK) {
			/* "today" is the UTC day of the command's clock. */
			if (sqlite3_bind_parameter_count(stmt) > 0)
				sqlite3_bind_int64(stmt, 1, now);
			if (sqlite3_step(stmt) == SQLITE_ROW)
				v = sqlite3_column_int64(stmt, 0);
			sqlite3_reset(stmt);
		}
		if (as_json)
			printf("%s\"%s\":%lld", i > 0 ? "," : "", stats[i].name,
			    v);
		else
			printf("%-22s %12lld\n", stats[i].name, v);
	}
	if (as_json)
		printf("}\n");
	store_close(st);
	return EX_OK;
}
