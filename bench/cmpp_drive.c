/*
 * cmpp_drive.c: drives the cmpp provider alone, as the sender's I/O
 * thread does (send_batch, a batch at a time), for bench/cmpp_bench.sh:
 *
 *   cmpp_drive HOST PORT SECRET MESSAGES [WINDOW [BATCH [LONG]]]
 *
 * One link (SP id 901234), `window` submits unanswered at most (default
 * 16), MESSAGES messages in batches of BATCH (default 256, the sender's
 * SENDER_BATCH): one-part Chinese texts, or with LONG = 1 three-part ones
 * (UCS-2 with UDH).  Prints one line: messages, accepted, submits (short
 * messages), seconds from the first send to the last answer, submits per
 * second, and submit -> SUBMIT_RESP latency p50 and p99 as the link's
 * histogram (the /metrics one) gives them: the upper bound of the bucket
 * holding the percentile.  No database and no writer: link_inbound is
 * closed, so reports would be answered "try later" (the bench asks for
 * none).
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

#define SP_ID	"901234"

struct hist {
	uint64_t le[LINK_LATENCY_BUCKETS];
	uint64_t count;
	uint64_t submits;
	uint64_t up;
};

static void
on_metric(const char *provider, const char *metric, uint64_t v, void *arg)
{
	struct hist *h = arg;
	char name[48];
	size_t i;

	if (strcmp(provider, "bench") != 0)
		return;
	if (strcmp(metric, "latency_count") == 0)
		h->count = v;
	else if (strcmp(metric, "submits") == 0)
		h->submits = v;
	else if (strcmp(metric, "up") == 0)
		h->up = v;
	for (i = 0; i + 1 < LINK_LATENCY_BUCKETS; i++) {
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
	static char one[] = "扶贫办通知：明天上午九点村委会开会。";
	static char three[] = "扶贫办通知：雨露计划职业培训下周一开班，"
	    "请建档立卡户家庭的学生带上身份证和户口本到乡政府报名，返乡创业补贴"
	    "同时受理，详情咨询驻村干部。培训期间提供免费食宿和交通补助，结业后"
	    "推荐就业，考核合格者另发技能证书，欢迎大家踊跃报名参加。";
	struct provider_result *res;
	struct outbox_item *items;
	struct hist h;
	struct cfg *cfg = NULL;
	char text[1024], *errors = NULL, (*to)[20];
	int64_t n, window = 16, batch = 256, is_long = 0, i, k, accepted = 0;
	double t0, t1;
	void *ctx = NULL;

	if (argc < 5 || parse_int64(argv[4], 1, 10000000, &n) != FP_OK ||
	    (argc > 5 && parse_int64(argv[5], 1, 1024, &window) != FP_OK) ||
	    (argc > 6 && parse_int64(argv[6], 1, 100000, &batch) != FP_OK) ||
	    (argc > 7 && parse_int64(argv[7], 0, 1, &is_long) != FP_OK)) {
		fprintf(stderr, "usage: cmpp_drive HOST PORT SECRET MESSAGES "
		    "[WINDOW [BATCH [LONG]]]\n");
		return 64;
	}
	log_init("cmpp_drive", LOG_LEVEL_ERROR);
	snprintf(text, sizeof(text), "providers = ( { name = \"bench\"; "
	    "type = \"cmpp\"; host = \"%s\"; port = %s; source_addr = \""
	    SP_ID "\"; shared_secret = \"%s\"; window = %lld; timeout = 10; "
	    "} );\n", argv[1], argv[2], argv[3], (long long)window);
	if (cfg_load_string(text, "cmpp_drive", &cfg, &errors) != FP_OK) {
		fprintf(stderr, "cmpp_drive: %s\n", errors);
		free(errors);
		return 78;
	}
	if (provider_cmpp_ops.open(cfg, &cfg->providers[0], &ctx) != FP_OK) {
		fprintf(stderr, "cmpp_drive: cannot open the provider\n");
		cfg_free(cfg);
		return 69;
	}
	items = calloc((size_t)batch, sizeof(*items));
	res = calloc((size_t)batch, sizeof(*res));
	to = calloc((size_t)batch, sizeof(*to));
	if (items == NULL || res == NULL || to == NULL)
		return 71;
	/* Logged in before the clock starts. */
	for (k = 0; k < 100; k++) {
		memset(&h, 0, sizeof(h));
		link_stats_each(on_metric, &h);
		if (h.up == 1)
			break;
		nanosleep(&(struct timespec){ 0, 50000000L }, NULL);
	}
	t0 = now_s();
	for (i = 0; i < n; i += k) {
		for (k = 0; k < batch && i + k < n; k++) {
			snprintf(to[k], sizeof(to[k]), "+86138%08lld",
			    (long long)((i + k) % 100000000));
			items[k].id = i + k + 1;
			items[k].to = to[k];
			items[k].text = is_long ? three : one;
			items[k].segments = is_long ? 3 : 1;
		}
		memset(res, 0, (size_t)k * sizeof(*res));
		provider_cmpp_ops.send_batch(ctx, items, (size_t)k, res);
		for (k = 0; k < batch && i + k < n; k++) {
			accepted += res[k].outcome == PROVIDER_ACCEPTED;
			free(res[k].msgid);
		}
	}
	t1 = now_s();
	memset(&h, 0, sizeof(h));
	link_stats_each(on_metric, &h);
	printf("messages=%lld accepted=%lld submits=%llu seconds=%.3f "
	    "submits_per_s=%.0f p50_us_le=%llu p99_us_le=%llu window=%lld\n",
	    (long long)n, (long long)accepted, (unsigned long long)h.submits,
	    t1 - t0, (double)h.submits / (t1 - t0),
	    (unsigned long long)percentile(&h, 50),
	    (unsigned long long)percentile(&h, 99), (long long)window);
	provider_cmpp_ops.close(ctx);
	free(items);
	free(res);
	free(to);
	cfg_free(cfg);
	return accepted == n ? 0 : 1;
}
