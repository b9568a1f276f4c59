/*
 * test_router.c: what an inbound SMS asks for (SPEC 3.2), table by table:
 * each keyword in every form villagers type, arguments with or without a
 * space, blanks and punctuation, menu digits, false friends, other
 * scripts, invalid UTF-8 and texts longer than an argument can hold.
 */
#include <check.h>
#include <string.h>

#include "charset.h"
#include "sms_router.h"

struct route_case {
	const char		*in;
	enum sms_cmd_kind	 kind;
	const char		*arg;
};

#define N(t)	((int)(sizeof(t) / sizeof((t)[0])))

static void
check_case(const struct route_case *rc)
{
	struct sms_cmd cmd;

	memset(&cmd, 'x', sizeof(cmd));
	sms_router_parse(rc->in, strlen(rc->in), &cmd);
	ck_assert_msg(cmd.kind == rc->kind, "\"%s\": %s, want %s", rc->in,
	    sms_router_name(cmd.kind), sms_router_name(rc->kind));
	ck_assert_msg(strcmp(cmd.arg, rc->arg) == 0,
	    "\"%s\": arg \"%s\", want \"%s\"", rc->in, cmd.arg, rc->arg);
}

/* Chinese, pinyin initials, full pinyin, any case, full-width, blanks. */
static const struct route_case keywords[] = {
	{ "CX", SMS_CMD_QUERY, "" },
	{ "cx", SMS_CMD_QUERY, "" },
	{ "cX", SMS_CMD_QUERY, "" },
	{ "查询", SMS_CMD_QUERY, "" },
	{ "查詢", SMS_CMD_QUERY, "" },
	{ "chaxun", SMS_CMD_QUERY, "" },
	{ "ChaXun", SMS_CMD_QUERY, "" },
	{ "ＣＸ", SMS_CMD_QUERY, "" },
	{ "ｃｘ", SMS_CMD_QUERY, "" },
	{ "  cx  ", SMS_CMD_QUERY, "" },
	{ "\tCX\r\n", SMS_CMD_QUERY, "" },
	{ "　查询　", SMS_CMD_QUERY, "" },
	{ "【CX】", SMS_CMD_QUERY, "" },
	{ "“查询”", SMS_CMD_QUERY, "" },
	{ "TD", SMS_CMD_OPTOUT, "" },
	{ "td", SMS_CMD_OPTOUT, "" },
	{ "ＴＤ", SMS_CMD_OPTOUT, "" },
	{ "R", SMS_CMD_OPTOUT, "" },
	{ "r", SMS_CMD_OPTOUT, "" },
	{ "退订", SMS_CMD_OPTOUT, "" },
	{ "拒收", SMS_CMD_OPTOUT, "" },
	{ "tuiding", SMS_CMD_OPTOUT, "" },
	{ "TD退订", SMS_CMD_OPTOUT, "" },
	{ "td 退订", SMS_CMD_OPTOUT, "" },
	{ "DY", SMS_CMD_OPTIN, "" },
	{ "dy", SMS_CMD_OPTIN, "" },
	{ "订阅", SMS_CMD_OPTIN, "" },
	{ "dingyue", SMS_CMD_OPTIN, "" },
	{ "BZ", SMS_CMD_HELP, "" },
	{ "bz", SMS_CMD_HELP, "" },
	{ "帮助", SMS_CMD_HELP, "" },
	{ "bangzhu", SMS_CMD_HELP, "" },
	{ "CD", SMS_CMD_MENU, "" },
	{ "cd", SMS_CMD_MENU, "" },
	{ "菜单", SMS_CMD_MENU, "" },
	{ "caidan", SMS_CMD_MENU, "" },
	{ "FK", SMS_CMD_FEEDBACK, "" },
	{ "反馈", SMS_CMD_FEEDBACK, "" },
	{ "fankui", SMS_CMD_FEEDBACK, "" },
	{ "BM", SMS_CMD_ENROLL, "" },
	{ "报名", SMS_CMD_ENROLL, "" },
	{ "baoming", SMS_CMD_ENROLL, "" },
	{ "QR", SMS_CMD_ACK, "" },
	{ "确认", SMS_CMD_ACK, "" },
	{ "queren", SMS_CMD_ACK, "" },
};

/* Trailing punctuation after a keyword; villagers' extra words. */
static const struct route_case trailing[] = {
	{ "查询。", SMS_CMD_QUERY, "" },
	{ "CX?", SMS_CMD_QUERY, "" },
	{ "cx！", SMS_CMD_QUERY, "" },
	{ "td!", SMS_CMD_OPTOUT, "" },
	{ "R.", SMS_CMD_OPTOUT, "" },
	{ "退订！！", SMS_CMD_OPTOUT, "" },
	{ "dy。", SMS_CMD_OPTIN, "" },
	{ "BZ？", SMS_CMD_HELP, "" },
	{ "帮助?", SMS_CMD_HELP, "" },
	{ "cd…", SMS_CMD_MENU, "" },
	{ "查询余额", SMS_CMD_QUERY, "" },
	{ "查询 我家的情况", SMS_CMD_QUERY, "" },
	{ "拒收短信", SMS_CMD_OPTOUT, "" },
	{ "菜单1", SMS_CMD_MENU, "" },
};

/* The argument, with or without a space; FK keeps its characters. */
static const struct route_case arguments[] = {
	{ "FK路灯坏了", SMS_CMD_FEEDBACK, "路灯坏了" },
	{ "反馈 路灯坏了", SMS_CMD_FEEDBACK, "路灯坏了" },
	{ "反馈路灯坏了", SMS_CMD_FEEDBACK, "路灯坏了" },
	{ "fk 路灯坏了", SMS_CMD_FEEDBACK, "路灯坏了" },
	{ "ｆｋ　路灯坏了", SMS_CMD_FEEDBACK, "路灯坏了" },
	{ "fankui 水管漏水。", SMS_CMD_FEEDBACK, "水管漏水。" },
	{ "反馈：路灯坏了，请修一下！", SMS_CMD_FEEDBACK,
	  "路灯坏了，请修一下！" },
	{ "FK\t２号　路灯 \n", SMS_CMD_FEEDBACK, "２号　路灯" },
	{ "反馈\n第一行\n第二行\n", SMS_CMD_FEEDBACK, "第一行\n第二行" },
	{ "FK 123", SMS_CMD_FEEDBACK, "123" },
	{ "FK123", SMS_CMD_FEEDBACK, "123" },
	{ "fk:water pipe", SMS_CMD_FEEDBACK, "water pipe" },
	{ "FK 。", SMS_CMD_FEEDBACK, "" },
	{ "FK。", SMS_CMD_FEEDBACK, "" },
	{ "BMYL", SMS_CMD_ENROLL, "YL" },
	{ "bm yl", SMS_CMD_ENROLL, "YL" },
	{ "BM YL", SMS_CMD_ENROLL, "YL" },
	{ "ＢＭ　ｙｌ", SMS_CMD_ENROLL, "YL" },
	{ "报名YL", SMS_CMD_ENROLL, "YL" },
	{ "报名 cy", SMS_CMD_ENROLL, "CY" },
	{ "baoming xd", SMS_CMD_ENROLL, "XD" },
	{ "BM yl。", SMS_CMD_ENROLL, "YL" },
	{ "BM-YL", SMS_CMD_ENROLL, "YL" },
	{ "bm【yl】", SMS_CMD_ENROLL, "YL" },
	{ "报名 雨露计划", SMS_CMD_ENROLL, "雨露计划" },
	{ "BM 。", SMS_CMD_ENROLL, "" },
	{ "QR T123", SMS_CMD_ACK, "T123" },
	{ "确认T123", SMS_CMD_ACK, "T123" },
	{ "qrt12", SMS_CMD_ACK, "T12" },
	{ "确认 ｔ１２", SMS_CMD_ACK, "T12" },
	{ "queren t9", SMS_CMD_ACK, "T9" },
	{ "確認T5!", SMS_CMD_ACK, "T5" },
	{ "QR  t 12 ", SMS_CMD_ACK, "T 12" },
};

/* Nothing said; or a menu answer. */
static const struct route_case blanks_and_digits[] = {
	{ "", SMS_CMD_EMPTY, "" },
	{ "   ", SMS_CMD_EMPTY, "" },
	{ "\t\r\n", SMS_CMD_EMPTY, "" },
	{ "　", SMS_CMD_EMPTY, "" },
	{ "。", SMS_CMD_EMPTY, "" },
	{ "...", SMS_CMD_EMPTY, "" },
	{ "！！！", SMS_CMD_EMPTY, "" },
	{ "，。、", SMS_CMD_EMPTY, "" },
	{ "*", SMS_CMD_EMPTY, "" },
	{ "?!", SMS_CMD_EMPTY, "" },
	{ "?", SMS_CMD_HELP, "" },
	{ "？", SMS_CMD_HELP, "" },
	{ " ？？ ", SMS_CMD_HELP, "" },
	{ "0", SMS_CMD_MENU, "" },
	{ "０", SMS_CMD_MENU, "" },
	{ " 0。", SMS_CMD_MENU, "" },
	{ "00", SMS_CMD_DIGITS, "00" },
	{ "1", SMS_CMD_DIGITS, "1" },
	{ "98", SMS_CMD_DIGITS, "98" },
	{ "2*1", SMS_CMD_DIGITS, "2*1" },
	{ "１２", SMS_CMD_DIGITS, "12" },
	{ " 3 ", SMS_CMD_DIGITS, "3" },
	{ "1*", SMS_CMD_DIGITS, "1*" },
};

/* Words that begin like a keyword, plain chat, other scripts. */
static const struct route_case not_commands[] = {
	{ "CXY", SMS_CMD_NONE, "" },
	{ "TDX", SMS_CMD_NONE, "" },
	{ "Rabc", SMS_CMD_NONE, "" },
	{ "BZZ", SMS_CMD_NONE, "" },
	{ "FKX", SMS_CMD_NONE, "" },
	{ "fkabc", SMS_CMD_NONE, "" },
	{ "hello", SMS_CMD_NONE, "" },
	{ "r u ok", SMS_CMD_NONE, "" },
	{ "td1", SMS_CMD_NONE, "" },
	{ "cx 1", SMS_CMD_NONE, "" },
	{ "cdma", SMS_CMD_NONE, "" },
	{ "dyx", SMS_CMD_NONE, "" },
	{ "chaxunle", SMS_CMD_NONE, "" },
	{ "TD DY", SMS_CMD_NONE, "" },
	{ "我要退订", SMS_CMD_NONE, "" },
	{ "谢谢", SMS_CMD_NONE, "" },
	{ "1 2", SMS_CMD_NONE, "" },
	{ "1#", SMS_CMD_NONE, "" },
	{ "😀", SMS_CMD_NONE, "" },
	{ "ꆈꌠꁱꂷ", SMS_CMD_NONE, "" },			/* Nuosu Yi */
	{ "ꀉꂿ ꃅꄿ", SMS_CMD_NONE, "" },
	{ "བཀྲ་ཤིས་བདེ་ལེགས།", SMS_CMD_NONE, "" },	/* Tibetan */
	{ "ཞིབ་བཤེར།", SMS_CMD_NONE, "" },
};

START_TEST(keywords_in_chinese_pinyin_any_case_and_full_width)
{
	check_case(&keywords[_i]);
}
END_TEST

START_TEST(trailing_punctuation_and_words_after_chinese_are_allowed)
{
	check_case(&trailing[_i]);
}
END_TEST

START_TEST(arguments_follow_with_or_without_a_space)
{
	check_case(&arguments[_i]);
}
END_TEST

START_TEST(blanks_are_empty_and_digits_answer_the_menu)
{
	check_case(&blanks_and_digits[_i]);
}
END_TEST

START_TEST(false_friends_and_other_scripts_are_no_command)
{
	check_case(&not_commands[_i]);
}
END_TEST

START_TEST(invalid_utf8_is_no_command)
{
	static const char *const bad[] = {
		"\xFF", "CX\xFF", "\xC0\xAF", "\xED\xA0\x80", "\xE6\x9F",
		"FK \x80", "FK \xE8\xB7", "\xF4\x90\x80\x80", "\xC3",
	};
	struct sms_cmd cmd;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&cmd, 'x', sizeof(cmd));
		sms_router_parse(bad[i], strlen(bad[i]), &cmd);
		ck_assert_msg(cmd.kind == SMS_CMD_NONE, "bad[%zu]: %s", i,
		    sms_router_name(cmd.kind));
		ck_assert_str_eq(cmd.arg, "");
	}
	/* The length decides, not a NUL: "查询" cut in the middle. */
	sms_router_parse("查询", 4, &cmd);
	ck_assert_int_eq(cmd.kind, SMS_CMD_NONE);
	sms_router_parse(NULL, 0, &cmd);
	ck_assert_int_eq(cmd.kind, SMS_CMD_EMPTY);
}
END_TEST

START_TEST(long_feedback_is_cut_at_a_character_boundary)
{
	static char text[8192];
	struct sms_cmd cmd;
	size_t n, i, alen;

	/* "FK a" and 1,000 three-byte characters: 1021 bytes fit in 1023. */
	memcpy(text, "FK a", 4);
	n = 4;
	for (i = 0; i < 1000; i++) {
		memcpy(text + n, "路", 3);
		n += 3;
	}
	sms_router_parse(text, n, &cmd);
	ck_assert_int_eq(cmd.kind, SMS_CMD_FEEDBACK);
	alen = strlen(cmd.arg);
	ck_assert_uint_eq(alen, 1 + 340 * 3);
	ck_assert(charset_is_utf8(cmd.arg, alen));

	/* Four-byte characters: 255 of them fill 1020 bytes. */
	memcpy(text, "反馈", 6);
	n = 6;
	for (i = 0; i < 1000; i++) {
		memcpy(text + n, "😀", 4);
		n += 4;
	}
	sms_router_parse(text, n, &cmd);
	ck_assert_int_eq(cmd.kind, SMS_CMD_FEEDBACK);
	ck_assert_uint_eq(strlen(cmd.arg), 1020);
	ck_assert(charset_is_utf8(cmd.arg, strlen(cmd.arg)));

	/* 1,500 ASCII letters: exactly SMS_ARG_MAX - 1 kept. */
	memcpy(text, "FK ", 3);
	memset(text + 3, 'w', 1500);
	sms_router_parse(text, 1503, &cmd);
	ck_assert_int_eq(cmd.kind, SMS_CMD_FEEDBACK);
	ck_assert_uint_eq(strlen(cmd.arg), SMS_ARG_MAX - 1);
}
END_TEST

START_TEST(long_texts_that_are_not_commands_are_none)
{
	static char text[8192];
	struct sms_cmd cmd;
	size_t n = 0, i;

	for (i = 0; i < 2000; i++) {
		memcpy(text + n, "你", 3);
		n += 3;
	}
	sms_router_parse(text, n, &cmd);
	ck_assert_int_eq(cmd.kind, SMS_CMD_NONE);
	ck_assert_str_eq(cmd.arg, "");

	memset(text, '7', 3000);
	sms_router_parse(text, 3000, &cmd);
	ck_assert_int_eq(cmd.kind, SMS_CMD_DIGITS);
	ck_assert_uint_eq(strlen(cmd.arg), SMS_ARG_MAX - 1);

	memset(text, ' ', 3000);
	sms_router_parse(text, 3000, &cmd);
	ck_assert_int_eq(cmd.kind, SMS_CMD_EMPTY);
}
END_TEST

START_TEST(feedback_drops_control_characters_that_would_cut_it)
{
	struct sms_cmd cmd;

	sms_router_parse("FK a\0b\x01" "c", 8, &cmd);
	ck_assert_int_eq(cmd.kind, SMS_CMD_FEEDBACK);
	ck_assert_str_eq(cmd.arg, "abc");
}
END_TEST

START_TEST(a_reused_result_is_cleared)
{
	struct sms_cmd cmd;

	sms_router_parse("FK 路灯坏了", strlen("FK 路灯坏了"), &cmd);
	ck_assert_str_eq(cmd.arg, "路灯坏了");
	sms_router_parse("CX", 2, &cmd);
	ck_assert_int_eq(cmd.kind, SMS_CMD_QUERY);
	ck_assert_str_eq(cmd.arg, "");
	sms_router_parse("hello", 5, &cmd);
	ck_assert_int_eq(cmd.kind, SMS_CMD_NONE);
	ck_assert_str_eq(cmd.arg, "");
}
END_TEST

START_TEST(names_for_logs_are_the_spec_keywords)
{
	ck_assert_str_eq(sms_router_name(SMS_CMD_NONE), "none");
	ck_assert_str_eq(sms_router_name(SMS_CMD_EMPTY), "empty");
	ck_assert_str_eq(sms_router_name(SMS_CMD_QUERY), "CX");
	ck_assert_str_eq(sms_router_name(SMS_CMD_FEEDBACK), "FK");
	ck_assert_str_eq(sms_router_name(SMS_CMD_ENROLL), "BM");
	ck_assert_str_eq(sms_router_name(SMS_CMD_ACK), "QR");
	ck_assert_str_eq(sms_router_name(SMS_CMD_OPTOUT), "TD");
	ck_assert_str_eq(sms_router_name(SMS_CMD_OPTIN), "DY");
	ck_assert_str_eq(sms_router_name(SMS_CMD_HELP), "BZ");
	ck_assert_str_eq(sms_router_name(SMS_CMD_MENU), "CD");
	ck_assert_str_eq(sms_router_name(SMS_CMD_DIGITS), "digits");
}
END_TEST

Suite *
router_suite(void)
{
	Suite *s = suite_create("router");
	TCase *tc = tcase_create("keywords");

	tcase_add_loop_test(tc,
	    keywords_in_chinese_pinyin_any_case_and_full_width, 0,
	    N(keywords));
	tcase_add_loop_test(tc,
	    trailing_punctuation_and_words_after_chinese_are_allowed, 0,
	    N(trailing));
	tcase_add_loop_test(tc, false_friends_and_other_scripts_are_no_command,
	    0, N(not_commands));
	suite_add_tcase(s, tc);

	tc = tcase_create("arguments");
	tcase_add_loop_test(tc, arguments_follow_with_or_without_a_space, 0,
	    N(arguments));
	tcase_add_test(tc, long_feedback_is_cut_at_a_character_boundary);
	tcase_add_test(tc, feedback_drops_control_characters_that_would_cut_it);
	suite_add_tcase(s, tc);

	tc = tcase_create("blanks_and_digits");
	tcase_add_loop_test(tc, blanks_are_empty_and_digits_answer_the_menu, 0,
	    N(blanks_and_digits));
	suite_add_tcase(s, tc);

	tc = tcase_create("robustness");
	tcase_add_test(tc, invalid_utf8_is_no_command);
	tcase_add_test(tc, long_texts_that_are_not_commands_are_none);
	tcase_add_test(tc, a_reused_result_is_cleared);
	tcase_add_test(tc, names_for_logs_are_the_spec_keywords);
	suite_add_tcase(s, tc);
	return s;
}
