/*
 * charset.h: text encodings met at the edges.  County offices export CSV
 * in UTF-8 or in GB18030; Kannel hands UCS-2 messages over as UTF-16BE.
 * Everything inside the project is UTF-8; these functions make it so.
 */
#ifndef FP_CHARSET_H
#define FP_CHARSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

/* True when buf[0..len) is valid UTF-8 (no overlongs, no surrogates). */
bool charset_is_utf8(const char *buf, size_t len);

/*
 * Decode the UTF-8 character at s[*i..len) into *cp and advance *i past
 * it.  False on invalid UTF-8 (Unicode table 3-7: no overlongs, no
 * surrogates, nothing above U+10FFFF; the rules of charset_is_utf8) or a
 * character cut off by len; *i and *cp are then unchanged.
 */
bool charset_utf8_next(const unsigned char *s, size_t len, size_t *i,
    uint32_t *cp);

/*
 * Decide the encoding of a whole file by reading it from the current
 * position to the end, in bounded memory; the position is restored.
 * *is_utf8 is true when every byte sequence is valid UTF-8 (a BOM, if
 * any, is fine), false otherwise (the caller then treats it as GB18030).
 * FP_EIO when reading or seeking fails.
 */
enum fp_err charset_sniff_file(FILE *fp, bool *is_utf8);

/*
 * Open a stream that yields the contents of `fp` (not owned; keep it open
 * while the result is used) converted from `from` (an iconv name such as
 * "GB18030" or "UTF-16BE") to UTF-8, converting in bounded chunks as it
 * is read.  Close the result with fclose(); that does not close `fp`.
 * FP_EINVAL: iconv does not know `from`.  FP_ENOMEM, FP_EIO.
 * A byte sequence invalid in `from` makes the stream report an error
 * (ferror) at that point.
 */
enum fp_err charset_open_utf8(FILE *fp, const char *from, FILE **out);

/*
 * Convert buf[0..len) from `from` to a new NUL-terminated UTF-8 string
 * in *out (caller frees), its length (without the NUL) in *out_len.
 * FP_EINVAL: unknown charset or invalid input.  FP_ENOMEM.
 */
enum fp_err charset_to_utf8(const char *from, const char *buf, size_t len,
    char **out, size_t *out_len);

#endif
