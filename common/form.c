/*
 * form.c: form-urlencoded parsing (see form.h).
 */
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "hex.h"

struct form_field {
	char	*name;
	char	*value;
	size_t	 value_len;
};

struct form {
	struct form_field f[FORM_MAX_FIELDS];
	size_t	 n;
};

/* Decode s[0..n) into a new string; *out_len its length. */
static enum fp_err
decode(const char *s, size_t n, char **out, size_t *out_len)
{
	char *d = malloc(n + 1);
	size_t i, o = 0;

	if (d == NULL)
		return FP_ENOMEM;
	for (i = 0; i < n; i++) {
		if (s[i] == '+') {
			d[o++] = ' ';
		} else if (s[i] == '%') {
			int hi, lo;

			hi = i + 1 < n ? hex_digit(s[i + 1]) : -1;
			lo = i + 2 < n ? hex_digit(s[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				free(d);
				return FP_EINVAL;
			}
			d[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			d[o++] = s[i];
		}
	}
	d[o] = '\0';
	*out = d;
	*out_len = o;
	return FP_OK;
}

enum fp_err
form_parse(const char *data, size_t len, struct form **out)
{
	struct form *f;
	size_t pos = 0;
	enum fp_err err = FP_OK;

	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return FP_ENOMEM;
	while (pos < len) {
		const char *amp = memchr(data + pos, '&', len - pos);
		size_t end = amp != NULL ? (size_t)(amp - data) : len;
		const char *eq = memchr(data + pos, '=', end - pos);
		size_t name_end = eq != NULL ? (size_t)(eq - data) : end;
		size_t nlen;
		struct form_field *ff;

		if (end > pos) {
			if (f->n == FORM_MAX_FIELDS) {
				err = FP_EINVAL;
				break;
			}
			ff = &f->f[f->n];
			err = decode(data + pos, name_end - pos, &ff->name,
			    &nlen);
			if (err != FP_OK)
				break;
			err = eq != NULL ? decode(eq + 1, end - name_end - 1,
			    &ff->value, &ff->value_len) :
			    decode("", 0, &ff->value, &ff->value_len);
			if (err != FP_OK) {
				free(ff->name);
				break;
			}
			f->n++;
		}
		pos = end + 1;
	}
	if (err != FP_OK) {
		form_free(f);
		return err;
	}
	*out = f;
	return FP_OK;
}

void
form_free(struct form *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++) {
		free(f->f[i].name);
		free(f->f[i].value);
	}
	free(f);
}

const char *
form_get(const struct form *f, const char *name, size_t *len)
{
	size_t i;

	for (i = 0; f != NULL && i < f->n; i++) {
		if (strcmp(f->f[i].name, name) == 0) {
			if (len != NULL)
				*len = f->f[i].value_len;
			return f->f[i].value;
		}
	}
	return NULL;
}
