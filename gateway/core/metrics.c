/*
 * metrics.c: request counters (see metrics.h).  They live in a small
 * fixed table under a mutex: routes are few and statuses fewer, and a
 * scrape is rare next to requests.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define METRICS_MAX 256

struct counter {
	const char	*route;
	int		 status;
	uint64_t	 count;
};

struct metrics {
	pthread_mutex_t	 lock;
	struct counter	 c[METRICS_MAX];
	size_t		 n;
};

struct metrics *
metrics_new(void)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (m != NULL && pthread_mutex_init(&m->lock, NULL) != 0) {
		free(m);
		return NULL;
	}
	return m;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void
metrics_count_request(struct metrics *m, const char *route, int status)
{
	size_t i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->n; i++) {
		if (m->c[i].status == status &&
		    strcmp(m->c[i].route, route) == 0) {
			m->c[i].count++;
			pthread_mutex_unlock(&m->lock);
			return;
		}
	}
	if (m->n < METRICS_MAX) {
		m->c[m->n].route = route;
		m->c[m->n].status = status;
		m->c[m->n].count = 1;
		m->n++;
	}
	pthread_mutex_unlock(&m->lock);
}

uint64_t
metrics_requests(struct metrics *m, const char *route, int status)
{
	uint64_t v = 0;
	size_t i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->n; i++)
		if (m->c[i].status == status &&
		    strcmp(m->c[i].route, route) == 0)
			v = m->c[i].count;
	pthread_mutex_unlock(&m->lock);
	return v;
}

void
metrics_each_request(struct metrics *m, void (*fn)(const char *route,
    int status, uint64_t n, void *arg), void *arg)
{
	size_t i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->n; i++)
		fn(m->c[i].route, m->c[i].status, m->c[i].count, arg);
	pthread_mutex_unlock(&m->lock);
}
