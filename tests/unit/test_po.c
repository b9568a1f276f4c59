/*
 * test_po.c: the PO reader and writer (common/po.c), what a translator's
 * Poedit file is before fupinctl templates import judges it: entries,
 * multi-line strings, escapes, msgctxt, fuzzy flags, comments, obsolete
 * entries, the header, BOM and CRLF; every malformed case named with its
 * line; and writing back what reading gives.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "po.h"
#include "strbuf.h"

/* Found by check_main.c through the generated suites.h. */
Suite *po_suite(void);

static struct po_file *
parse(const char *s)
{
	struct po_file *f = NULL;

	ck_assert_int_eq(po_parse(s, strlen(s), &f), FP_OK);
	ck_assert_ptr_nonnull(f);
	return f;
}

static const struct po_entry *
entry(const struct po_file *f, const char *ctxt)
{
	size_t i;

	for (i = 0; i < f->n_entries; i++)
		if (f->entries[i].msgctxt != NULL &&
		    strcmp(f->entries[i].msgctxt, ctxt) == 0)
			return &f->entries[i];
	ck_abort_msg("no entry %s", ctxt);
	return NULL;
}

static const char poedit_file[] =
    "\xEF\xBB\xBF# Yi texts, translated by the prefecture office\r\n"
    "msgid \"\"\r\n"
    "msgstr \"\"\r\n"
    "\"Language: ii\\n\"\r\n"
    "\"Content-Type: text/plain; charset=UTF-8\\n\"\r\n"
    "\"Plural-Forms: nplurals=1; plural=0;\\n\"\r\n"
    "\r\n"
    "# checked with the township\r\n"
    "#. Where: screen 'main'\r\n"
    "#: zh/ussd/main.txt\r\n"
    "msgctxt \"ussd/main\"\r\n"
    "msgid \"精准扶贫服务\"\r\n"
    "msgstr \"ꆈꌠ\"\r\n"
    "\r\n"
    "#, fuzzy, c-format\r\n"
    "#| msgid \"old\"\r\n"
    "msgctxt \"sms/fk_ok\"\r\n"
    "msgid \"\"\r\n"
    "\"已收到，编号{ticket}。\\n\"\r\n"
    "\"谢谢！\"\r\n"
    "msgstr \"\"\r\n"
    "\"line \\\"one\\\"\\n\"\r\n"
    "\"tab\\there \\\\ back\"\r\n"
    "\r\n"
    "#~ msgctxt \"sms/gone\"\r\n"
    "#~ msgid \"旧\"\r\n"
    "#~ msgstr \"old\"\r\n";

START_TEST(poedit_file_is_read_whole)
{
	struct po_file *f = parse(poedit_file);
	const struct po_entry *e;
	char *lang;

	ck_assert_uint_eq(f->n_problems, 0);
	ck_assert_uint_eq(f->n_entries, 3);
	lang = po_header_field(f, "language");
	ck_assert_str_eq(lang, "ii");
	free(lang);
	lang = po_header_field(f, "Content-Type");
	ck_assert_str_eq(lang, "text/plain; charset=UTF-8");
	free(lang);
	ck_assert_ptr_null(po_header_field(f, "Lang"));
	e = entry(f, "ussd/main");
	ck_assert_str_eq(e->msgid, "精准扶贫服务");
	ck_assert_str_eq(e->msgstr, "ꆈꌠ");
	ck_assert(!e->is_fuzzy);
	ck_assert_str_eq(e->comment, "checked with the township");
	ck_assert_int_eq(e->line, 11);
	ck_assert_int_eq(e->msgstr_line, 13);
	e = entry(f, "sms/fk_ok");
	ck_assert(e->is_fuzzy);
	ck_assert_str_eq(e->msgid, "已收到，编号{ticket}。\n谢谢！");
	ck_assert_str_eq(e->msgstr, "line \"one\"\ntab\there \\ back");
	ck_assert_ptr_null(e->comment);
	e = entry(f, "sms/gone");
	ck_assert(e->is_obsolete);
	ck_assert_str_eq(e->msgstr, "old");
	po_file_free(f);
}
END_TEST

START_TEST(escapes_octal_and_hex)
{
	struct po_file *f = parse("msgctxt \"k\"\nmsgid \"a\"\n"
	    "msgstr \"\\101\\x42\\7\\a\\?\\'\\r\"\n");

	ck_assert_uint_eq(f->n_problems, 0);
	ck_assert_str_eq(f->entries[0].msgstr, "AB\a\a?'\r");
	po_file_free(f);
}
END_TEST

START_TEST(entries_without_blank_lines_between)
{
	struct po_file *f = parse("msgctxt \"a\"\nmsgid \"x\"\nmsgstr \"1\"\n"
	    "msgctxt \"b\"\nmsgid \"y\"\nmsgstr \"2\"\nmsgid \"z\"\n"
	    "msgstr \"3\"\n");

	ck_assert_uint_eq(f->n_problems, 0);
	ck_assert_uint_eq(f->n_entries, 3);
	ck_assert_str_eq(entry(f, "b")->msgstr, "2");
	ck_assert_ptr_null(f->entries[2].msgctxt);
	ck_assert_str_eq(f->entries[2].msgid, "z");
	po_file_free(f);
}
END_TEST

START_TEST(fuzzy_flag_belongs_to_the_next_entry_only)
{
	struct po_file *f = parse("msgctxt \"a\"\nmsgid \"x\"\nmsgstr \"1\"\n"
	    "#, fuzzy\nmsgctxt \"b\"\nmsgid \"y\"\nmsgstr \"2\"\n"
	    "msgctxt \"c\"\nmsgid \"z\"\nmsgstr \"3\"\n");

	ck_assert(!entry(f, "a")->is_fuzzy);
	ck_assert(entry(f, "b")->is_fuzzy);
	ck_assert(!entry(f, "c")->is_fuzzy);
	po_file_free(f);
}
END_TEST

START_TEST(plural_entries_are_read)
{
	struct po_file *f = parse("msgctxt \"p\"\nmsgid \"one\"\n"
	    "msgid_plural \"many\"\nmsgstr[0] \"a\"\nmsgstr[1] \"b\"\n");

	ck_assert_uint_eq(f->n_problems, 0);
	ck_assert_str_eq(f->entries[0].msgid_plural, "many");
	ck_assert_uint_eq(f->entries[0].n_plural_forms, 2);
	ck_assert_str_eq(f->entries[0].msgstr, "a");
	po_file_free(f);
}
END_TEST

/* Each malformed file: the line named, and what is wrong. */
static const struct bad {
	const char	*text;
	long		 line;
	const char	*says;
} bads[] = {
	{ "msgctxt \"a\"\nmsgid \"x\nmsgstr \"y\"\n", 2, "closing quote" },
	{ "msgctxt \"a\"\nmsgid \"x\"\nmsgstr \"y\" z\n", 3, "after" },
	{ "msgctxt \"a\"\nmsgid \"x\"\n", 1, "without msgstr" },
	{ "msgctxt \"a\"\nmsgstr \"y\"\n", 2, "without msgid" },
	{ "msgctxt \"a\"\nmsgid \"x\"\nmsgstr \"y\"\nmsgstr \"z\"\n", 4,
	  "second msgstr" },
	{ "msgctxt \"a\"\nmsgid \"x\"\nmsgstr \"\\q\"\n", 3,
	  "unknown escape" },
	{ "msgctxt \"a\"\nmsgid \"x\"\nmsgstr \"\\777\"\n", 3, "octal" },
	{ "msgctxt \"a\"\nmsgid \"x\"\nmsgstr \"\\0\"\n", 1, "NUL" },
	{ "msgctxt \"a\"\nmsgid \"x\"\nmsgstr \"\xff\xfe\"\n", 1, "UTF-8" },
	{ "msgctxt \"a\"\nmsgid \"x\"\nmsgtsr \"y\"\n", 3, "unexpected" },
	{ "\"dangling\"\n", 1, "without a keyword" },
	{ "msgctxt \"a\"\nmsgid \"x\"\nmsgstr\n", 3, "followed by" },
	{ "msgid \"\"\nmsgstr \"A: b\\n\"\n\nmsgid \"\"\nmsgstr \"\"\n", 4,
	  "second header" },
	{ "msgctxt \"a\"\nmsgid \"x\"\nmsgstr[0] \"y\"\n", 3,
	  "without msgid_plural" },
	{ "msgctxt \"a\"\nmsgid \"x\"\nmsgid_plural \"y\"\nmsgstr \"z\"\n", 4,
	  "needs msgstr[0]" },
	{ "msgctxt \"a\"\nmsgid \"x\"\nmsgid_plural \"y\"\nmsgstr[0] \"z\"\n"
	  "msgstr[2] \"w\"\n", 5, "out of order" },
	{ "msgctxt \"a\"\nmsgid \"x\"\nmsgstr[x] \"y\"\n", 3, "number" },
	{ "msgctxt \"a\"\nmsgid \"x\\x\"\nmsgstr \"y\"\n", 2, "hex" },
	{ "msgctxt \"a\"\nmsgctxt \"b\"\nmsgid \"x\"\nmsgstr \"y\"\n", 1,
	  "msgctxt without msgid" },
};

START_TEST(malformed_is_named_with_its_line)
{
	const struct bad *b = &bads[_i];
	struct po_file *f = parse(b->text);

	ck_assert_msg(f->n_problems >= 1, "case %d: no problem", _i);
	ck_assert_msg(f->problems[0].line == b->line, "case %d: line %ld, "
	    "want %ld (%s)", _i, f->problems[0].line, b->line,
	    f->problems[0].msg);
	ck_assert_msg(strstr(f->problems[0].msg, b->says) != NULL,
	    "case %d: '%s' lacks '%s'", _i, f->problems[0].msg, b->says);
	po_file_free(f);
}
END_TEST

/* One typo does not hide the next: both named, good entries kept. */
START_TEST(every_problem_is_reported_and_parsing_goes_on)
{
	struct po_file *f = parse("msgctxt \"a\"\nmsgid \"x\"\nmsgstr \"\\q\"\n"
	    "\nmsgctxt \"b\"\nmsgid \"y\"\nmsgstr \"ok\"\n\n"
	    "msgctxt \"c\"\nmsgid \"z\nmsgstr \"w\"\n");

	ck_assert_uint_eq(f->n_problems, 2);
	ck_assert_int_eq(f->problems[0].line, 3);
	ck_assert_int_eq(f->problems[1].line, 10);
	ck_assert_uint_eq(f->n_entries, 1);
	ck_assert_str_eq(f->entries[0].msgctxt, "b");
	po_file_free(f);
}
END_TEST

START_TEST(problems_are_capped)
{
	struct strbuf b = STRBUF_INIT;
	struct po_file *f;
	int i;

	for (i = 0; i < 1000; i++)
		strbuf_adds(&b, "junk\n");
	f = parse(strbuf_str(&b));
	ck_assert_uint_eq(f->n_problems, PO_MAX_PROBLEMS);
	ck_assert(strstr(f->problems[f->n_problems - 1].msg, "too many") !=
	    NULL);
	po_file_free(f);
	strbuf_free(&b);
}
END_TEST

START_TEST(nul_byte_in_input_is_a_problem)
{
	static const char data[] = "msgctxt \"a\"\nmsgid \"x\"\nmsgstr \"y\0\"\n";
	struct po_file *f = NULL;

	ck_assert_int_eq(po_parse(data, sizeof(data) - 1, &f), FP_OK);
	ck_assert_uint_ge(f->n_problems, 1);
	ck_assert_int_eq(f->problems[0].line, 3);
	ck_assert_uint_eq(f->n_entries, 0);
	po_file_free(f);
}
END_TEST

START_TEST(empty_and_comment_only_files)
{
	struct po_file *f = parse("");

	ck_assert_uint_eq(f->n_entries + f->n_problems, 0);
	ck_assert_ptr_null(f->header);
	po_file_free(f);
	f = parse("# nothing\n#, fuzzy\n\n");
	ck_assert_uint_eq(f->n_entries + f->n_problems, 0);
	po_file_free(f);
	po_file_free(NULL);
}
END_TEST

/* What the writer writes, the reader gives back byte for byte. */
START_TEST(written_strings_read_back_the_same)
{
	static const char *const values[] = { "", "plain", "精准扶贫服务",
	    "a \"quote\" and a \\ backslash", "two\nlines", "ends\n",
	    "\n\nleading", "tab\tand\rcr", "bell\a\x01\x1f\x7f",
	    "ཁྱིམ་ཚང་ {name} ꆈꌠꉙ", "{{braces}}" };
	struct strbuf b = STRBUF_INIT;
	struct po_file *f;
	char ctxt[16];
	size_t i;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		snprintf(ctxt, sizeof(ctxt), "k%zu", i);
		po_write_string(&b, "", "msgctxt", ctxt);
		po_write_string(&b, "", "msgid", "x");
		po_write_string(&b, "", "msgstr", values[i]);
		strbuf_adds(&b, "\n");
		po_write_string(&b, "#~ ", "msgctxt", ctxt);
		po_write_string(&b, "#~ ", "msgid", "old");
		po_write_string(&b, "#~ ", "msgstr", values[i]);
		strbuf_adds(&b, "\n");
	}
	f = parse(strbuf_str(&b));
	ck_assert_msg(f->n_problems == 0, "%s", f->n_problems > 0 ?
	    f->problems[0].msg : "");
	ck_assert_uint_eq(f->n_entries, 2 * i);
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		ck_assert_str_eq(f->entries[2 * i].msgstr, values[i]);
		ck_assert(!f->entries[2 * i].is_obsolete);
		ck_assert_str_eq(f->entries[2 * i + 1].msgstr, values[i]);
		ck_assert(f->entries[2 * i + 1].is_obsolete);
	}
	po_file_free(f);
	strbuf_free(&b);
}
END_TEST

START_TEST(multiline_strings_are_written_one_line_each)
{
	struct strbuf b = STRBUF_INIT;

	po_write_string(&b, "", "msgstr", "a\nb \"c\"\n");
	ck_assert_str_eq(strbuf_str(&b), "msgstr \"\"\n\"a\\n\"\n"
	    "\"b \\\"c\\\"\\n\"\n");
	strbuf_free(&b);
	po_write_string(&b, "", "msgid", "one\n");
	ck_assert_str_eq(strbuf_str(&b), "msgid \"one\\n\"\n");
	strbuf_free(&b);
}
END_TEST

Suite *
po_suite(void)
{
	Suite *s = suite_create("po");
	TCase *tc = tcase_create("read");

	tcase_add_test(tc, poedit_file_is_read_whole);
	tcase_add_test(tc, escapes_octal_and_hex);
	tcase_add_test(tc, entries_without_blank_lines_between);
	tcase_add_test(tc, fuzzy_flag_belongs_to_the_next_entry_only);
	tcase_add_test(tc, plural_entries_are_read);
	tcase_add_test(tc, empty_and_comment_only_files);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, malformed_is_named_with_its_line, 0,
	    (int)(sizeof(bads) / sizeof(bads[0])));
	tcase_add_test(tc, every_problem_is_reported_and_parsing_goes_on);
	tcase_add_test(tc, problems_are_capped);
	tcase_add_test(tc, nul_byte_in_input_is_a_problem);
	suite_add_tcase(s, tc);
	tc = tcase_create("write");
	tcase_add_test(tc, written_strings_read_back_the_same);
	tcase_add_test(tc, multiline_strings_are_written_one_line_each);
	suite_add_tcase(s, tc);
	return s;
}
