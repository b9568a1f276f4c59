/*
 * loadgen_tmpl.c: the load generator's request templates: a URL or a
 * body with %n (the running counter, or a line of --values), %0Wn (the
 * same, W digits), %r (with --senders), and for USSD sessions %s, %g and
 * %t (loadgen.c's usage says what they are).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen.h"

#define LG_COUNTER_DIGITS	20	/* of a uint64_t */

void
tmpl_cleanup(struct tmpl *t)
{
	free(t->pieces);
	memset(t, 0, sizeof(*t));
}

/* Split `s` (which must outlive t) into pieces; false: out of memory. */
bool
tmpl_init(struct tmpl *t, const char *s)
{
	size_t cap = 2 * strlen(s) + 1, i = 0;
	const char *lit = s;

	memset(t, 0, sizeof(*t));
	t->pieces = calloc(cap, sizeof(*t->pieces));
	if (t->pieces == NULL)
		return false;
	while (s[i] != '\0') {
		size_t skip = 0;
		int width = 0;
		bool is_counter = false, is_percent = false;

		char var = 0;

		if (s[i] == '%' && (s[i + 1] == 'n' || (lg_senders > 0 &&
		    s[i + 1] == 'r') || (lg_sessions > 0 &&
		    strchr("sgt", s[i + 1]) != NULL))) {
			is_counter = true;
			var = s[i + 1];
			skip = 2;
		} else if (s[i] == '%' && s[i + 1] == '0' && s[i + 2] >= '1' &&
		    s[i + 2] <= '9' && (s[i + 3] == 'n' || (lg_senders > 0 &&
		    s[i + 3] == 'r') || (lg_sessions > 0 &&
		    (s[i + 3] == 's' || s[i + 3] == 'g')))) {
			is_counter = true;
			var = s[i + 3];
			width = s[i + 2] - '0';
			skip = 4;
		} else if (s[i] == '%' && s[i + 1] == '%') {
			is_percent = true;
			skip = 2;
		}
		if (!is_counter && !is_percent) {
			i++;
			continue;
		}
		/* The literal up to here; for %%, including one '%'. */
		t->pieces[t->n].text = lit;
		t->pieces[t->n].len = (size_t)(s + i - lit) + is_percent;
		t->max_len += t->pieces[t->n].len;
		t->n++;
		if (is_counter) {
			t->pieces[t->n].is_counter = true;
			t->pieces[t->n].var = var;
			t->pieces[t->n].width = width;
			t->max_len += var == 't' ? lg_steps_max : LG_COUNTER_DIGITS;
			t->n++;
		}
		i += skip;
		lit = s + i;
	}
	t->pieces[t->n].text = lit;
	t->pieces[t->n].len = strlen(lit);
	t->max_len += t->pieces[t->n].len;
	t->n++;
	return true;
}

/* Expand with counter `v` into out (t->max_len + 1 bytes); the length. */
size_t
tmpl_expand(const struct tmpl *t, uint64_t v, char *out)
{
	size_t i, len = 0;
	int w;

	for (i = 0; i < t->n; i++) {
		uint64_t n = v;

		if (!t->pieces[i].is_counter) {
			memcpy(out + len, t->pieces[i].text, t->pieces[i].len);
			len += t->pieces[i].len;
			continue;
		}
		if (t->pieces[i].var == 'n' && lg_values != NULL)
			n = lg_values[v % lg_n_values];
		else if (t->pieces[i].var == 'r')
			n = v % (uint64_t)lg_senders;
		else if (t->pieces[i].var != 'n') {
			uint64_t round = v / (uint64_t)lg_sessions;

			if (t->pieces[i].var == 't') {
				const char *step = lg_steps[round % lg_n_steps];

				memcpy(out + len, step, strlen(step));
				len += strlen(step);
				continue;
			}
			n = t->pieces[i].var == 's' ? v % (uint64_t)lg_sessions :
			    round / lg_n_steps;
		}
		w = snprintf(out + len, LG_COUNTER_DIGITS + 1, "%0*" PRIu64,
		    t->pieces[i].width, n);
		if (w > 0)
			len += (size_t)w;
	}
	out[len] = '\0';
	return len;
}
