/*
 * smpp_drive.c: drives the smpp provider alone, as the sender's I/O
 * thread does (send_batch, a batch at a time), for bench/smpp_bench.sh:
 *
 *   smpp_drive HOST PORT SYSTEM_ID PASSWORD MESSAGES [WINDOW [BATCH]]
 *
 * One bind, `window` submits in flight (default 10), MESSAGES one-part
 * GSM-7 messages in batches of BATCH (default 256, the sender's
 * SENDER_BATCH).  Prints one line: messages, accepted, seconds from the
 * first send to the last answer, submits per second, and submit ->
 * submit_sm_resp latency p50 and p99 as the link's histogram (the
 * /metrics one) gives them: the upper bound of the bucket holding the
 * percentile.  No database, no writer: MO, receipts and part ids go
 * nowhere (link_inbound is closed: the link answers them "try later").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfg.h"
#include "link_inbound.h"
#include "log.h"
#include "outbox.h"
#include "parse.h"
#include "provider.h"

struct hist {
	const char *provider;
	uint64_t le[LINK_LATENCY_BUCKETS];
	uint64_t count;
};

static void
on_metric(const char *provider, const char *metric, uint64_t v, void *arg)
{
	struct hist *h = arg;
	size_t i;

	if (strcmp(provider, h->provider) != 0)
		return;
	if (strcmp(metric, "latency_count") == 0)
		h->count = v;
	for (i = 0; i + 1 < LINK_LATENCY_BUCKETS; i++) {
		char name[48];

		snprintf(name, sizeof(name), "latency_le_%llu",
		    (unsigned long long)link_latency_bounds_us[i]);
		if (strcmp(metric, name) == 0)
			h->le[i] = v;
	}
}

/* The bucket bound (us) under which `pct` percent of answers came. */
static uint64_t
percentile(const struct hist *h, double pct)
{
	uint64_t want = (uint64_t)((double)h->count * pct / 100.0 + 0.999);
	size_t i;

	for (i = 0; i + 1 < LINK_LATENCY_BUCKETS; i++)
		if (h->le[i] >= want)
			return link_latency_bounds_us[i];
	return UINT64_MAX;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct provider_result *res;
	struct outbox_item *items;
	struct cfg *cfg = NULL;
	struct hist h;
	char conf[1024], *errors = NULL, text[64];
	int64_t messages = 0, window = 10, batch = 256, i, k, accepted = 0;
	void *ctx = NULL;
	double t0, t1;

	if (argc < 6 || parse_int64(argv[5], 1, 10000000, &messages) != FP_OK ||
	    (argc > 6 && parse_int64(argv[6], 1, 1024, &window) != FP_OK) ||
	    (argc > 7 && parse_int64(argv[7], 1, 100000, &batch) != FP_OK)) {
		fprintf(stderr, "usage: smpp_drive HOST PORT SYSTEM_ID PASSWORD "
		    "MESSAGES [WINDOW [BATCH]]\n");
		return 64;
	}
	log_init("smpp_drive", getenv("SMPP_DRIVE_VERBOSE") != NULL ?
	    LOG_LEVEL_INFO : LOG_LEVEL_WARN);
	snprintf(conf, sizeof(conf), "providers = ( { name = \"bench\"; "
	    "type = \"smpp\"; host = \"%s\"; port = %s; system_id = \"%s\"; "
	    "password = \"%s\"; window = %lld; rate = 100000; timeout = 10; "
	    "} );", argv[1], argv[2], argv[3], argv[4], (long long)window);
	if (cfg_load_string(conf, "smpp_drive", &cfg, &errors) != FP_OK) {
		fprintf(stderr, "%s\n", errors != NULL ? errors : "bad config");
		free(errors);
		return 78;
	}
	items = calloc((size_t)batch, sizeof(*items));
	res = calloc((size_t)batch, sizeof(*res));
	if (items == NULL || res == NULL ||
	    provider_smpp_ops.open(cfg, &cfg->providers[0], &ctx) != FP_OK) {
		fprintf(stderr, "smpp_drive: cannot open the provider\n");
		return 69;
	}
	/* The first batch waits for the bind; the clock starts after it. */
	t0 = 0;
	for (i = 0; i < messages; i += batch) {
		int64_t n = messages - i < batch ? messages - i : batch;

		for (k = 0; k < n; k++) {
			snprintf(text, sizeof(text), "bench %lld",
			    (long long)(i + k));
			items[k].id = i + k + 1;
			items[k].to = "+8613800000000";
			items[k].from = "10690001";
			items[k].text = strdup(text);
			items[k].encoding = GSM_ENC_GSM7;
			items[k].segments = 1;
			items[k].expires_at = (int64_t)time(NULL) + 3600;
		}
		memset(res, 0, (size_t)n * sizeof(*res));
		if (i == 0)
			t0 = now_s();
		provider_smpp_ops.send_batch(ctx, items, (size_t)n, res);
		for (k = 0; k < n; k++) {
			accepted += res[k].outcome == PROVIDER_ACCEPTED;
			free(res[k].msgid);
			free(items[k].text);
		}
	}
	t1 = now_s();
	memset(&h, 0, sizeof(h));
	h.provider = "bench";
	link_stats_each(on_metric, &h);
	printf("messages=%lld accepted=%lld seconds=%.3f submits_per_s=%.0f "
	    "p50_us_le=%llu p99_us_le=%llu window=%lld\n", (long long)messages,
	    (long long)accepted, t1 - t0, (double)accepted / (t1 - t0),
	    (unsigned long long)percentile(&h, 50),
	    (unsigned long long)percentile(&h, 99), (long long)window);
	provider_smpp_ops.close(ctx);
	free(items);
	free(res);
	cfg_free(cfg);
	return accepted == messages ? 0 : 1;
}
