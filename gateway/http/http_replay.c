/*
 * http_replay.c: answers to signed requests (see http_replay.h).  A ring
 * of entries in arrival order (timestamps arrive roughly in order, so
 * the oldest is the first to expire) and an open-addressing index over
 * it, both under one mutex: a signed request costs one lookup.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "http_replay.h"

#define INDEX_SIZE	(HTTP_REPLAY_MAX * 2)	/* power of two */

struct entry {
	uint8_t		 sig[SHA256_LEN];
	int64_t		 until;
	int		 status;	/* 0: being answered */
	const char	*content_type;
	char		*body;
	size_t		 body_len;
	bool		 used;		/* indexed (not forgotten) */
};

struct http_replay {
	pthread_mutex_t	 lock;
	struct entry	*ring;		/* HTTP_REPLAY_MAX */
	size_t		 head, n;	/* oldest, count */
	int32_t		*index;		/* INDEX_SIZE slots: ring pos + 1 */
};

struct http_replay *
http_replay_new(void)
{
	struct http_replay *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->ring = calloc(HTTP_REPLAY_MAX, sizeof(*r->ring));
	r->index = calloc(INDEX_SIZE, sizeof(*r->index));
	if (r->ring == NULL || r->index == NULL ||
	    pthread_mutex_init(&r->lock, NULL) != 0) {
		free(r->ring);
		free(r->index);
		free(r);
		return NULL;
	}
	return r;
}

void
http_replay_free(struct http_replay *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < HTTP_REPLAY_MAX; i++)
		free(r->ring[i].body);
	free(r->ring);
	free(r->index);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static size_t
slot_of(const uint8_t sig[SHA256_LEN])
{
	uint32_t h;

	memcpy(&h, sig, sizeof(h));	/* an HMAC: already uniform */
	return h & (INDEX_SIZE - 1);
}

/* The index slot holding sig, or the empty slot where it would go. */
static size_t
find(const struct http_replay *r, const uint8_t sig[SHA256_LEN])
{
	size_t s = slot_of(sig);

	while (r->index[s] != 0 &&
	    memcmp(r->ring[r->index[s] - 1].sig, sig, SHA256_LEN) != 0)
		s = (s + 1) & (INDEX_SIZE - 1);
	return s;
}

/* Remove the index slot s, moving later entries of its run back. */
static void
unindex(struct http_replay *r, size_t s)
{
	size_t next = (s + 1) & (INDEX_SIZE - 1), home;

	r->index[s] = 0;
	while (r->index[next] != 0) {
		home = slot_of(r->ring[r->index[next] - 1].sig);
		/* Move back when its home is not in (s, next]. */
		if ((next > s && (home <= s || home > next)) ||
		    (next < s && home <= s && home > next)) {
			r->index[s] = r->index[next];
			r->index[next] = 0;
			s = next;
		}
		next = (next + 1) & (INDEX_SIZE - 1);
	}
}

/* Drop the oldest entry. */
static void
drop_oldest(struct http_replay *r)
{
	struct entry *e = &r->ring[r->head];

	if (e->used)
		unindex(r, find(r, e->sig));
	free(e->body);
	memset(e, 0, sizeof(*e));
	r->head = (r->head + 1) % HTTP_REPLAY_MAX;
	r->n--;
}

/* -fanalyzer: *body is the caller's (the request frees it); a false
 * "leak" (gcc 12 loses the store through the out-parameter). */
FP_ANALYZER_LEAK_OFF
bool
http_replay_claim(struct http_replay *r, const uint8_t sig[SHA256_LEN],
    int64_t now, int64_t until, int *status, const char **content_type,
    char **body, size_t *body_len)
{
	struct entry *e;
	size_t s, pos;

	*body = NULL;
	*body_len = 0;
	pthread_mutex_lock(&r->lock);
	while (r->n > 0 && r->ring[r->head].until < now)
		drop_oldest(r);
	s = find(r, sig);
	if (r->index[s] != 0) {
		e = &r->ring[r->index[s] - 1];
		*status = e->status != 0 ? e->status : 409;
		*content_type = e->content_type;
		if (e->body != NULL) {
			*body = malloc(e->body_len + 1);
			if (*body != NULL) {
				memcpy(*body, e->body, e->body_len);
				(*body)[e->body_len] = '\0';
				*body_len = e->body_len;
			}
		}
		pthread_mutex_unlock(&r->lock);
		return false;
	}
	if (r->n == HTTP_REPLAY_MAX) {
		drop_oldest(r);
		s = find(r, sig);
	}
	pos = (r->head + r->n) % HTTP_REPLAY_MAX;
	e = &r->ring[pos];
	memcpy(e->sig, sig, SHA256_LEN);
	e->until = until;
	e->used = true;
	r->index[s] = (int32_t)pos + 1;
	r->n++;
	pthread_mutex_unlock(&r->lock);
	return true;
}
FP_ANALYZER_LEAK_ON

/* -fanalyzer: the body is the entry's, freed when it is dropped or
 * answered again; a false "leak" (stores through the ring). */
FP_ANALYZER_LEAK_OFF
void
http_replay_answer(struct http_replay *r, const uint8_t sig[SHA256_LEN],
    int status, const char *content_type, const char *body, size_t len)
{
	struct entry *e;
	size_t s;

	pthread_mutex_lock(&r->lock);
	s = find(r, sig);
	if (r->index[s] != 0) {
		e = &r->ring[r->index[s] - 1];
		e->status = status;
		e->content_type = content_type;
		free(e->body);
		e->body = NULL;
		e->body_len = 0;
		if (body != NULL && len <= HTTP_REPLAY_BODY_MAX) {
			e->body = malloc(len + 1);
			if (e->body != NULL) {
				memcpy(e->body, body, len);
				e->body[len] = '\0';
				e->body_len = len;
			}
		}
	}
	pthread_mutex_unlock(&r->lock);
}
FP_ANALYZER_LEAK_ON

void
http_replay_forget(struct http_replay *r, const uint8_t sig[SHA256_LEN])
{
	size_t s;

	pthread_mutex_lock(&r->lock);
	s = find(r, sig);
	if (r->index[s] != 0) {
		/* The ring keeps its slot (expiring in turn); only the
		 * index forgets it. */
		struct entry *e = &r->ring[r->index[s] - 1];

		unindex(r, s);
		e->used = false;
		e->status = 0;
		free(e->body);
		e->body = NULL;
	}
	pthread_mutex_unlock(&r->lock);
}
