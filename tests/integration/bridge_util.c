/*
 * bridge_util.c: see bridge_util.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "bridge_util.h"
#include "testutil.h"

int
bu_sh(const char *script, char **out)
{
	char *argv[] = { "/bin/sh", "-c", (char *)(uintptr_t)script, NULL };

	return tu_run(argv, out);
}

bool
bu_make_tls(const char *dir, const char *user, const char *password,
    char **why)
{
	/* EC keys: quick to make, even on a slow CI machine. */
	static const char fmt[] =
	    "set -e; cd '%s'\n"
	    "K='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'\n"
	    "for ca in ca other-ca; do\n"
	    "  openssl req -x509 $K -keyout $ca.key -out $ca.crt -days 2 "
	    "-subj /CN=fupin-test-$ca\n"
	    "done\n"
	    "for n in server client; do\n"
	    "  openssl req $K -keyout $n.key -out $n.csr -subj /CN=fupin-$n\n"
	    "done\n"
	    "printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext\n"
	    "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key "
	    "-CAcreateserial -out server.crt -days 2 -extfile san.ext\n"
	    "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key "
	    "-CAcreateserial -out client.crt -days 2\n"
	    "mosquitto_passwd -c -b passwd '%s' '%s'\n";
	char script[2048];
	char *out = NULL;
	int n, rc;

	n = snprintf(script, sizeof(script), fmt, dir, user, password);
	if (n < 0 || (size_t)n >= sizeof(script))
		return false;
	rc = bu_sh(script, &out);
	if (rc == 0) {
		free(out);
		return true;
	}
	*why = out;
	return false;
}

static int
event_cmp(const void *a, const void *b)
{
	return strcmp(((const struct bu_event *)a)->id,
	    ((const struct bu_event *)b)->id);
}

struct bu_event *
bu_load_events(const char *db_path, size_t *n)
{
	struct bu_event *evs = NULL, *grown;
	size_t cap = 0;
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;

	*n = 0;
	if (sqlite3_open(db_path, &db) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT event_id, id, relayed_at IS NOT "
	    "NULL FROM event_outbox", -1, &stmt, NULL) != SQLITE_OK)
		goto done;
	sqlite3_busy_timeout(db, 5000);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap == 0 ? 1024 : cap * 2;
			grown = realloc(evs, cap * sizeof(*evs));
			if (grown == NULL) {
				free(evs);
				evs = NULL;
				goto done;
			}
			evs = grown;
		}
		snprintf(evs[*n].id, sizeof(evs[*n].id), "%s",
		    (const char *)sqlite3_column_text(stmt, 0));
		evs[*n].row = sqlite3_column_int64(stmt, 1);
		evs[*n].was_relayed = sqlite3_column_int(stmt, 2) != 0;
		evs[*n].hits = 0;
		(*n)++;
	}
	if (evs != NULL)
		qsort(evs, *n, sizeof(*evs), event_cmp);
done:
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return evs;
}

long
bu_count_hits(struct bu_event *evs, size_t n, const char *text)
{
	const char *line, *eol, *id, *ev;
	struct bu_event key, *found;
	long lines = 0;

	for (line = text; line != NULL && *line != '\0';
	    line = eol != NULL ? eol + 1 : NULL) {
		eol = strchr(line, '\n');
		ev = strstr(line, "/events/");
		if (ev == NULL || (eol != NULL && ev > eol))
			continue;
		id = strstr(line, "{\"event_id\":\"");
		if (id == NULL || (eol != NULL && id > eol))
			continue;
		memset(&key, 0, sizeof(key));
		snprintf(key.id, sizeof(key.id), "%.36s", id + 13);
		found = bsearch(&key, evs, n, sizeof(*evs), event_cmp);
		if (found == NULL)
			return -1;
		found->hits++;
		lines++;
	}
	return lines;
}
