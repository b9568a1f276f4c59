/*
 * charset.c: UTF-8 validation and conversion to UTF-8 (see charset.h).
 * The validator is strict (Unicode 15, table 3-7: no overlongs, no
 * surrogates, nothing above U+10FFFF) and skips ASCII eight bytes at a
 * time, because the importer sniffs whole registry files with it.
 * Conversion uses iconv; the streaming form wraps it in a glibc
 * fopencookie FILE so that csv.c reads converted text like any file.
 * It never substitutes or drops bytes: invalid input is an error, which
 * the stream reports through ferror().  Callers: the CSV importer
 * (GB18030 exports) and the Kannel glue (UCS-2 as UTF-16BE).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "charset.h"

#define CHARSET_CHUNK	(64 * 1024)	/* bytes read from the source */

/*
 * Length of the longest prefix of s[0..len) made of complete, valid
 * UTF-8 sequences.  *is_bad is set when it stops at an invalid sequence;
 * otherwise it stopped at the end or at a sequence cut off by the end.
 */
static size_t
utf8_prefix(const unsigned char *s, size_t len, bool *is_bad)
{
	size_t i = 0, need;
	unsigned char c, lo, hi;
	uint64_t w;

	*is_bad = false;
	while (i < len) {
		/* Registry files are mostly ASCII digits: skip 8 at once. */
		while (len - i >= 8) {
			memcpy(&w, s + i, sizeof(w));
			if ((w & UINT64_C(0x8080808080808080)) != 0)
				break;
			i += 8;
		}
		if (i == len)
			break;
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		lo = 0x80;
		hi = 0xBF;
		if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			if (c == 0xE0)
				lo = 0xA0;	/* overlong below U+0800 */
			else if (c == 0xED)
				hi = 0x9F;	/* surrogates U+D800..DFFF */
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			if (c == 0xF0)
				lo = 0x90;	/* overlong below U+10000 */
			else if (c == 0xF4)
				hi = 0x8F;	/* above U+10FFFF */
		} else {
			*is_bad = true;	/* C0, C1 overlong; F5..FF; 80..BF */
			return i;
		}
		/* The second byte has the narrowed range, the rest 80..BF. */
		if (i + 1 < len && (s[i + 1] < lo || s[i + 1] > hi)) {
			*is_bad = true;
			return i;
		}
		if (need >= 2 && i + 2 < len && (s[i + 2] & 0xC0) != 0x80) {
			*is_bad = true;
			return i;
		}
		if (need == 3 && i + 3 < len && (s[i + 3] & 0xC0) != 0x80) {
			*is_bad = true;
			return i;
		}
		if (len - i <= need)
			return i;	/* cut off by the end of the buffer */
		i += need + 1;
	}
	return i;
}

bool
charset_is_utf8(const char *buf, size_t len)
{
	bool is_bad;

	return utf8_prefix((const unsigned char *)buf, len, &is_bad) == len;
}

bool
charset_utf8_next(const unsigned char *s, size_t len, size_t *i,
    uint32_t *cp)
{
	unsigned char c = s[*i], lo = 0x80, hi = 0xBF;
	size_t need, k;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		(*i)++;
		return true;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
		v = c & 0x1Fu;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		v = c & 0x0Fu;
		if (c == 0xE0)
			lo = 0xA0;	/* overlong below U+0800 */
		else if (c == 0xED)
			hi = 0x9F;	/* surrogates U+D800..DFFF */
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		v = c & 0x07u;
		if (c == 0xF0)
			lo = 0x90;	/* overlong below U+10000 */
		else if (c == 0xF4)
			hi = 0x8F;	/* above U+10FFFF */
	} else {
		return false;
	}
	if (len - *i <= need || s[*i + 1] < lo || s[*i + 1] > hi)
		return false;
	for (k = 1; k <= need; k++) {
		if ((s[*i + k] & 0xC0) != 0x80)
			return false;
		v = (v << 6) | (s[*i + k] & 0x3Fu);
	}
	*i += need + 1;
	*cp = v;
	return true;
}

enum fp_err
charset_sniff_file(FILE *fp, bool *is_utf8)
{
	unsigned char *buf;
	fpos_t pos;
	size_t have = 0, n, ok;
	bool is_bad = false;
	enum fp_err err = FP_EIO;

	*is_utf8 = false;
	if (fgetpos(fp, &pos) != 0)
		return FP_EIO;
	buf = malloc(CHARSET_CHUNK);
	if (buf == NULL)
		return FP_ENOMEM;
	for (;;) {
		n = fread(buf + have, 1, CHARSET_CHUNK - have, fp);
		if (n == 0) {
			if (ferror(fp))
				goto fail;
			/* A sequence cut off by the end of file is invalid. */
			*is_utf8 = have == 0;
			break;
		}
		have += n;
		ok = utf8_prefix(buf, have, &is_bad);
		if (is_bad)
			break;		/* *is_utf8 stays false */
		/* Carry a cut-off sequence (at most 3 bytes) to the front. */
		memmove(buf, buf + ok, have - ok);
		have -= ok;
	}
	err = FP_OK;
fail:
	free(buf);
	clearerr(fp);
	if (fsetpos(fp, &pos) != 0)
		err = FP_EIO;
	return err;
}

/*
 * iconv takes `char **` for its input but does not write through it;
 * going through uintptr_t drops the const without -Wcast-qual noise.
 */
static char *
unconst(const char *p)
{
	return (char *)(uintptr_t)p;
}

/*
 * An iconv descriptor from `from` to UTF-8 in *cd.  glibc declares
 * iconv_open an allocator that fails with NULL, so gcc -fanalyzer takes
 * the (iconv_t)-1 it really returns for a live descriptor, and loses
 * track of the one handed to fopencookie: both are false leak reports,
 * reported here, hence the pragma.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
#endif
static enum fp_err
open_cd(const char *from, iconv_t *cd)
{
	iconv_t c;

	if (from == NULL)
		return FP_EINVAL;
	c = iconv_open("UTF-8", from);
	if (c == (iconv_t)-1)
		return errno == ENOMEM ? FP_ENOMEM : FP_EINVAL;
	*cd = c;
	return FP_OK;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/*
 * Double the output buffer of charset_to_utf8, keeping *outp and
 * *outleft (which always leaves one byte for the NUL) in step.
 */
static enum fp_err
grow_out(char **res, size_t *cap, char **outp, size_t *outleft)
{
	size_t used = *cap - 1 - *outleft;	/* offsets, not pointers */
	char *p;

	if (*cap > SIZE_MAX / 2)
		return FP_ENOMEM;
	p = realloc(*res, *cap * 2);
	if (p == NULL)
		return FP_ENOMEM;
	*cap *= 2;
	*res = p;
	*outp = p + used;
	*outleft = *cap - 1 - used;
	return FP_OK;
}

enum fp_err
charset_to_utf8(const char *from, const char *buf, size_t len, char **out,
    size_t *out_len)
{
	iconv_t cd;
	char *res = NULL, *inp, *outp;
	size_t cap, inleft, outleft, rc;
	enum fp_err err;

	*out = NULL;
	*out_len = 0;
	err = open_cd(from, &cd);
	if (err != FP_OK)
		return err;
	if (len > SIZE_MAX / 2 - 16) {
		err = FP_ENOMEM;
		goto fail;
	}
	/* Enough for CJK from 2-byte encodings; grows for the rest. */
	cap = len + len / 2 + 16;
	res = malloc(cap);
	if (res == NULL) {
		err = FP_ENOMEM;
		goto fail;
	}
	inp = unconst(buf);
	inleft = len;
	outp = res;
	outleft = cap - 1;		/* room for the NUL */
	while (inleft > 0) {
		rc = iconv(cd, &inp, &inleft, &outp, &outleft);
		if (rc != (size_t)-1)
			break;
		if (errno != E2BIG) {
			err = FP_EINVAL;	/* EILSEQ, or EINVAL: cut off */
			goto fail;
		}
		err = grow_out(&res, &cap, &outp, &outleft);
		if (err != FP_OK)
			goto fail;
	}
	/* End of input: write any shift sequence (none for UTF-8). */
	while (iconv(cd, NULL, NULL, &outp, &outleft) == (size_t)-1) {
		if (errno != E2BIG) {
			err = FP_EINVAL;
			goto fail;
		}
		err = grow_out(&res, &cap, &outp, &outleft);
		if (err != FP_OK)
			goto fail;
	}
	*outp = '\0';
	*out_len = (size_t)(outp - res);
	*out = res;
	iconv_close(cd);
	return FP_OK;
fail:
	free(res);
	iconv_close(cd);
	return err;
}

/* ---- streaming conversion through fopencookie ---------------------- */

struct conv {
	FILE		*src;		/* not owned */
	iconv_t		 cd;
	char		 in[CHARSET_CHUNK];
	size_t		 in_len;	/* unconverted bytes at the front */
	char		 pend[16];	/* converted, not yet handed out */
	size_t		 pend_len;
	size_t		 pend_pos;
	bool		 is_src_eof;
	bool		 is_flushed;	/* shift state written; done */
	int		 err;		/* errno to report from now on */
};

/* Read more source bytes after the pending ones; false at EOF/error. */
static bool
conv_fill(struct conv *cv)
{
	size_t n;

	if (cv->is_src_eof)
		return false;
	n = fread(cv->in + cv->in_len, 1, sizeof(cv->in) - cv->in_len,
	    cv->src);
	cv->in_len += n;
	if (n == 0) {
		if (ferror(cv->src))
			cv->err = EIO;
		else
			cv->is_src_eof = true;
		return false;
	}
	return true;
}

/*
 * Convert into out[0..size); returns the bytes produced, 0 at the end,
 * -1 with cv->err set when the input is invalid or unreadable.
 */
static ssize_t
conv_into(struct conv *cv, char *out, size_t size)
{
	char *inp, *outp = out;
	size_t inleft, outleft = size, rc;
	int e;

	while (outp == out && cv->err == 0) {
		if (cv->in_len == 0 && !conv_fill(cv)) {
			if (cv->err != 0)
				break;
			if (!cv->is_flushed) {
				/* Shift state; UTF-8 has none, so no E2BIG. */
				(void)iconv(cv->cd, NULL, NULL, &outp,
				    &outleft);
				cv->is_flushed = true;
			}
			return outp - out;
		}
		inp = cv->in;
		inleft = cv->in_len;
		rc = iconv(cv->cd, &inp, &inleft, &outp, &outleft);
		e = errno;
		memmove(cv->in, inp, inleft);
		cv->in_len = inleft;
		if (rc != (size_t)-1)
			continue;	/* all in; read more if none out */
		if (e == E2BIG) {
			if (outp == out)
				cv->err = EIO;	/* cannot happen: size >= 16 */
			continue;
		}
		if (e == EINVAL) {
			/* A sequence cut off by the chunk: read the rest. */
			if (conv_fill(cv))
				continue;
			if (cv->err == 0)
				cv->err = EILSEQ;	/* cut off by EOF */
			break;
		}
		cv->err = EILSEQ;
	}
	if (outp > out)
		return outp - out;	/* deliver what came before an error */
	if (cv->err != 0)
		return -1;
	return 0;
}

static ssize_t
conv_read(void *cookie, char *buf, size_t size)
{
	struct conv *cv = cookie;
	ssize_t n;
	size_t k;

	if (size == 0)
		return 0;
	if (cv->pend_pos == cv->pend_len) {
		/* stdio asks for its buffer size; tiny asks go via pend. */
		if (size >= sizeof(cv->pend)) {
			n = conv_into(cv, buf, size);
			if (n < 0)
				errno = cv->err;
			return n;
		}
		n = conv_into(cv, cv->pend, sizeof(cv->pend));
		if (n <= 0) {
			if (n < 0)
				errno = cv->err;
			return n;
		}
		cv->pend_len = (size_t)n;
		cv->pend_pos = 0;
	}
	k = cv->pend_len - cv->pend_pos;
	if (k > size)
		k = size;
	memcpy(buf, cv->pend + cv->pend_pos, k);
	cv->pend_pos += k;
	return (ssize_t)k;
}

static int
conv_close(void *cookie)
{
	struct conv *cv = cookie;

	iconv_close(cv->cd);
	free(cv);
	return 0;
}

enum fp_err
charset_open_utf8(FILE *fp, const char *from, FILE **out)
{
	cookie_io_functions_t io = {
		.read = conv_read,
		.write = NULL,
		.seek = NULL,
		.close = conv_close,
	};
	struct conv *cv;
	FILE *res;
	iconv_t cd;
	enum fp_err err;

	*out = NULL;
	err = open_cd(from, &cd);
	if (err != FP_OK)
		return err;
	cv = calloc(1, sizeof(*cv));
	if (cv == NULL) {
		iconv_close(cd);
		return FP_ENOMEM;
	}
	cv->src = fp;
	cv->cd = cd;
	res = fopencookie(cv, "r", io);
	if (res == NULL) {
		iconv_close(cv->cd);
		free(cv);
		return FP_ENOMEM;
	}
	*out = res;
	return FP_OK;
}
