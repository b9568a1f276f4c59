/*
 * api_cache.c: whole answers kept for a moment (see api_cache.h).  A
 * fixed table; a new key takes an expired entry, else the oldest.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_cache.h"

struct entry {
	char	 key[API_CACHE_KEY_MAX];
	int64_t	 made_ms;
	char	*body;		/* owned */
	size_t	 len;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry table[API_CACHE_ENTRIES];

int64_t
api_cache_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool
fresh(const struct entry *e, int64_t now_ms)
{
	return e->body != NULL && now_ms >= e->made_ms &&
	    now_ms - e->made_ms < API_CACHE_TTL_MS;
}

bool
api_cache_get(const char *key, int64_t now_ms, char **body, size_t *len)
{
	bool found = false;
	size_t i;

	*body = NULL;
	pthread_mutex_lock(&lock);
	for (i = 0; i < API_CACHE_ENTRIES; i++) {
		struct entry *e = &table[i];

		if (!fresh(e, now_ms) || strcmp(e->key, key) != 0)
			continue;
		*body = malloc(e->len + 1);
		if (*body != NULL) {
			memcpy(*body, e->body, e->len);
			(*body)[e->len] = '\0';
			*len = e->len;
			found = true;
		}
		break;
	}
	pthread_mutex_unlock(&lock);
	return found;
}

void
api_cache_put(const char *key, int64_t now_ms, const char *body, size_t len)
{
	struct entry *e = NULL;
	size_t i, key_len = strlen(key);
	char *copy;

	if (key_len >= API_CACHE_KEY_MAX)
		return;
	copy = malloc(len + 1);
	if (copy == NULL)
		return;
	memcpy(copy, body, len);
	copy[len] = '\0';
	pthread_mutex_lock(&lock);
	/* The same key, else a stale entry, else the oldest. */
	for (i = 0; i < API_CACHE_ENTRIES && e == NULL; i++)
		if (table[i].body != NULL && strcmp(table[i].key, key) == 0)
			e = &table[i];
	for (i = 0; i < API_CACHE_ENTRIES && e == NULL; i++)
		if (!fresh(&table[i], now_ms))
			e = &table[i];
	if (e == NULL) {
		e = &table[0];
		for (i = 1; i < API_CACHE_ENTRIES; i++)
			if (table[i].made_ms < e->made_ms)
				e = &table[i];
	}
	free(e->body);
	memcpy(e->key, key, key_len + 1);
	e->made_ms = now_ms;
	e->body = copy;
	e->len = len;
	pthread_mutex_unlock(&lock);
}
