/*
 * smpp_concat.c: joining the parts of long MO (see smpp_concat.h).  A
 * small array of waiting messages, searched linearly: a handful wait at
 * any time, and the array's size bounds the memory.
 */
#include <stdlib.h>
#include <string.h>

#include "smpp_concat.h"

struct slot {
	bool	 is_used;
	char	 from[SMPP_ADDR_MAX];
	uint8_t	 from_ton;
	char	 to[SMPP_ADDR_MAX];
	unsigned ref;
	unsigned total;
	uint8_t	 data_coding;
	int64_t	 first_ns;
	uint8_t	*parts[256];	/* by seq, owned; NULL: missing */
	size_t	 lens[256];
	size_t	 n_have;
	uint64_t *tokens;	/* owned */
	size_t	 n_tokens;
	size_t	 cap_tokens;
};

struct smpp_concat {
	struct slot *slots;
	size_t	 n_slots;
};

struct smpp_concat *
smpp_concat_new(size_t max_msgs)
{
	struct smpp_concat *c;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->slots = calloc(max_msgs > 0 ? max_msgs : 1, sizeof(*c->slots));
	if (c->slots == NULL) {
		free(c);
		return NULL;
	}
	c->n_slots = max_msgs > 0 ? max_msgs : 1;
	return c;
}

static void
slot_clear(struct slot *s)
{
	size_t i;

	for (i = 0; i < 256; i++)
		free(s->parts[i]);
	free(s->tokens);
	memset(s, 0, sizeof(*s));
}

void
smpp_concat_free(struct smpp_concat *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n_slots; i++)
		slot_clear(&c->slots[i]);
	free(c->slots);
	free(c);
}

void
smpp_concat_msg_free(struct smpp_concat_msg *m)
{
	if (m == NULL)
		return;
	free(m->data);
	free(m->tokens);
	free(m);
}

static bool
same_key(const struct slot *s, const struct smpp_concat_part *p)
{
	return s->is_used && s->ref == p->ref &&
	    strcmp(s->from, p->from) == 0 && strcmp(s->to, p->to) == 0;
}

static void
copy_addr(char dst[SMPP_ADDR_MAX], const char *src)
{
	size_t n = strnlen(src, SMPP_ADDR_MAX - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The slot's message, taken out of it (the slot is cleared). */
static struct smpp_concat_msg *
take(struct slot *s)
{
	struct smpp_concat_msg *m;
	size_t i, len = 0, o = 0;

	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	for (i = 1; i <= s->total; i++)
		len += s->lens[i];
	m->data = malloc(len > 0 ? len : 1);
	if (m->data == NULL) {
		free(m);
		return NULL;
	}
	for (i = 1; i <= s->total; i++) {
		if (s->parts[i] == NULL)
			continue;
		memcpy(m->data + o, s->parts[i], s->lens[i]);
		o += s->lens[i];
	}
	m->len = len;
	memcpy(m->from, s->from, sizeof(m->from));
	m->from_ton = s->from_ton;
	memcpy(m->to, s->to, sizeof(m->to));
	m->data_coding = s->data_coding;
	m->tokens = s->tokens;
	m->n_tokens = s->n_tokens;
	m->is_partial = s->n_have < s->total;
	s->tokens = NULL;
	slot_clear(s);
	return m;
}

enum fp_err
smpp_concat_add(struct smpp_concat *c, const struct smpp_concat_part *p,
    int64_t now_ns, struct smpp_concat_msg **out)
{
	struct slot *s = NULL, *free_slot = NULL;
	uint8_t *copy;
	size_t i;

	*out = NULL;
	if (p->total < 1 || p->total > 255 || p->seq < 1 ||
	    p->seq > p->total || p->len > SMPP_PAYLOAD_MAX)
		return FP_EINVAL;
	for (i = 0; i < c->n_slots && s == NULL; i++) {
		if (same_key(&c->slots[i], p))
			s = &c->slots[i];
		else if (!c->slots[i].is_used && free_slot == NULL)
			free_slot = &c->slots[i];
	}
	if (s != NULL && s->total != p->total)
		return FP_EINVAL;
	if (s == NULL) {
		if (free_slot == NULL)
			return FP_EBUSY;
		s = free_slot;
		s->is_used = true;
		copy_addr(s->from, p->from);
		copy_addr(s->to, p->to);
		s->from_ton = p->from_ton;
		s->ref = p->ref;
		s->total = p->total;
		s->first_ns = now_ns;
	}
	if (s->n_tokens == s->cap_tokens) {
		size_t cap = s->cap_tokens > 0 ? s->cap_tokens * 2 : 4;
		uint64_t *grown = realloc(s->tokens, cap * sizeof(*grown));

		if (grown == NULL)
			goto oom;
		s->tokens = grown;
		s->cap_tokens = cap;
	}
	copy = malloc(p->len > 0 ? p->len : 1);
	if (copy == NULL)
		goto oom;
	memcpy(copy, p->data, p->len);
	if (s->parts[p->seq] == NULL)
		s->n_have++;
	free(s->parts[p->seq]);
	s->parts[p->seq] = copy;
	s->lens[p->seq] = p->len;
	if (p->seq == 1 || s->n_have == 1)
		s->data_coding = p->data_coding;
	s->tokens[s->n_tokens++] = p->token;
	if (s->n_have == s->total) {
		*out = take(s);
		if (*out == NULL)
			return FP_ENOMEM;
	}
	return FP_OK;
oom:
	if (s->n_have == 0)
		slot_clear(s);
	return FP_ENOMEM;
}

struct smpp_concat_msg *
smpp_concat_expire(struct smpp_concat *c, int64_t before_ns)
{
	size_t i;

	for (i = 0; i < c->n_slots; i++)
		if (c->slots[i].is_used && c->slots[i].first_ns < before_ns)
			return take(&c->slots[i]);
	return NULL;
}

int64_t
smpp_concat_oldest(const struct smpp_concat *c)
{
	int64_t oldest = -1;
	size_t i;

	for (i = 0; i < c->n_slots; i++)
		if (c->slots[i].is_used && (oldest < 0 ||
		    c->slots[i].first_ns < oldest))
			oldest = c->slots[i].first_ns;
	return oldest;
}

size_t
smpp_concat_count(const struct smpp_concat *c)
{
	size_t i, n = 0;

	for (i = 0; i < c->n_slots; i++)
		n += c->slots[i].is_used;
	return n;
}
