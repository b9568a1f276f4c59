/*
 * gateway.h: the state of one running fupin-gateway, shared by the HTTP
 * worker threads: the frozen configuration, the request counters, and a
 * database handle per thread (a struct store never crosses threads).
 */
#ifndef FP_GATEWAY_H
#define FP_GATEWAY_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "cfg.h"
#include "console_phone.h"
#include "err.h"
#include "sha256.h"
#include "store.h"
#include "svc.h"

struct http_replay;
struct menu_outline;
struct metrics;
struct sender;
struct templates;
struct ussd_menu;
struct writer;

struct gw {
	const struct cfg	*cfg;		/* borrowed, frozen */
	struct metrics		*metrics;	/* owned */
	struct http_replay	*replay;	/* signed requests' answers, owned
					 * by main */
	const struct templates	*tpl;		/* borrowed from main */
	const struct ussd_menu	*menu;		/* borrowed from main */
	/* What the console shows of the menu, and the menu in its
	 * sandbox: made by the USSD part, which the admin API may not use,
	 * and set by main (menu_outline.h, console_phone.h); NULL: none. */
	const struct menu_outline *outline;
	console_phone_fn	*phone;
	const struct hmac_sha256_key *id_key;	/* borrowed from main */
	struct writer		*writer;	/* borrowed from main */
	struct sender		*sender;	/* borrowed from main, or NULL */
	/* The senders' counters for /metrics: sender_metrics, set by main
	 * with `sender` (the page needs no header of the senders'). */
	void			(*sender_metrics)(struct sender *s,
				    void (*emit)(const char *provider,
				    const char *metric, uint64_t v, void *arg),
				    void *arg);
	pthread_key_t		 store_key;	/* this thread's struct store */
	time_t			 started_at;
};

/*
 * Set up `gw` for `cfg` (borrowed; must outlive gw).  FP_ENOMEM, FP_EIO.
 */
enum fp_err gw_init(struct gw *gw, const struct cfg *cfg);

/* The service context of gw's configuration, texts, menu and key. */
struct svc_ctx gw_svc_ctx(const struct gw *gw);

/* Release what gw_init made; the calling thread's store is closed. */
void gw_cleanup(struct gw *gw);

/*
 * The calling thread's database handle, opened on first use and closed
 * when the thread exits.  Borrowed.  FP_EIO when it cannot be opened.
 */
enum fp_err gw_store(struct gw *gw, struct store **out);

/*
 * Open a writing connection for one of the gateway's threads: the
 * configured database and durability, with automatic checkpoints off
 * (the checkpointer thread does them, outside everyone's commits).
 */
enum fp_err gw_store_open(const struct cfg *cfg, struct store **out);

/*
 * The same for threads that only move messages along (the senders, the
 * dlr-url callbacks): their commits never fsync, even with durability
 * "full".  What they write is status that delivery can repeat: lost in a
 * power cut, a message goes back a step and is sent again (delivery is
 * at least once), and the next fsync of the writer's log covers their
 * frames anyway.  What was accepted is never theirs to lose.
 */
enum fp_err gw_store_open_status(const struct cfg *cfg, struct store **out);

/*
 * Open the configured database, bring it to the newest schema and add
 * the configured programs: what the gateway does at start and fupinctl
 * before its work.  *from / *to (may be NULL) the schema versions before
 * and after.  *out is the caller's to close.  FP_EIO, FP_EBUSY, and
 * FP_EINVAL for a database newer than this program.
 */
enum fp_err gw_database_prepare(const struct cfg *cfg, struct store **out,
    int *from, int *to);

/* Add cfg's programs to the programs table (migrated database). */
enum fp_err gw_programs_sync(const struct cfg *cfg, struct store *st);

/*
 * The key of the ID-number hashes, from database.id_key_file (made by
 * gw_database_prepare when missing).  Logged once on failure.
 */
enum fp_err gw_id_key(const struct cfg *cfg, struct hmac_sha256_key *key);

/* Map the configured durability onto the store's. */
enum store_durability gw_durability(const struct cfg *cfg);

#endif
