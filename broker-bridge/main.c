/*
 * main.c: fupin-bridge's life cycle: args → cfg → log → store (the
 * schema must be current: the gateway or `fupinctl migrate` migrates,
 * the bridge never does) → MQTT → READY → loop → STOPPING.
 *
 * The main thread owns the relay's database handle and the MQTT client:
 * it takes what Paho's threads queued (acks, connection changes), feeds
 * the event relay, subscribes the registry consumer on each connect,
 * checks for signals, feeds the watchdog, prunes relayed events hourly
 * and logs the metrics line (bridge.stats) each minute and on SIGUSR1.
 * Registry messages are applied on Paho's receive thread by the
 * consumer, with a database handle of its own (registry_consumer.h).  A
 * broker that is down is not fatal: the outbox waits in SQLite until it
 * is back.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sysexits.h>
#include <time.h>

#include "cfg.h"
#include "cli.h"
#include "event_outbox.h"
#include "event_relay.h"
#include "log.h"
#include "migrate.h"
#include "mqtt_client.h"
#include "registry_consumer.h"
#include "schedule.h"
#include "templates.h"
#include "sdnotify.h"
#include "store.h"

#define BRIDGE_PRUNE_EVERY_S 3600

struct bridge {
	const struct cfg	*cfg;
	struct store		*st;
	struct mqtt_client	*mc;
	struct event_relay	*relay;
	struct registry_consumer *consumer;
	/* at the last bridge.stats line, for the rates */
	int64_t			 stats_at_ms;
	uint64_t		 stats_published, stats_relayed, stats_applied;
};

static int
usage(void)
{
	fprintf(stderr, "usage: fupin-bridge [-c FILE] [-v] "
	    "[--check-config]\n");
	return EX_USAGE;
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
mono_s(void)
{
	return mono_ms() / 1000;
}

/* Open the database and insist on the current schema; exit code or 0. */
static int
open_store(const struct cfg *cfg, struct store **out)
{
	enum fp_err err;
	int version = 0;

	err = store_open(cfg->database.path, cfg->database.durability ==
	    CFG_DURABILITY_FULL ? STORE_DURABILITY_FULL :
	    STORE_DURABILITY_NORMAL, out);
	if (err != FP_OK) {
		log_error("bridge.fatal stage=database path=%s error=\"%s\"",
		    cfg->database.path, fp_strerror(err));
		return EX_UNAVAILABLE;
	}
	err = migrate_version(*out, &version);
	if (err != FP_OK || version != migrate_latest()) {
		log_error("bridge.fatal stage=schema path=%s schema=%d "
		    "want=%d error=\"%s\"", cfg->database.path, version,
		    migrate_latest(), version > migrate_latest() ?
		    "the database is newer than this bridge" :
		    "schema out of date: run fupinctl migrate or start "
		    "fupin-gateway first");
		store_close(*out);
		*out = NULL;
		return EX_UNAVAILABLE;
	}
	return 0;
}

static void
handle_event(struct bridge *b, struct mqtt_event *ev)
{
	switch (ev->kind) {
	case MQTT_EV_CONNECTED:
		registry_consumer_subscribe(b->consumer);
		break;
	case MQTT_EV_LOST:
		event_relay_reset(b->relay);
		break;
	case MQTT_EV_PUBACK:
		event_relay_ack(b->relay, ev->token);
		break;
	case MQTT_EV_PUBFAIL:
		event_relay_fail(b->relay, ev->token);
		break;
	}
}

/* Events per second between two readings of a counter. */
static double
rate(uint64_t now, uint64_t before, int64_t elapsed_ms)
{
	return elapsed_ms > 0 ? (double)(now - before) * 1000.0 /
	    (double)elapsed_ms : 0.0;
}

/*
 * The metrics line: backlog (events not yet relayed) and the age of the
 * oldest, counters since start, and rates since the previous line.
 */
static void
log_stats(struct bridge *b)
{
	struct registry_consumer_stats rs;
	int64_t backlog = -1, age = -1, t = mono_ms(), dt;
	uint64_t published = event_relay_published(b->relay);
	uint64_t relayed = event_relay_relayed(b->relay);

	if (event_outbox_pending(b->st, &backlog) != FP_OK ||
	    event_outbox_oldest_age(b->st, (int64_t)time(NULL), &age) !=
	    FP_OK)
		log_warnx("bridge.stats error=\"database busy\"");
	registry_consumer_stats(b->consumer, &rs);
	dt = t - b->stats_at_ms;
	log_info("bridge.stats backlog=%lld oldest_unrelayed_s=%lld "
	    "in_flight=%zu published=%llu relayed=%llu "
	    "publish_rate_per_s=%.1f relay_rate_per_s=%.1f reconnects=%llu "
	    "connected=%s registry_applied=%llu registry_records=%llu "
	    "registry_duplicates=%llu registry_rejected=%llu "
	    "registry_rate_per_s=%.1f interval_s=%.1f",
	    (long long)backlog, (long long)age,
	    event_relay_in_flight(b->relay), (unsigned long long)published,
	    (unsigned long long)relayed,
	    rate(published, b->stats_published, dt),
	    rate(relayed, b->stats_relayed, dt),
	    (unsigned long long)mqtt_client_reconnects(b->mc),
	    mqtt_client_is_connected(b->mc) ? "yes" : "no",
	    (unsigned long long)rs.applied, (unsigned long long)rs.records,
	    (unsigned long long)rs.duplicates,
	    (unsigned long long)rs.rejected,
	    rate(rs.applied, b->stats_applied, dt), (double)dt / 1000.0);
	b->stats_at_ms = t;
	b->stats_published = published;
	b->stats_relayed = relayed;
	b->stats_applied = rs.applied;
}

static void
prune(struct bridge *b)
{
	int64_t deleted = 0;
	enum fp_err err;

	err = event_outbox_prune(b->st, (int64_t)time(NULL) -
	    b->cfg->mqtt.event_retention_s, &deleted);
	if (err != FP_OK)
		log_warnx("bridge.prune error=\"%s\" action=retry_later",
		    fp_strerror(err));
	else if (deleted > 0)
		log_info("bridge.pruned events=%lld", (long long)deleted);
}

/* Serve until SIGTERM/SIGINT; returns the signal, or -1. */
static int
serve(struct bridge *b, const sigset_t *set)
{
	static const struct timespec zero = { 0, 0 };
	uint64_t wd_usec = sdnotify_watchdog_usec();
	int64_t wd_every_s, last_wd, last_prune, last_stats, t;
	struct mqtt_event ev;
	int sig;

	wd_every_s = wd_usec > 0 ? (int64_t)(wd_usec / 2 / 1000000) : 0;
	if (wd_usec > 0 && wd_every_s < 1)
		wd_every_s = 1;
	last_wd = last_stats = mono_s();
	b->stats_at_ms = mono_ms();
	last_prune = 0;
	for (;;) {
		if (mqtt_client_next(b->mc, 20, &ev)) {
			handle_event(b, &ev);
			/* Drain what else is queued before pumping. */
			while (mqtt_client_next(b->mc, 0, &ev))
				handle_event(b, &ev);
		}
		event_relay_pump(b->relay);
		sig = sigtimedwait(set, NULL, &zero);
		if (sig == SIGTERM || sig == SIGINT)
			return sig;
		if (sig == SIGUSR1)
			log_stats(b);
		if (sig == SIGHUP)
			log_info("bridge.sighup action=ignored reason="
			    "\"restart to apply configuration changes\"");
		if (sig < 0 && errno != EAGAIN && errno != EINTR) {
			log_warn("bridge.sigwait");
			return -1;
		}
		t = mono_s();
		if (wd_every_s > 0 && t - last_wd >= wd_every_s) {
			sdnotify_send("WATCHDOG=1");
			last_wd = t;
		}
		if (last_prune == 0 || t - last_prune >= BRIDGE_PRUNE_EVERY_S) {
			prune(b);
			last_prune = t;
		}
		if (t - last_stats >= (int64_t)b->cfg->mqtt.stats_interval_s) {
			log_stats(b);
			last_stats = t;
		}
	}
}

int
main(int argc, char **argv)
{
	struct bridge b = { NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0 };
	struct cli_opts opts;
	struct templates *tpl = NULL;
	struct svc_ctx ctx;
	struct cfg *cfg;
	char *bad = NULL;
	enum fp_err err;
	sigset_t set;
	int rc, sig;

	if (!cli_parse(argc, argv, false, &opts))
		return usage();
	cfg = cli_load_config(&opts);
	if (cfg == NULL)
		return EX_CONFIG;
	b.cfg = cfg;
	if (opts.check_only) {
		printf("%s: configuration OK\n", cfg->file);
		cfg_free(cfg);
		return EX_OK;
	}
	log_init("fupin-bridge", opts.is_verbose ? LOG_LEVEL_DEBUG :
	    LOG_LEVEL_INFO);
	/* Local time is the schedule's, as in the gateway: commands' quiet
	 * hours and due times. */
	schedule_use_timezone(cfg);
	/* cmd/broadcast and cmd/alert are checked against the templates. */
	if (templates_load(cfg->templates.dir, cfg->templates.default_language,
	    &tpl, &bad) != FP_OK) {
		fprintf(stderr, "%s: templates: %s\n", cfg->file, bad != NULL ?
		    bad : cfg->templates.dir);
		free(bad);
		cfg_free(cfg);
		return EX_CONFIG;
	}
	ctx = (struct svc_ctx){ cfg, tpl, NULL, NULL };
	log_info("bridge.start version=%s node=%s config=%s uri=%s",
	    FP_VERSION, cfg->node_id, cfg->file, cfg->mqtt.uri);

	/* Block the stop signals before Paho starts its threads. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = open_store(cfg, &b.st);
	if (rc != 0)
		goto done;
	err = mqtt_client_new(cfg, REGISTRY_CONSUMER_MAX_PAYLOAD, &b.mc);
	if (err == FP_OK)
		err = event_relay_new(b.st, b.mc, cfg->mqtt.topic_root,
		    cfg->node_id, EVENT_RELAY_WINDOW, &b.relay);
	if (err == FP_OK)
		err = registry_consumer_new(cfg, b.mc, &ctx, &b.consumer);
	if (err == FP_OK) {
		mqtt_client_on_message(b.mc, registry_consumer_on_message,
		    b.consumer);
		mqtt_client_start(b.mc);
	}
	if (err != FP_OK) {
		log_error("bridge.fatal stage=start error=\"%s\"",
		    fp_strerror(err));
		rc = err == FP_ECONFIG ? EX_CONFIG : EX_UNAVAILABLE;
		goto done;
	}
	sdnotify_send("READY=1\nSTATUS=relaying");
	log_info("bridge.ready topic_root=%s", cfg->mqtt.topic_root);
	sig = serve(&b, &set);
	sdnotify_send("STOPPING=1");
	log_info("bridge.stopping signal=%d", sig);
	rc = sig < 0 ? EX_SOFTWARE : EX_OK;
done:
	/* The client goes first: no callback may outlive what it feeds
	 * (the consumer's handle is used on Paho's thread until then). */
	mqtt_client_free(b.mc);
	registry_consumer_free(b.consumer);
	event_relay_free(b.relay);
	store_close(b.st);
	if (rc == EX_OK)
		log_info("bridge.stopped");
	templates_free(tpl);
	cfg_free(cfg);
	return rc;
}
