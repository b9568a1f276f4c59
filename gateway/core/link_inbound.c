/*
 * link_inbound.c: MO, reports and part ids from providers' links, as
 * writer jobs (see link_inbound.h), and the links' counters.
 *
 * A read-write lock guards the writer and the MO function: calls hold
 * it shared while they hand a job over (writer_submit does not block),
 * open and close hold it exclusive, so after link_inbound_close returns
 * nothing hands anything to the writer any more.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlr.h"
#include "link_inbound.h"
#include "log.h"
#include "writer.h"

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static struct writer *writer;		/* borrowed, NULL: closed */
static link_mo_fn *mo_job;
static void *mo_job_arg;

enum kind { K_MO, K_REPORT, K_PARTS };

/* One call's job; owns its strings. */
struct job {
	enum kind	 kind;
	link_done_fn	*done;
	void		*done_arg;
	int64_t		 now;
	int64_t		 id;		/* K_MO: the stored message */
	link_mo_fn	*mo_fn;		/* K_MO: taken at hand-over */
	void		*mo_arg;
	struct link_mo	 mo;		/* strings in `strings` */
	struct link_report report;
	int64_t		 message_id;	/* K_PARTS */
	int		 first_part;	/* K_PARTS: of msgids[1] */
	const char	**msgids;	/* K_PARTS: [0] provider, then n */
	size_t		 n;
	char		*strings;	/* owned: every copied string */
};

static enum fp_err
job_run(struct store *st, void *arg)
{
	struct job *j = arg;
	enum fp_err err = FP_OK;
	size_t k;

	switch (j->kind) {
	case K_MO:
		return j->mo_fn(st, j->mo_arg, &j->mo, j->now, &j->id);
	case K_REPORT:
		return dlr_apply_link(st, j->report.provider, j->report.msgid,
		    j->report.message_id, j->report.part, j->report.state,
		    j->report.detail, j->now);
	case K_PARTS:
		for (k = 0; k < j->n && err == FP_OK; k++)
			err = dlr_link_part(st, j->msgids[0], j->message_id,
			    j->first_part + (int)k, j->msgids[k + 1], j->now);
		return err;
	}
	return FP_EINVAL;
}

static void
job_free(struct job *j)
{
	free(j->msgids);
	free(j->strings);
	free(j);
}

/* On the writer's notifier thread, after the commit. */
static void
job_done(void *arg, enum fp_err result)
{
	struct job *j = arg;

	j->done(j->done_arg, result, result == FP_OK ? j->id : 0);
	job_free(j);
}

/* Hand j to the writer, or answer FP_EBUSY when closed. */
static void
submit(struct job *j)
{
	pthread_rwlock_rdlock(&lock);
	if (writer != NULL && j->kind == K_MO) {
		j->mo_fn = mo_job;
		j->mo_arg = mo_job_arg;
	}
	if (writer != NULL && (j->kind != K_MO || j->mo_fn != NULL)) {
		writer_submit(writer, job_run, j, job_done, j);
		pthread_rwlock_unlock(&lock);
		return;
	}
	pthread_rwlock_unlock(&lock);
	j->done(j->done_arg, FP_EBUSY, 0);
	job_free(j);
}

void
link_inbound_open(struct writer *wr, link_mo_fn *mo, void *arg)
{
	pthread_rwlock_wrlock(&lock);
	writer = wr;
	mo_job = mo;
	mo_job_arg = arg;
	pthread_rwlock_unlock(&lock);
}

void
link_inbound_close(void)
{
	pthread_rwlock_wrlock(&lock);
	writer = NULL;
	mo_job = NULL;
	mo_job_arg = NULL;
	pthread_rwlock_unlock(&lock);
}

/*
 * Copy the n strings src[] (NULL ones stay NULL) into one allocation,
 * out[i] pointing into it.  NULL when out of memory.
 */
static char *
copy_strings(const char *const *src, size_t n, const char **out)
{
	size_t i, total = 0, len;
	char *block, *p;

	for (i = 0; i < n; i++)
		if (src[i] != NULL)
			total += strlen(src[i]) + 1;
	block = malloc(total > 0 ? total : 1);
	if (block == NULL)
		return NULL;
	p = block;
	for (i = 0; i < n; i++) {
		if (src[i] == NULL) {
			out[i] = NULL;
			continue;
		}
		len = strlen(src[i]) + 1;
		memcpy(p, src[i], len);
		out[i] = p;
		p += len;
	}
	return block;
}

/* A new job of kind k answering done; NULL when out of memory. */
static struct job *
job_new(enum kind k, int64_t now, link_done_fn *done, void *done_arg)
{
	struct job *j;

	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return NULL;
	j->kind = k;
	j->done = done;
	j->done_arg = done_arg;
	j->now = now;
	return j;
}

/* Out of memory before the hand-over: free j (may be NULL) and say so. */
static void
refuse(struct job *j, link_done_fn *done, void *done_arg)
{
	if (j != NULL)
		job_free(j);
	done(done_arg, FP_ENOMEM, 0);
}

void
link_inbound_mo(const struct link_mo *mo, int64_t now, link_done_fn *done,
    void *done_arg)
{
	const char *src[5], *dst[5];
	struct job *j;
	char *text = NULL;

	j = job_new(K_MO, now, done, done_arg);
	if (j == NULL)
		goto fail;
	/* The text as given (it may hold what strlen would stop at). */
	text = malloc(mo->text_len + 1);
	if (text == NULL)
		goto fail;
	memcpy(text, mo->text, mo->text_len);
	text[mo->text_len] = '\0';
	src[0] = mo->route;
	src[1] = mo->msgid;
	src[2] = mo->from;
	src[3] = mo->to;
	src[4] = text;
	j->strings = copy_strings(src, 5, dst);
	free(text);
	if (j->strings == NULL)
		goto fail;
	j->mo.route = dst[0];
	j->mo.msgid = dst[1];
	j->mo.from = dst[2];
	j->mo.to = dst[3];
	j->mo.text = dst[4];
	j->mo.text_len = mo->text_len;
	submit(j);
	return;
fail:
	refuse(j, done, done_arg);
}

void
link_inbound_report(const struct link_report *r, int64_t now,
    link_done_fn *done, void *done_arg)
{
	const char *src[3] = { r->provider, r->msgid, r->detail }, *dst[3];
	struct job *j;

	j = job_new(K_REPORT, now, done, done_arg);
	if (j == NULL)
		goto fail;
	j->strings = copy_strings(src, 3, dst);
	if (j->strings == NULL)
		goto fail;
	j->report = *r;
	j->report.provider = dst[0];
	j->report.msgid = dst[1];
	j->report.detail = dst[2];
	submit(j);
	return;
fail:
	refuse(j, done, done_arg);
}

/* The n part ids msgids[], the first of them part first_part. */
static void
submit_parts(const char *provider, int64_t message_id, int first_part,
    const char *const *msgids, size_t n, int64_t now, link_done_fn *done,
    void *done_arg)
{
	const char **src = NULL;
	struct job *j;

	j = job_new(K_PARTS, now, done, done_arg);
	if (j == NULL)
		goto fail;
	src = calloc(n + 1, sizeof(*src));
	j->msgids = calloc(n + 1, sizeof(*j->msgids));
	if (src == NULL || j->msgids == NULL)
		goto fail;
	src[0] = provider;
	if (n > 0)
		memcpy(src + 1, msgids, n * sizeof(*src));
	j->strings = copy_strings(src, n + 1, j->msgids);
	free(src);
	src = NULL;
	if (j->strings == NULL)
		goto fail;
	j->message_id = message_id;
	j->first_part = first_part;
	j->n = n;
	submit(j);
	return;
fail:
	free(src);
	refuse(j, done, done_arg);
}

void
link_inbound_parts(const char *provider, int64_t message_id,
    const char *const *msgids, size_t n, int64_t now, link_done_fn *done,
    void *done_arg)
{
	submit_parts(provider, message_id, 1, msgids, n, now, done, done_arg);
}

void
link_inbound_part(const char *provider, int64_t message_id, int part,
    const char *msgid, int64_t now, link_done_fn *done, void *done_arg)
{
	submit_parts(provider, message_id, part, &msgid, 1, now, done,
	    done_arg);
}

/* ---- counters ------------------------------------------------------------ */

const uint64_t link_latency_bounds_us[LINK_LATENCY_BUCKETS] = {
	100, 200, 300, 500, 700, 1000, 1500, 2000, 3000, 5000, 7000, 10000,
	15000, 20000, 30000, 50000, 100000, 200000, 500000, 1000000,
	UINT64_MAX,
};

static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
static struct link_stats *stats_head;

void
link_stats_latency(struct link_stats *s, uint64_t us)
{
	size_t i = 0;

	while (us > link_latency_bounds_us[i])
		i++;
	atomic_fetch_add_explicit(&s->latency[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->latency_sum_us, us,
	    memory_order_relaxed);
}

void
link_stats_add(struct link_stats *s)
{
	pthread_mutex_lock(&stats_lock);
	s->next = stats_head;
	stats_head = s;
	pthread_mutex_unlock(&stats_lock);
}

void
link_stats_remove(struct link_stats *s)
{
	struct link_stats **pp;

	pthread_mutex_lock(&stats_lock);
	for (pp = &stats_head; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	pthread_mutex_unlock(&stats_lock);
}

static uint64_t
get(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

int
link_stats_is_up(const char *provider)
{
	struct link_stats *s;
	int up = -1;

	pthread_mutex_lock(&stats_lock);
	for (s = stats_head; s != NULL; s = s->next)
		if (s->provider != NULL && strcmp(s->provider, provider) == 0) {
			up = get(&s->is_up) != 0 ? 1 : 0;
			break;
		}
	pthread_mutex_unlock(&stats_lock);
	return up;
}

void
link_stats_each(void (*emit)(const char *provider, const char *metric,
    uint64_t v, void *arg), void *arg)
{
	struct link_stats *s;
	char name[48];
	uint64_t total;
	size_t i;

	pthread_mutex_lock(&stats_lock);
	for (s = stats_head; s != NULL; s = s->next) {
		emit(s->provider, "binds", get(&s->binds), arg);
		emit(s->provider, "bind_failures", get(&s->bind_failures), arg);
		emit(s->provider, "submits", get(&s->submits), arg);
		emit(s->provider, "throttled", get(&s->throttled), arg);
		emit(s->provider, "mo", get(&s->mo), arg);
		emit(s->provider, "reports", get(&s->reports), arg);
		emit(s->provider, "window_used", get(&s->window_used), arg);
		emit(s->provider, "window_size", get(&s->window_size), arg);
		emit(s->provider, "up", get(&s->is_up), arg);
		total = 0;
		for (i = 0; i < LINK_LATENCY_BUCKETS; i++) {
			total += get(&s->latency[i]);
			if (i + 1 == LINK_LATENCY_BUCKETS)
				break;
			snprintf(name, sizeof(name), "latency_le_%llu",
			    (unsigned long long)link_latency_bounds_us[i]);
			emit(s->provider, name, total, arg);
		}
		emit(s->provider, "latency_count", total, arg);
		emit(s->provider, "latency_sum_us", get(&s->latency_sum_us),
		    arg);
	}
	pthread_mutex_unlock(&stats_lock);
}
