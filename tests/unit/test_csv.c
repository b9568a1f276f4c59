/*
 * test_csv.c: the CSV reader (csv.c) and the charset layer under it
 * (charset.c), the two halves of reading a registry export (SPEC §6,
 * §9): RFC 4180 quoting, physical line numbers for FILE:LINE reports,
 * recovery after bad records, strict UTF-8, GB18030 and UTF-16BE.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "csv.h"
#include "testutil.h"

/* Found by check_main.c through the generated suites.h. */
Suite *csv_suite(void);
Suite *charset_suite(void);

/* "张三,贫困户" in GB18030, checked with iconv -f UTF-8 -t GB18030. */
#define GB_ROW		"\xd5\xc5\xc8\xfd,\xc6\xb6\xc0\xa7\xbb\xa7"
#define UTF8_ROW	"张三,贫困户"

static char *tmp_dir;
static FILE *open_fp;
static struct csv_reader *rd;

static void
setup(void)
{
	tmp_dir = tu_mkdtemp();
	ck_assert_ptr_nonnull(tmp_dir);
	open_fp = NULL;
	rd = NULL;
}

static void
teardown(void)
{
	csv_free(rd);
	if (open_fp != NULL)
		fclose(open_fp);
	tu_rmtree(tmp_dir);
	free(tmp_dir);
}

/* Write `len` bytes to a fresh file and open it for reading. */
static FILE *
open_bytes(const char *name, const void *data, size_t len)
{
	char *path;
	FILE *fp;

	path = tu_write_file(tmp_dir, name, data, len);
	ck_assert_ptr_nonnull(path);
	fp = fopen(path, "rb");
	ck_assert_ptr_nonnull(fp);
	free(path);
	return fp;
}

/* A reader over `len` bytes of CSV; freed by the fixture. */
static void
reader_over(const void *data, size_t len)
{
	open_fp = open_bytes("in.csv", data, len);
	rd = csv_new(open_fp);
	ck_assert_ptr_nonnull(rd);
}

/*
 * The next record as "f1|f2|..." (static buffer), or "ERR:<text>" for
 * an error, and its line in *line.
 */
static const char *
next_rec(long *line)
{
	static char out[256 * 1024];
	char **fields;
	size_t n, i, len = 0, k;
	enum fp_err err;

	*line = -1;
	err = csv_next(rd, &fields, &n, line);
	if (err != FP_OK) {
		snprintf(out, sizeof(out), "ERR:%s", fp_strerror(err));
		return out;
	}
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		k = strlen(fields[i]);
		ck_assert_uint_lt(len + k + 2, sizeof(out));
		if (i > 0)
			out[len++] = '|';
		memcpy(out + len, fields[i], k);
		len += k;
	}
	out[len] = '\0';
	return out;
}

/* Expect the next record to be `want` starting on `want_line`. */
#define expect_rec(want, want_line) do {				\
	long l_;							\
	ck_assert_str_eq(next_rec(&l_), (want));			\
	ck_assert_int_eq(l_, (want_line));				\
} while (0)

#define expect_end() do {						\
	long l_;							\
	ck_assert_str_eq(next_rec(&l_), "ERR:not found");		\
} while (0)

#define CSV(s)	reader_over((s), sizeof(s) - 1)

/* ---- csv ----------------------------------------------------------- */

START_TEST(td_quoted_fields_keep_commas_and_newlines)
{
	CSV("id,name\n1,\"Zhang, San\"\n2,\"line1\nline2\",x\n");
	expect_rec("id|name", 1);
	expect_rec("1|Zhang, San", 2);
	expect_rec("2|line1\nline2|x", 3);
	expect_end();
}
END_TEST

START_TEST(td_doubled_quotes_are_unescaped)
{
	CSV("\"say \"\"hi\"\"\",\"\"\"\",\"\",a\"b\n");
	/* A quote inside an unquoted field is kept as data. */
	expect_rec("say \"hi\"|\"||a\"b", 1);
	expect_end();
}
END_TEST

START_TEST(td_records_spanning_lines_report_their_first_line)
{
	CSV("member_id,note\n"
	    "1,\"a\nb\nc\"\n"
	    "2,\"x\r\ny\"\r\n"
	    "\n"
	    "3,z\n");
	expect_rec("member_id|note", 1);
	expect_rec("1|a\nb\nc", 2);
	expect_rec("2|x\r\ny", 5);
	expect_rec("3|z", 8);
	expect_end();
}
END_TEST

START_TEST(td_bom_is_skipped)
{
	CSV("\xEF\xBB\xBFid,name\n1,\xEF\xBB\xBFx\n");
	expect_rec("id|name", 1);
	/* Only a mark at the very start is skipped. */
	expect_rec("1|\xEF\xBB\xBFx", 2);
	expect_end();
}
END_TEST

START_TEST(td_bom_alone_is_an_empty_file)
{
	CSV("\xEF\xBB\xBF");
	expect_end();
}
END_TEST

START_TEST(td_crlf_line_ends)
{
	CSV("a,b\r\nc,\"d\"\r\n\r\ne\r\nf\rg\r\n\"h\"\r");
	expect_rec("a|b", 1);
	expect_rec("c|d", 2);
	expect_rec("e", 4);
	/* A CR not followed by LF is data. */
	expect_rec("f\rg", 5);
	expect_rec("h", 6);
	expect_end();
}
END_TEST

START_TEST(td_empty_lines_are_skipped)
{
	CSV("\n\na\n\r\n\n b\n\n\n");
	expect_rec("a", 3);
	expect_rec(" b", 6);
	expect_end();
	/* And stay at the end. */
	expect_end();
}
END_TEST

START_TEST(td_empty_input_has_no_records)
{
	CSV("\r\n\n\r");
	expect_end();
}
END_TEST

START_TEST(td_empty_fields_are_kept)
{
	char **fields;
	size_t n;
	long line;

	CSV("a,,\n,\n\"\"\n");
	ck_assert_int_eq(csv_next(rd, &fields, &n, &line), FP_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(fields[0], "a");
	ck_assert_str_eq(fields[1], "");
	ck_assert_str_eq(fields[2], "");
	ck_assert_int_eq(csv_next(rd, &fields, &n, &line), FP_OK);
	ck_assert_uint_eq(n, 2);
	/* A quoted empty field is a record, unlike an empty line. */
	ck_assert_int_eq(csv_next(rd, &fields, &n, &line), FP_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(fields[0], "");
	ck_assert_int_eq(line, 3);
}
END_TEST

START_TEST(td_unclosed_quote_is_an_error_to_end_of_input)
{
	CSV("h\n1,\"open\n2,x\n3,y\n");
	expect_rec("h", 1);
	expect_rec("ERR:invalid input", 2);
	ck_assert_ptr_nonnull(strstr(csv_error(rd), "quote never closes"));
	expect_end();
}
END_TEST

START_TEST(td_text_after_closing_quote_is_an_error)
{
	CSV("h\n\"a\"b,c\nd\n\"e\" ,f\n\"g\"\rh\ni\n");
	expect_rec("h", 1);
	expect_rec("ERR:invalid input", 2);
	ck_assert_ptr_nonnull(strstr(csv_error(rd), "after a closing quote"));
	expect_rec("d", 3);
	expect_rec("ERR:invalid input", 4);
	expect_rec("ERR:invalid input", 5);
	expect_rec("i", 6);
	expect_end();
}
END_TEST

START_TEST(td_too_many_fields_is_an_error)
{
	char buf[512];
	size_t len = 0, i;

	/* 64 fields are fine, 65 are not; the next record still reads. */
	for (i = 0; i < CSV_MAX_FIELDS; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%zu",
		    i > 0 ? "," : "", i);
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "\n");
	memcpy(buf + len, buf, len);
	memcpy(buf + 2 * len - 1, ",x\nok\n", 6);
	reader_over(buf, 2 * len - 1 + 6);
	ck_assert_ptr_nonnull(strstr(next_rec(&(long){0}), "|63"));
	expect_rec("ERR:invalid input", 2);
	ck_assert_ptr_nonnull(strstr(csv_error(rd), "fields"));
	expect_rec("ok", 3);
	expect_end();
}
END_TEST

START_TEST(td_record_too_big_is_skipped)
{
	size_t big = CSV_MAX_RECORD + 10, fit = CSV_MAX_RECORD - 100;
	size_t len = 0;
	char *buf = malloc(big + fit + 64);
	long line;
	const char *got;

	ck_assert_ptr_nonnull(buf);
	memcpy(buf + len, "h\n", 2);
	len += 2;
	/* Too big, and with line breaks inside quotes to count. */
	buf[len++] = '"';
	memset(buf + len, 'x', big);
	buf[len + 100] = '\n';
	buf[len + 200] = '\n';
	len += big;
	memcpy(buf + len, "\"\nnext\n", 7);
	len += 7;
	/* Just under the limit is fine. */
	memset(buf + len, 'y', fit);
	len += fit;
	buf[len++] = '\n';
	reader_over(buf, len);
	free(buf);
	expect_rec("h", 1);
	expect_rec("ERR:too large", 2);
	ck_assert_ptr_nonnull(strstr(csv_error(rd), "65536"));
	expect_rec("next", 5);
	got = next_rec(&line);
	ck_assert_uint_eq(strlen(got), fit);
	ck_assert_int_eq(line, 6);
	expect_end();
}
END_TEST

START_TEST(td_nul_byte_is_an_error)
{
	static const char in[] = "a\0b,c\nd\n\"e\0\n\"\nf";

	reader_over(in, sizeof(in) - 1);
	expect_rec("ERR:invalid input", 1);
	ck_assert_ptr_nonnull(strstr(csv_error(rd), "NUL"));
	expect_rec("d", 2);
	expect_rec("ERR:invalid input", 3);
	expect_rec("f", 5);
	expect_end();
}
END_TEST

START_TEST(td_last_line_without_newline)
{
	CSV("a,b\nc,d");
	expect_rec("a|b", 1);
	expect_rec("c|d", 2);
	expect_end();
}
END_TEST

START_TEST(td_last_line_without_newline_ends_in_quote_or_comma)
{
	CSV("\"q\"\"\"\nx,");
	expect_rec("q\"", 1);
	expect_rec("x|", 2);
	expect_end();
}
END_TEST

/* One record of 'p's ending so that the next byte is at offset `at`. */
static void
pad_to(char *buf, size_t *len, size_t at)
{
	memset(buf + *len, 'p', at - *len - 1);
	buf[at - 1] = '\n';
	*len = at;
}

/* `n` copies of `c` at buf[*len]. */
static void
put_run(char *buf, size_t *len, char c, size_t n)
{
	memset(buf + *len, c, n);
	*len += n;
}

static void
put_str(char *buf, size_t *len, const char *s)
{
	memcpy(buf + *len, s, strlen(s));
	*len += strlen(s);
}

/*
 * The reader refills its 64 KiB block mid-record: a CRLF, a "" escape
 * and a quoted newline each split across a block boundary.
 */
START_TEST(td_records_split_across_read_blocks)
{
	const size_t block = 64 * 1024;
	size_t len = 0;
	char *buf = malloc(4 * block);
	const char *got;
	long line;

	ck_assert_ptr_nonnull(buf);
	pad_to(buf, &len, 40000);				/* line 1 */
	put_run(buf, &len, 'x', block - 1 - len);		/* line 2 */
	put_str(buf, &len, "\r\n");				/* CR | LF */
	pad_to(buf, &len, 2 * block - 30000);			/* line 3 */
	put_str(buf, &len, "\"");				/* line 4 */
	put_run(buf, &len, 'a', 2 * block - 1 - len);
	put_str(buf, &len, "\"\"b\"\n");			/* " | " */
	pad_to(buf, &len, 3 * block - 30000);			/* line 5 */
	put_str(buf, &len, "\"");				/* line 6 */
	put_run(buf, &len, 'c', 3 * block - 1 - len);
	put_str(buf, &len, "\nd\",e\n");			/* \n | d */
	put_str(buf, &len, "end");				/* line 8 */
	reader_over(buf, len);
	free(buf);

	ck_assert_uint_eq(strlen(next_rec(&line)), 40000 - 1);
	ck_assert_int_eq(line, 1);
	got = next_rec(&line);
	ck_assert_uint_eq(strlen(got), block - 1 - 40000);
	ck_assert_int_eq(got[strlen(got) - 1], 'x');
	ck_assert_int_eq(line, 2);
	next_rec(&line);
	ck_assert_int_eq(line, 3);
	got = next_rec(&line);
	ck_assert_uint_eq(strlen(got), 30000 - 2 + 2);
	ck_assert_str_eq(got + 30000 - 2, "\"b");
	ck_assert_int_eq(line, 4);
	next_rec(&line);
	ck_assert_int_eq(line, 5);
	got = next_rec(&line);
	ck_assert_str_eq(got + 30000 - 2, "\nd|e");
	ck_assert_int_eq(line, 6);
	expect_rec("end", 8);
	expect_end();
}
END_TEST

START_TEST(td_many_records_keep_count_and_line)
{
	size_t cap = 3000000, len = 0, i;
	char *buf = malloc(cap);
	char want[64];
	long line;
	const char *got = NULL;

	ck_assert_ptr_nonnull(buf);
	for (i = 0; i < 100000; i++)
		len += (size_t)snprintf(buf + len, cap - len,
		    "%zu,\"n%zu\",%s\r\n", i, i, i % 3 ? "a" : "\"b,\"\"c\"");
	reader_over(buf, len);
	free(buf);
	for (i = 0; i < 100000; i++) {
		got = next_rec(&line);
		snprintf(want, sizeof(want), "%zu|n%zu|%s", i, i,
		    i % 3 ? "a" : "b,\"c");
		if (strcmp(got, want) != 0 || line != (long)i + 1)
			break;
	}
	ck_assert_uint_eq(i, 100000);
	expect_end();
}
END_TEST

START_TEST(td_read_error_is_reported)
{
	char *path;
	FILE *fp;
	char **fields;
	size_t n;
	long line;

	path = tu_write_file(tmp_dir, "w.csv", "a\n", 2);
	ck_assert_ptr_nonnull(path);
	/* Reading a stream opened for writing fails (EBADF). */
	fp = fopen(path, "a");
	free(path);
	ck_assert_ptr_nonnull(fp);
	open_fp = fp;
	rd = csv_new(fp);
	ck_assert_ptr_nonnull(rd);
	ck_assert_int_eq(csv_next(rd, &fields, &n, &line), FP_EIO);
}
END_TEST

START_TEST(td_parse_buffer_counts_records)
{
#define PARSE(lit)	csv_parse_buffer((lit), sizeof(lit) - 1)
	ck_assert_int_eq(PARSE(""), 0);
	ck_assert_int_eq(PARSE("a\n\nb,\"c\nd\"\ne"), 3);
	ck_assert_int_eq(PARSE("a\n\"b\"x\nc\n"), -1);
	ck_assert_int_eq(PARSE("a\n\"b"), -1);
	ck_assert_int_eq(PARSE("a\0"), -1);
	ck_assert_int_eq(PARSE("\xEF\xBB\xBF" "a"), 1);
#undef PARSE
}
END_TEST

Suite *
csv_suite(void)
{
	Suite *s = suite_create("csv");
	TCase *tc;

	tc = tcase_create("quoting");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, td_quoted_fields_keep_commas_and_newlines);
	tcase_add_test(tc, td_doubled_quotes_are_unescaped);
	tcase_add_test(tc, td_empty_fields_are_kept);
	suite_add_tcase(s, tc);

	tc = tcase_create("lines");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, td_records_spanning_lines_report_their_first_line);
	tcase_add_test(tc, td_bom_is_skipped);
	tcase_add_test(tc, td_bom_alone_is_an_empty_file);
	tcase_add_test(tc, td_crlf_line_ends);
	tcase_add_test(tc, td_empty_lines_are_skipped);
	tcase_add_test(tc, td_empty_input_has_no_records);
	tcase_add_test(tc, td_last_line_without_newline);
	tcase_add_test(tc, td_last_line_without_newline_ends_in_quote_or_comma);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, td_unclosed_quote_is_an_error_to_end_of_input);
	tcase_add_test(tc, td_text_after_closing_quote_is_an_error);
	tcase_add_test(tc, td_too_many_fields_is_an_error);
	tcase_add_test(tc, td_record_too_big_is_skipped);
	tcase_add_test(tc, td_nul_byte_is_an_error);
	tcase_add_test(tc, td_read_error_is_reported);
	tcase_add_test(tc, td_parse_buffer_counts_records);
	suite_add_tcase(s, tc);

	tc = tcase_create("blocks");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, td_records_split_across_read_blocks);
	tcase_add_test(tc, td_many_records_keep_count_and_line);
	suite_add_tcase(s, tc);
	return s;
}

/* ---- charset ------------------------------------------------------- */

struct bytes {
	const char	*s;
	size_t		 len;
	const char	*why;
};

#define B(lit, why)	{ (lit), sizeof(lit) - 1, (why) }

static const struct bytes valid_utf8[] = {
	B("", "empty"),
	B("abc", "ASCII"),
	B("a\0b", "NUL is a character"),
	B(UTF8_ROW, "CJK"),
	B("\xC2\x80", "smallest 2-byte"),
	B("\xDF\xBF", "largest 2-byte"),
	B("\xE0\xA0\x80", "smallest 3-byte"),
	B("\xED\x9F\xBF", "U+D7FF, below the surrogates"),
	B("\xEE\x80\x80", "U+E000, above the surrogates"),
	B("\xEF\xBB\xBF" "id", "BOM"),
	B("\xEF\xBF\xBF", "U+FFFF"),
	B("\xF0\x90\x80\x80", "U+10000"),
	B("\xF0\x9F\x98\x80", "emoji"),
	B("\xF4\x8F\xBF\xBF", "U+10FFFF"),
};

static const struct bytes invalid_utf8[] = {
	B("\xC0\x80", "overlong NUL"),
	B("\xC1\xBF", "overlong 2-byte"),
	B("\xE0\x80\x80", "overlong 3-byte"),
	B("\xE0\x9F\xBF", "overlong U+07FF"),
	B("\xF0\x80\x80\x80", "overlong 4-byte"),
	B("\xF0\x8F\xBF\xBF", "overlong U+FFFF"),
	B("\xED\xA0\x80", "surrogate U+D800"),
	B("\xED\xBF\xBF", "surrogate U+DFFF"),
	B("\xED\xA0\xBD\xED\xB8\x80", "CESU-8 surrogate pair"),
	B("\xF4\x90\x80\x80", "U+110000"),
	B("\xF5\x80\x80\x80", "lead F5"),
	B("\xFF", "byte FF"),
	B("\xFE", "byte FE"),
	B("\x80", "lone continuation"),
	B("a\xBF" "b", "continuation after ASCII"),
	B("\xE5\xBC", "truncated 3-byte at end"),
	B("\xF0\x9F\x98", "truncated 4-byte at end"),
	B("\xC2", "truncated 2-byte at end"),
	B("\xE5\xBC" "a", "truncated 3-byte before ASCII"),
	B("\xE5\x41\xA0", "bad second byte"),
	B("\xF0\x9F\x41\x80", "bad third byte"),
	B("\xF0\x9F\x98\x41", "bad fourth byte"),
	B(GB_ROW, "GB18030"),
};

START_TEST(td_valid_utf8_is_accepted)
{
	const struct bytes *b = &valid_utf8[_i];

	ck_assert_msg(charset_is_utf8(b->s, b->len), "rejected: %s", b->why);
}
END_TEST

START_TEST(td_invalid_utf8_is_rejected)
{
	const struct bytes *b = &invalid_utf8[_i];

	ck_assert_msg(!charset_is_utf8(b->s, b->len), "accepted: %s", b->why);
}
END_TEST

START_TEST(td_bad_byte_is_found_at_any_offset)
{
	char buf[48];
	size_t at;

	/* The ASCII fast path must not step over a bad byte. */
	for (at = 0; at < sizeof(buf); at++) {
		memset(buf, 'a', sizeof(buf));
		buf[at] = (char)0x80;
		ck_assert_msg(!charset_is_utf8(buf, sizeof(buf)), "at %zu", at);
		ck_assert(charset_is_utf8(buf, at));
	}
	for (at = 0; at + 3 <= sizeof(buf); at++) {
		memset(buf, 'a', sizeof(buf));
		memcpy(buf + at, "\xE5\xBC\xA0", 3);
		ck_assert_msg(charset_is_utf8(buf, sizeof(buf)), "at %zu", at);
		ck_assert(!charset_is_utf8(buf, at + 2));
	}
}
END_TEST

START_TEST(td_gb18030_converts_to_utf8)
{
	char *out;
	size_t len;

	ck_assert_int_eq(charset_to_utf8("GB18030", GB_ROW, sizeof(GB_ROW) - 1,
	    &out, &len), FP_OK);
	ck_assert_str_eq(out, UTF8_ROW);
	ck_assert_uint_eq(len, sizeof(UTF8_ROW) - 1);
	free(out);
	/* Empty input is an empty string, not an error. */
	ck_assert_int_eq(charset_to_utf8("GB18030", "", 0, &out, &len), FP_OK);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(len, 0);
	free(out);
}
END_TEST

START_TEST(td_utf16be_converts_to_utf8)
{
	/* 张三 and U+1F600 as a surrogate pair. */
	static const char in[] = "\x5F\x20\x4E\x09\xD8\x3D\xDE\x00";
	char *out;
	size_t len;

	ck_assert_int_eq(charset_to_utf8("UTF-16BE", in, sizeof(in) - 1,
	    &out, &len), FP_OK);
	ck_assert_str_eq(out, "张三\xF0\x9F\x98\x80");
	ck_assert_uint_eq(len, 10);
	free(out);
	/* A lone high surrogate, and an odd byte count, are invalid. */
	ck_assert_int_eq(charset_to_utf8("UTF-16BE", in + 4, 2, &out, &len),
	    FP_EINVAL);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(charset_to_utf8("UTF-16BE", in, 3, &out, &len),
	    FP_EINVAL);
	ck_assert_ptr_null(out);
}
END_TEST

START_TEST(td_long_input_grows_the_output)
{
	/* 2000 Latin-1 bytes become 2000 two-byte characters. */
	char in[2000];
	char *out;
	size_t len;

	memset(in, '\xE9', sizeof(in));
	ck_assert_int_eq(charset_to_utf8("ISO-8859-1", in, sizeof(in), &out,
	    &len), FP_OK);
	ck_assert_uint_eq(len, 4000);
	ck_assert_uint_eq(strlen(out), 4000);
	ck_assert(memcmp(out + 3998, "\xC3\xA9", 2) == 0);
	free(out);
}
END_TEST

START_TEST(td_invalid_gb18030_is_rejected)
{
	char *out;
	size_t len;

	ck_assert_int_eq(charset_to_utf8("GB18030", "ok\x81\x20", 4, &out,
	    &len), FP_EINVAL);
	ck_assert_ptr_null(out);
	/* A lead byte cut off by the end. */
	ck_assert_int_eq(charset_to_utf8("GB18030", "\xd5\xc5\xd5", 3, &out,
	    &len), FP_EINVAL);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(charset_to_utf8("GB18030", "\xff", 1, &out, &len),
	    FP_EINVAL);
	ck_assert_int_eq(charset_to_utf8("NO-SUCH-CHARSET", "a", 1, &out,
	    &len), FP_EINVAL);
	ck_assert_ptr_null(out);
}
END_TEST

/* `n` copies of `row` after a one-byte prefix (so chunks split chars). */
static char *
repeat(const char *row, size_t n, size_t *len)
{
	size_t k = strlen(row), i;
	char *buf = malloc(1 + k * n + 1);

	ck_assert_ptr_nonnull(buf);
	buf[0] = 'x';
	for (i = 0; i < n; i++)
		memcpy(buf + 1 + i * k, row, k);
	*len = 1 + k * n;
	buf[*len] = '\0';
	return buf;
}

START_TEST(td_sniff_gb18030_file_is_not_utf8)
{
	FILE *fp;
	bool is_utf8 = true;
	char c2[2];

	fp = open_bytes("gb.csv", "id,name\n1," GB_ROW "\n",
	    sizeof("id,name\n1," GB_ROW "\n") - 1);
	open_fp = fp;
	/* Sniffing starts where the caller is and puts it back there. */
	ck_assert_uint_eq(fread(c2, 1, 2, fp), 2);
	ck_assert_int_eq(charset_sniff_file(fp, &is_utf8), FP_OK);
	ck_assert(!is_utf8);
	ck_assert_int_eq(ftell(fp), 2);
	ck_assert_int_eq(fgetc(fp), ',');
}
END_TEST

START_TEST(td_sniff_utf8_file)
{
	static const char bom_row[] = "\xEF\xBB\xBF" "id\n" UTF8_ROW "\n";
	FILE *fp;
	bool is_utf8 = false;
	char *big, saved;
	size_t len;

	fp = open_bytes("bom.csv", bom_row, sizeof(bom_row) - 1);
	ck_assert_int_eq(charset_sniff_file(fp, &is_utf8), FP_OK);
	ck_assert(is_utf8);
	ck_assert_int_eq(ftell(fp), 0);
	fclose(fp);

	/* Bigger than a read chunk, with 3-byte characters across it. */
	big = repeat(UTF8_ROW "\n", 20000, &len);
	fp = open_bytes("big.csv", big, len);
	is_utf8 = false;
	ck_assert_int_eq(charset_sniff_file(fp, &is_utf8), FP_OK);
	ck_assert(is_utf8);
	fclose(fp);

	/* One bad byte near the end of the big file. */
	saved = big[len - 5];
	big[len - 5] = (char)0xC0;
	fp = open_bytes("bad.csv", big, len);
	ck_assert_int_eq(charset_sniff_file(fp, &is_utf8), FP_OK);
	ck_assert(!is_utf8);
	fclose(fp);

	/* A character cut off by the end of the file. */
	big[len - 5] = saved;
	fp = open_bytes("cut.csv", big, len - 2);
	is_utf8 = true;
	ck_assert_int_eq(charset_sniff_file(fp, &is_utf8), FP_OK);
	ck_assert(!is_utf8);
	fclose(fp);
	free(big);
}
END_TEST

START_TEST(td_sniff_unreadable_stream_is_an_error)
{
	char *path;
	bool is_utf8;

	path = tu_write_file(tmp_dir, "w.csv", "a\n", 2);
	ck_assert_ptr_nonnull(path);
	open_fp = fopen(path, "a");
	free(path);
	ck_assert_ptr_nonnull(open_fp);
	ck_assert_int_eq(charset_sniff_file(open_fp, &is_utf8), FP_EIO);
}
END_TEST

/* Read a whole stream; *is_err tells whether it ended with ferror. */
static char *
slurp(FILE *fp, size_t step, size_t *len, bool *is_err)
{
	size_t cap = 1 << 20, n = 0, got;
	char *buf = malloc(cap + 1);

	ck_assert_ptr_nonnull(buf);
	for (;;) {
		if (n + step > cap) {
			char *nb;

			cap *= 2;
			nb = realloc(buf, cap + 1);
			ck_assert_ptr_nonnull(nb);
			buf = nb;
		}
		got = fread(buf + n, 1, step, fp);
		n += got;
		if (got < step)
			break;
	}
	buf[n] = '\0';
	*len = n;
	*is_err = ferror(fp) != 0;
	return buf;
}

START_TEST(td_stream_converts_gb18030)
{
	static const size_t steps[] = { 1, 7, 4096, 100000 };
	char *gb, *want, *got;
	size_t gb_len, want_len, got_len;
	bool is_err;
	FILE *src, *fp;
	size_t i;

	gb = repeat(GB_ROW "\n", 20000, &gb_len);
	want = repeat(UTF8_ROW "\n", 20000, &want_len);
	src = open_bytes("gb.csv", gb, gb_len);
	open_fp = src;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		rewind(src);
		ck_assert_int_eq(charset_open_utf8(src, "GB18030", &fp), FP_OK);
		got = slurp(fp, steps[i], &got_len, &is_err);
		ck_assert_msg(!is_err, "step %zu", steps[i]);
		ck_assert_uint_eq(got_len, want_len);
		ck_assert(memcmp(got, want, want_len) == 0);
		free(got);
		ck_assert_int_eq(fclose(fp), 0);
	}
	free(gb);
	free(want);
}
END_TEST

START_TEST(td_stream_unbuffered_reads_one_byte_at_a_time)
{
	FILE *src, *fp;
	char got[64];
	size_t n = 0;
	int c;

	src = open_bytes("gb.csv", GB_ROW "\n", sizeof(GB_ROW));
	open_fp = src;
	ck_assert_int_eq(charset_open_utf8(src, "GB18030", &fp), FP_OK);
	ck_assert_int_eq(setvbuf(fp, NULL, _IONBF, 0), 0);
	for (;;) {
		c = getc(fp);
		if (c == EOF || n + 1 == sizeof(got))
			break;
		got[n++] = (char)c;
	}
	got[n] = '\0';
	ck_assert(!ferror(fp));
	ck_assert_str_eq(got, UTF8_ROW "\n");
	fclose(fp);
}
END_TEST

START_TEST(td_stream_converts_utf16be)
{
	static const char in[] = "\x00" "a" "\x00," "\x5F\x20\x4E\x09"
	    "\xD8\x3D\xDE\x00" "\x00\n";
	FILE *src, *fp;
	char *got;
	size_t len;
	bool is_err;

	src = open_bytes("u16.txt", in, sizeof(in) - 1);
	open_fp = src;
	ck_assert_int_eq(charset_open_utf8(src, "UTF-16BE", &fp), FP_OK);
	got = slurp(fp, 4096, &len, &is_err);
	ck_assert(!is_err);
	ck_assert_str_eq(got, "a,张三\xF0\x9F\x98\x80\n");
	free(got);
	fclose(fp);
}
END_TEST

START_TEST(td_stream_invalid_gb18030_is_a_read_error)
{
	static const char in[] = GB_ROW "\n" "\x81\x20" "more\n";
	FILE *src, *fp;
	char *got;
	size_t len;
	bool is_err;

	src = open_bytes("bad.csv", in, sizeof(in) - 1);
	open_fp = src;
	ck_assert_int_eq(charset_open_utf8(src, "GB18030", &fp), FP_OK);
	got = slurp(fp, 4096, &len, &is_err);
	/* Everything before the bad bytes arrives, then the error. */
	ck_assert(is_err);
	ck_assert_str_eq(got, UTF8_ROW "\n");
	free(got);
	fclose(fp);
}
END_TEST

START_TEST(td_stream_cut_off_gb18030_is_a_read_error)
{
	static const char in[] = GB_ROW "\xd5";
	FILE *src, *fp;
	char *got;
	size_t len;
	bool is_err;

	src = open_bytes("cut.csv", in, sizeof(in) - 1);
	open_fp = src;
	ck_assert_int_eq(charset_open_utf8(src, "GB18030", &fp), FP_OK);
	got = slurp(fp, 4096, &len, &is_err);
	ck_assert(is_err);
	ck_assert_str_eq(got, UTF8_ROW);
	free(got);
	fclose(fp);
}
END_TEST

START_TEST(td_stream_unknown_charset_is_rejected)
{
	FILE *fp = stdin;

	ck_assert_int_eq(charset_open_utf8(stdin, "NO-SUCH-CHARSET", &fp),
	    FP_EINVAL);
	ck_assert_ptr_null(fp);
}
END_TEST

START_TEST(td_csv_reads_gb18030_export)
{
	static const char in[] = "name,cause\r\n"
	    "\"" GB_ROW "\"," GB_ROW "\r\n"
	    "\"a\r\nb\",\x81\x20\r\n";
	FILE *src, *fp;
	long line;

	src = open_bytes("gb.csv", in, sizeof(in) - 1);
	open_fp = src;
	ck_assert_int_eq(charset_open_utf8(src, "GB18030", &fp), FP_OK);
	rd = csv_new(fp);
	ck_assert_ptr_nonnull(rd);
	expect_rec("name|cause", 1);
	ck_assert_str_eq(next_rec(&line), UTF8_ROW "|张三|贫困户");
	ck_assert_int_eq(line, 2);
	/* The bad bytes surface as a read error, not a shorter record. */
	ck_assert_str_eq(next_rec(&line), "ERR:input/output error");
	csv_free(rd);
	rd = NULL;
	fclose(fp);
}
END_TEST

Suite *
charset_suite(void)
{
	Suite *s = suite_create("charset");
	TCase *tc;

	tc = tcase_create("utf8");
	tcase_add_loop_test(tc, td_valid_utf8_is_accepted, 0,
	    sizeof(valid_utf8) / sizeof(valid_utf8[0]));
	tcase_add_loop_test(tc, td_invalid_utf8_is_rejected, 0,
	    sizeof(invalid_utf8) / sizeof(invalid_utf8[0]));
	tcase_add_test(tc, td_bad_byte_is_found_at_any_offset);
	suite_add_tcase(s, tc);

	tc = tcase_create("convert");
	tcase_add_test(tc, td_gb18030_converts_to_utf8);
	tcase_add_test(tc, td_utf16be_converts_to_utf8);
	tcase_add_test(tc, td_long_input_grows_the_output);
	tcase_add_test(tc, td_invalid_gb18030_is_rejected);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, td_sniff_gb18030_file_is_not_utf8);
	tcase_add_test(tc, td_sniff_utf8_file);
	tcase_add_test(tc, td_sniff_unreadable_stream_is_an_error);
	tcase_add_test(tc, td_stream_converts_gb18030);
	tcase_add_test(tc, td_stream_unbuffered_reads_one_byte_at_a_time);
	tcase_add_test(tc, td_stream_converts_utf16be);
	tcase_add_test(tc, td_stream_invalid_gb18030_is_a_read_error);
	tcase_add_test(tc, td_stream_cut_off_gb18030_is_a_read_error);
	tcase_add_test(tc, td_stream_unknown_charset_is_rejected);
	tcase_add_test(tc, td_csv_reads_gb18030_export);
	suite_add_tcase(s, tc);
	return s;
}
