/*
 * sms_router.h: what an inbound SMS asks for (SPEC 3.2).  Pure: text in,
 * decision out; no database, no replies.  Folds case, full-width letters,
 * digits and spaces (U+FF01-FF5E, U+3000) and surrounding blanks; knows
 * each command's Latin letters (pinyin initials, e.g. CX), its Chinese
 * word (查询) and full pinyin (chaxun); accepts a keyword followed by its
 * argument with or without a space ("FK路灯坏了", "反馈 路灯坏了").
 */
#ifndef FP_SMS_ROUTER_H
#define FP_SMS_ROUTER_H

#include <stddef.h>

enum sms_cmd_kind {
	SMS_CMD_NONE,		/* unmatched: help once per interval */
	SMS_CMD_EMPTY,		/* nothing but blanks/punctuation */
	SMS_CMD_QUERY,		/* CX 查询 */
	SMS_CMD_FEEDBACK,	/* FK 反馈 <text> */
	SMS_CMD_ENROLL,		/* BM 报名 <code> */
	SMS_CMD_ACK,		/* QR 确认 <task> */
	SMS_CMD_OPTOUT,		/* TD R 退订 拒收 */
	SMS_CMD_OPTIN,		/* DY 订阅 */
	SMS_CMD_HELP,		/* BZ ? 帮助 */
	SMS_CMD_MENU,		/* CD 0 菜单 */
	SMS_CMD_DIGITS,		/* only digits and '*': a menu answer */
};

#define SMS_ARG_MAX 1024	/* bytes of argument kept, UTF-8 */

struct sms_cmd {
	enum sms_cmd_kind kind;
	/*
	 * The argument after the keyword, trimmed of blanks, in its
	 * original characters (feedback text keeps full-width punctuation)
	 * except that ENROLL and ACK arguments are folded to upper-case
	 * ASCII ("yl" -> "YL", "ｔ１２" -> "T12"); for DIGITS, the digits.
	 * Cut at a character boundary to fit SMS_ARG_MAX - 1 bytes.
	 */
	char	 arg[SMS_ARG_MAX];
};

/*
 * Decide what text[0..len) (UTF-8, may be invalid) asks.  Never fails:
 * invalid UTF-8 or anything not a command gives SMS_CMD_NONE.
 */
void sms_router_parse(const char *text, size_t len, struct sms_cmd *out);

/* The command's canonical name for logs and events: "CX", "FK", ...,
 * "none", "empty", "digits". */
const char *sms_router_name(enum sms_cmd_kind kind);

#endif
