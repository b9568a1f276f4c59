/*
 * bridge_util.h: helpers of the bridge suite (test_bridge.c) that are
 * not about the bridge: running a shell script, the certificates and
 * password file of the TLS test (made with the openssl and
 * mosquitto_passwd commands in the test's directory), and counting the
 * event_ids a subscriber received.
 */
#ifndef FP_BRIDGE_UTIL_H
#define FP_BRIDGE_UTIL_H

#include <stdbool.h>
#include <stddef.h>

/* Run `script` with /bin/sh -c; output into *out (may be NULL) as
 * tu_run; returns the exit status or -1. */
int bu_sh(const char *script, char **out);

/*
 * In dir: ca.crt (a test CA), server.crt/.key (for 127.0.0.1, signed by
 * the CA), client.crt/.key (signed by the CA), other-ca.crt (an unrelated
 * CA) and passwd (mosquitto's password file with user/password).
 * Returns false with the commands' output in *why (caller frees).
 */
bool bu_make_tls(const char *dir, const char *user, const char *password,
    char **why);

/* One event_id known to the test, and how often the subscriber got it. */
struct bu_event {
	char	 id[40];
	long long row;		/* event_outbox.id */
	bool	 was_relayed;	/* relayed_at set at the moment of interest */
	int	 hits;
};

/*
 * Every row of event_outbox in db_path, sorted by event_id, into a new
 * array (*n rows; caller frees).  NULL on error.
 */
struct bu_event *bu_load_events(const char *db_path, size_t *n);

/*
 * Count in evs[] each "<root>/events/<type> {...}" line of the
 * subscriber output `text` (mosquitto_sub -v); returns the number of
 * event lines, or -1 when a line names an event_id not in evs[].
 */
long bu_count_hits(struct bu_event *evs, size_t n, const char *text);

#endif
