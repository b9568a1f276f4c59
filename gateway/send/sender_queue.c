/*
 * sender_queue.c: the queues a sender's two threads share (see
 * sender_worker.h): ready messages for the I/O thread, outcomes for the
 * database thread.  Callers hold the worker's lock (or own the list).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "outbox.h"
#include "sender_worker.h"

void
sender_item_free(struct outbox_item *it)
{
	free(it->to);
	free(it->from);
	free(it->text);
	free(it->dlr_url);
	memset(it, 0, sizeof(*it));
}

/* ---- the shared queues (callers hold w->lock) ------------------------ */

size_t
sender_itemq_len(const struct itemq *q)
{
	return q->n - q->head;
}

/* Room for n more at the end of q; false: out of memory. */
static bool
itemq_grow(struct itemq *q, size_t n)
{
	struct outbox_item *grown;
	size_t cap;

	if (q->head > 0 && q->head == q->n) {
		q->head = 0;
		q->n = 0;
	}
	if (q->n + n <= q->cap)
		return true;
	if (q->head > 0) {
		memmove(q->v, q->v + q->head,
		    sender_itemq_len(q) * sizeof(*q->v));
		q->n -= q->head;
		q->head = 0;
	}
	cap = q->cap == 0 ? 64 : q->cap;
	while (cap < q->n + n)
		cap *= 2;
	if (cap > q->cap) {
		grown = realloc(q->v, cap * sizeof(*grown));
		if (grown == NULL)
			return false;
		q->v = grown;
		q->cap = cap;
	}
	return true;
}

int
sender_itemq_push_all(struct itemq *q, struct outbox_item *items, size_t n)
{
	size_t i;

	if (!itemq_grow(q, n)) {
		outbox_items_free(items, n);
		return -1;
	}
	for (i = 0; i < n; i++)
		q->v[q->n++] = items[i];
	free(items);
	return 0;
}

int
sender_itemq_push(struct itemq *q, struct outbox_item *it)
{
	if (!itemq_grow(q, 1))
		return -1;
	q->v[q->n++] = *it;
	memset(it, 0, sizeof(*it));
	return 0;
}

bool
sender_itemq_pop(struct itemq *q, struct outbox_item *out)
{
	if (q->head == q->n)
		return false;
	*out = q->v[q->head];
	memset(&q->v[q->head], 0, sizeof(q->v[0]));
	q->head++;
	return true;
}

void
sender_itemq_cleanup(struct itemq *q)
{
	size_t i;

	for (i = q->head; i < q->n; i++)
		sender_item_free(&q->v[i]);
	free(q->v);
	memset(q, 0, sizeof(*q));
}

void
sender_donelist_push(struct donelist *l, struct outbox_item *item,
    struct provider_result *res)
{
	struct done *grown, *d;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap == 0 ? 64 : l->cap * 2;
		grown = realloc(l->v, cap * sizeof(*grown));
		if (grown == NULL) {
			/* Left "sending"; recovered at the next start. */
			sender_item_free(item);
			free(res->msgid);
			memset(res, 0, sizeof(*res));
			return;
		}
		l->v = grown;
		l->cap = cap;
	}
	d = &l->v[l->n++];
	memset(d, 0, sizeof(*d));
	d->item = *item;
	d->res = *res;
	memset(item, 0, sizeof(*item));
	memset(res, 0, sizeof(*res));
}

int
sender_donelist_take_all(struct donelist *dst, struct donelist *src)
{
	struct donelist swap;
	struct done *grown;
	size_t cap;

	if (src->n == 0)
		return 0;
	if (dst->n == 0) {
		swap = *dst;
		*dst = *src;
		*src = swap;
		return 0;
	}
	if (dst->n + src->n > dst->cap) {
		cap = dst->cap;
		while (cap < dst->n + src->n)
			cap *= 2;
		grown = realloc(dst->v, cap * sizeof(*grown));
		if (grown == NULL)
			return -1;
		dst->v = grown;
		dst->cap = cap;
	}
	memcpy(dst->v + dst->n, src->v, src->n * sizeof(*src->v));
	dst->n += src->n;
	src->n = 0;
	return 0;
}

bool
sender_is_held_full(const struct worker *w)
{
	return w->n_held + w->done.n >= SENDER_HELD_MAX;
}

void
sender_donelist_cleanup(struct donelist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		sender_item_free(&l->v[i].item);
		free(l->v[i].res.msgid);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}
