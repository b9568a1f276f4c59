/*
 * main.c: fupin-gateway's life cycle.
 *   args → config (exit 78 on error, nothing touched) → log → database
 *   and migrations → HTTP listen → READY=1 → wait for signals, feeding
 *   the watchdog → STOPPING=1 → stop HTTP (in-flight requests finish)
 *   → exit 0.
 * Signals are blocked in every thread and taken with sigtimedwait here,
 * so no handler runs in a random thread.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "cfg.h"
#include "broadcaster.h"
#include "checkpoint.h"
#include "cli.h"
#include "dlr_callback.h"
#include "gateway.h"
#include "http_replay.h"
#include "http_routes.h"
#include "http_server.h"
#include "link_inbound.h"
#include "log.h"
#include "outbox.h"
#include "reminder.h"
#include "rollup.h"
#include "schedule.h"
#include "sdnotify.h"
#include "sender.h"
#include "sms_link.h"
#include "store.h"
#include "templates.h"
#include "tplmap.h"
#include "ussd_engine.h"
#include "ussd_menu.h"
#include "ussd_outline.h"
#include "ussd_texts.h"
#include "writer.h"

static void
usage(void)
{
	fprintf(stderr, "usage: fupin-gateway [-c FILE] [-v] "
	    "[--check-config]\n");
}

static enum fp_err
prepare_database(const struct cfg *cfg)
{
	struct store *st = NULL;
	enum fp_err err;
	int from = 0, to = 0;

	err = gw_database_prepare(cfg, &st, &from, &to);
	if (err != FP_OK)
		return err;
	log_info("store.ready path=%s schema_from=%d schema=%d",
	    cfg->database.path, from, to);
	store_close(st);
	return FP_OK;
}

/* After each group commit: new replies may be waiting to be sent. */
static void
wake_sender(void *arg)
{
	static uint64_t seen;	/* one thread calls this (writer.h) */
	struct gw *gw = arg;
	uint64_t queued = outbox_queued_count();

	/* Messages sent straight to the sender (sendsms) need no claim:
	 * waking it for them would only run an empty one. */
	if (gw->sender != NULL && queued != seen)
		sender_wake(gw->sender, NULL);
	seen = queued;
}

#define SWEEP_MAX 500	/* expired sessions ended per tick */

static enum fp_err
sweep_job(struct store *st, void *arg)
{
	const struct gw *gw = arg;
	struct svc_ctx ctx = gw_svc_ctx(gw);
	int n = 0;
	enum fp_err err;

	err = ussd_sweep(st, &ctx, (int64_t)time(NULL), SWEEP_MAX, &n);
	if (err == FP_OK && n > 0)
		log_info("ussd.sweep ended=%d", n);
	return err;
}

/* Menu sessions nobody answered in time end with a ussd.session event. */
static void
sweep_sessions(struct gw *gw)
{
	enum fp_err err = writer_run(gw->writer, sweep_job, gw);

	if (err != FP_OK)
		log_warnx("ussd.sweep error=\"%s\"", fp_strerror(err));
}

/*
 * Wait for a stop signal, feeding the watchdog and ending expired menu
 * sessions; returns the signal.
 */
static int
serve_until_signal(const sigset_t *set, struct gw *gw)
{
	uint64_t wd_usec = sdnotify_watchdog_usec();
	struct timespec tick;
	int sig;

	/* Feed the watchdog at half its interval; wake at least each 5 s. */
	tick.tv_sec = 5;
	tick.tv_nsec = 0;
	if (wd_usec > 0 && wd_usec / 2 < 5000000) {
		tick.tv_sec = (time_t)(wd_usec / 2 / 1000000);
		tick.tv_nsec = (long)(wd_usec / 2 % 1000000) * 1000;
	}
	for (;;) {
		sig = sigtimedwait(set, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			return sig;
		if (sig == SIGHUP)
			log_info("gateway.sighup action=ignored reason=\"restart "
			    "to apply configuration changes\"");
		if (sig < 0 && errno != EAGAIN && errno != EINTR) {
			log_warn("gateway.sigwait");
			return -1;
		}
		if (wd_usec > 0)
			sdnotify_send("WATCHDOG=1");
		sweep_sessions(gw);
	}
}

/* arg: the console's outline of the menu, which shows it hidden too. */
static void
log_hidden(const char *lang, void *arg)
{
	menu_outline_hide_language(arg, lang);
	log_info("templates.language_hidden lang=%s reason=\"menu texts not "
	    "all translated\"", lang);
}

/* templates/menu.conf: the USSD and SMS menu tree. */
static enum fp_err
load_menu(const struct cfg *cfg, struct ussd_menu **out)
{
	char path[4096], *why = NULL;
	enum fp_err err;

	snprintf(path, sizeof(path), "%s/menu.conf", cfg->templates.dir);
	err = ussd_menu_load(path, out, &why);
	if (err != FP_OK)
		fprintf(stderr, "%s\n", why != NULL ? why : fp_strerror(err));
	free(why);
	return err;
}

static void
template_problem(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

/*
 * SPEC 11: with a provider that sends approved templates only, every
 * text the gateway may send needs one in provider_templates.conf: a
 * text without is refused here, naming it, not when a villager texts
 * CX at 2 a.m.  FP_ECONFIG after printing each problem.
 */
static enum fp_err
check_provider_templates(const struct cfg *cfg, const struct templates *tpl,
    const struct ussd_menu *menu)
{
	struct tplmap *map = NULL;
	struct tplmap_texts *texts = NULL;
	char *errors = NULL;
	enum fp_err err;
	int n;

	if (!tplmap_needed(cfg))
		return FP_OK;
	err = tplmap_load_cfg(cfg, &map, &errors);
	if (err != FP_OK) {
		fprintf(stderr, "%s\n", errors != NULL ? errors :
		    fp_strerror(err));
		free(errors);
		return err == FP_ENOMEM ? err : FP_ECONFIG;
	}
	err = ussd_outgoing_texts(tpl, menu, &texts);
	n = err == FP_OK ? tplmap_check(map, cfg, texts, NULL, NULL,
	    template_problem, NULL) : 0;
	if (n > 0) {
		fprintf(stderr, "%s: %d text%s without an approved template "
		    "(fupinctl templates check)\n", tplmap_file(map), n,
		    n == 1 ? "" : "s");
		err = FP_ECONFIG;
	}
	tplmap_texts_free(texts);
	tplmap_free(map);
	return err;
}

int
main(int argc, char **argv)
{
	struct http_server *srv = NULL;
	struct templates *tpl = NULL;
	struct ussd_menu *menu = NULL;
	struct menu_outline *outline = NULL;
	struct broadcaster *broadcaster = NULL;
	struct svc_ctx ctx;
	struct hmac_sha256_key id_key;
	const char *why = NULL, *name = NULL;
	struct dlr_callback *callbacks = NULL;
	struct checkpointer *checkpointer = NULL;
	struct rollup *rollup = NULL;
	char *bad = NULL;
	struct cli_opts opts;
	struct cfg *cfg;
	struct gw gw;
	sigset_t set;
	enum fp_err err;
	int sig;

	if (!cli_parse(argc, argv, false, &opts)) {
		usage();
		return EX_USAGE;
	}
	cfg = cli_load_config(&opts);
	if (cfg == NULL)
		return EX_CONFIG;
	if (opts.check_only) {
		printf("%s: configuration OK\n", cfg->file);
		cfg_free(cfg);
		return EX_OK;
	}
	log_init("fupin-gateway", opts.is_verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	log_info("gateway.start version=%s node=%s config=%s", FP_VERSION,
	    cfg->node_id, cfg->file);

	/* Local time is the schedule's: quiet hours, days, reminders. */
	schedule_use_timezone(cfg);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	err = prepare_database(cfg);
	if (err == FP_OK)
		err = gw_id_key(cfg, &id_key);
	if (err != FP_OK) {
		log_error("gateway.fatal stage=database path=%s error=\"%s\"",
		    cfg->database.path, fp_strerror(err));
		cfg_free(cfg);
		return EX_UNAVAILABLE;
	}
	err = templates_load(cfg->templates.dir, cfg->templates.default_language,
	    &tpl, &bad);
	if (err != FP_OK) {
		fprintf(stderr, "%s: templates: %s\n", bad != NULL ? bad :
		    cfg->templates.dir, fp_strerror(err));
		free(bad);
		cfg_free(cfg);
		return EX_CONFIG;
	}
	err = load_menu(cfg, &menu);
	/* The console's outline of the whole menu (before any language is
	 * hidden: it shows those as hidden). */
	if (err == FP_OK)
		err = ussd_menu_outline(menu, &outline);
	/* The language menu offers only languages whose menu is all there
	 * (issue 17; templates.show_incomplete). */
	if (err == FP_OK && !cfg->templates.show_incomplete)
		ussd_texts_hide_languages(menu, tpl, log_hidden, outline);
	ctx = (struct svc_ctx){ cfg, tpl, menu, &id_key };
	if (err == FP_OK && reminder_check(&ctx, &name, &why) != FP_OK) {
		fprintf(stderr, "%s: reminder %s: %s\n", cfg->file, name, why);
		err = FP_EINVAL;
	}
	if (err == FP_OK)
		err = check_provider_templates(cfg, tpl, menu);
	if (err != FP_OK) {
		menu_outline_free(outline);
		ussd_menu_free(menu);
		templates_free(tpl);
		cfg_free(cfg);
		return EX_CONFIG;
	}
	err = gw_init(&gw, cfg);
	if (err != FP_OK) {
		log_error("gateway.fatal stage=init error=\"%s\"",
		    fp_strerror(err));
		menu_outline_free(outline);
		ussd_menu_free(menu);
		templates_free(tpl);
		cfg_free(cfg);
		return EX_OSERR;
	}
	gw.tpl = tpl;
	gw.menu = menu;
	gw.outline = outline;
	gw.phone = ussd_sandbox;	/* the console's phone (console_phone.h) */
	gw.id_key = &id_key;
	gw.replay = http_replay_new();
	err = gw.replay != NULL ? checkpoint_start(cfg, &checkpointer) :
	    FP_ENOMEM;
	if (err == FP_OK)
		err = sender_start(cfg, &gw.sender);
	gw.sender_metrics = sender_metrics;
	if (err == FP_OK)
		err = writer_start(cfg, wake_sender, &gw, &gw.writer);
	if (err == FP_OK) {
		sender_use_writer(gw.sender, gw.writer);
		/* SPEC 11: MO and reports over providers' links (CMPP). */
		link_inbound_open(gw.writer, sms_link_receive, &ctx);
	}
	if (err == FP_OK)
		err = broadcaster_start(&ctx, gw.writer, &broadcaster);
	if (err == FP_OK)
		err = dlr_callback_start(cfg, &callbacks);
	if (err == FP_OK)
		err = rollup_start(cfg, gw.writer, &rollup);
	if (err == FP_OK)
		err = http_server_start(&gw, http_routes, &srv);
	if (err != FP_OK) {
		log_error("gateway.fatal stage=start error=\"%s\"",
		    fp_strerror(err));
		rollup_stop(rollup);
		dlr_callback_stop(callbacks);
		broadcaster_stop(broadcaster);
		link_inbound_close();
		sender_use_writer(gw.sender, NULL);
		writer_stop(gw.writer);
		sender_stop(gw.sender);
		checkpoint_stop(checkpointer);
		http_replay_free(gw.replay);
		gw_cleanup(&gw);
		menu_outline_free(outline);
		ussd_menu_free(menu);
		templates_free(tpl);
		cfg_free(cfg);
		return EX_UNAVAILABLE;
	}
	sdnotify_send("READY=1\nSTATUS=serving");
	log_info("gateway.ready listen=%s", cfg->http.listen);

	sig = serve_until_signal(&set, &gw);
	sdnotify_send("STOPPING=1");
	log_info("gateway.stopping signal=%d", sig);
	http_server_stop(srv);		/* requests in flight finish */
	rollup_stop(rollup);
	broadcaster_stop(broadcaster);
	link_inbound_close();		/* links answer "try later" now */
	sender_use_writer(gw.sender, NULL);	/* its own connections */
	writer_stop(gw.writer);		/* their commits complete */
	sender_stop(gw.sender);
	dlr_callback_stop(callbacks);
	checkpoint_stop(checkpointer);	/* the WAL into the database */
	http_replay_free(gw.replay);
	gw_cleanup(&gw);
	menu_outline_free(outline);
	ussd_menu_free(menu);
	templates_free(tpl);
	log_info("gateway.stopped");
	cfg_free(cfg);
	return sig < 0 ? EX_SOFTWARE : EX_OK;
}
