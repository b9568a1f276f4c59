/*
 * link_util.c: see link_util.h.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cfg.h"
#include "link_inbound.h"
#include "link_util.h"
#include "outbox.h"
#include "sms_link.h"
#include "store.h"
#include "templates.h"
#include "testutil.h"
#include "writer.h"

void
lu_open(struct lu_link *l, const char *db_path)
{
	char *bad = NULL;

	l->st = tu_open_store(db_path);
	ck_assert_int_eq(templates_load("templates", "zh", &l->tpl, &bad),
	    FP_OK);
}

void
lu_start(struct lu_link *l, const struct provider_ops *ops,
    const char *conf)
{
	l->cfg = tu_load_cfg(conf);
	ck_assert_int_eq(writer_start(l->cfg, NULL, NULL, &l->wr), FP_OK);
	l->ctx.cfg = l->cfg;
	l->ctx.tpl = l->tpl;
	l->ctx.menu = NULL;
	l->ctx.id_key = tu_id_key();
	link_inbound_open(l->wr, sms_link_receive, &l->ctx);
	l->ops = ops;
	ck_assert_int_eq(ops->open(l->cfg, &l->cfg->providers[0], &l->pctx),
	    FP_OK);
}

void
lu_close(struct lu_link *l)
{
	if (l->pctx != NULL)
		l->ops->close(l->pctx);
	l->pctx = NULL;
	/* Before the writer stops: nothing may hand it an MO after. */
	link_inbound_close();
	writer_stop(l->wr);
	l->wr = NULL;
	store_close(l->st);
	l->st = NULL;
	templates_free(l->tpl);
	l->tpl = NULL;
	cfg_free(l->cfg);
	l->cfg = NULL;
}

int64_t
lu_enqueue(struct lu_link *l, const char *provider, const char *to,
    const char *text)
{
	/* The machine's clock, which lu_send_round claims by. */
	return tu_enqueue(l->st, l->cfg, provider, to, text,
	    (int64_t)time(NULL));
}

size_t
lu_send_round(struct lu_link *l, const char *provider, size_t max,
    struct lu_tally *t)
{
	struct outbox_item *items = NULL;
	struct provider_result *res;
	int64_t now = (int64_t)time(NULL);
	size_t n = 0, i;

	ck_assert_int_eq(outbox_claim(l->st, provider, now, max, &items, &n),
	    FP_OK);
	if (n == 0) {
		outbox_items_free(items, n);
		return 0;
	}
	res = calloc(n, sizeof(*res));
	ck_assert_ptr_nonnull(res);
	l->ops->send_batch(l->pctx, items, n, res);
	now = (int64_t)time(NULL);
	ck_assert_int_eq(store_begin(l->st), FP_OK);
	for (i = 0; i < n; i++) {
		switch (res[i].outcome) {
		case PROVIDER_ACCEPTED:
			t->accepted++;
			ck_assert_int_eq(outbox_mark_sent(l->st, items[i].id,
			    res[i].msgid, now), FP_OK);
			break;
		case PROVIDER_RETRY:
			t->retried++;
			ck_assert_int_eq(outbox_mark_retry(l->st, items[i].id,
			    now, res[i].error, now), FP_OK);
			break;
		case PROVIDER_REJECTED:
			t->rejected++;
			ck_assert_int_eq(outbox_mark_failed(l->st, items[i].id,
			    res[i].error, now), FP_OK);
			break;
		}
		if (res[i].outcome != PROVIDER_ACCEPTED)
			snprintf(t->last_error, sizeof(t->last_error), "%s",
			    res[i].error);
		free(res[i].msgid);
	}
	ck_assert_int_eq(store_commit(l->st), FP_OK);
	free(res);
	outbox_items_free(items, n);
	return n;
}

void
lu_send_all(struct lu_link *l, const char *provider, size_t batch, int ms,
    struct lu_tally *t)
{
	int64_t end = tu_mono_ms() + ms;

	while (tu_mono_ms() < end && lu_send_round(l, provider, batch, t) > 0)
		;
}
