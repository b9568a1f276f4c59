/*
 * gw.c: the running gateway's shared state, made and released (see
 * gateway.h).
 */
#include <string.h>
#include <time.h>

#include "gateway.h"
#include "metrics.h"

static void
close_store(void *p)
{
	store_close(p);
}

enum fp_err
gw_init(struct gw *gw, const struct cfg *cfg)
{
	memset(gw, 0, sizeof(*gw));
	gw->cfg = cfg;
	gw->started_at = time(NULL);
	gw->metrics = metrics_new();
	if (gw->metrics == NULL)
		return FP_ENOMEM;
	if (pthread_key_create(&gw->store_key, close_store) != 0) {
		metrics_free(gw->metrics);
		gw->metrics = NULL;
		return FP_ENOMEM;
	}
	return FP_OK;
}

void
gw_cleanup(struct gw *gw)
{
	store_close(pthread_getspecific(gw->store_key));
	pthread_setspecific(gw->store_key, NULL);
	pthread_key_delete(gw->store_key);
	metrics_free(gw->metrics);
	gw->metrics = NULL;
}

struct svc_ctx
gw_svc_ctx(const struct gw *gw)
{
	struct svc_ctx ctx = { gw->cfg, gw->tpl, gw->menu, gw->id_key };

	return ctx;
}
