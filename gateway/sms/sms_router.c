/*
 * sms_router.c: keyword folding and command recognition for inbound SMS
 * (sms_router.h, SPEC 3.2).  Pure: text in, struct sms_cmd out; it knows
 * nothing of the database, replies or flood control (sms_service.c and
 * the sms_cmd_*.c files do that).  Called once per inbound message, so it
 * works in place on the caller's bytes: no allocation, no copy of the
 * text, a few linear passes.
 *
 * How a text is read:
 *  - Invalid UTF-8 is SMS_CMD_NONE.  Folding (for matching only): ASCII
 *    case, full-width forms U+FF01..FF5E, and blanks (U+3000, tab,
 *    newline, other controls, NBSP and the U+2000 spaces) become one ' '.
 *  - Leading blanks and opening quotes/brackets ("【CX】", "“查询”") are
 *    skipped; trailing blanks, and for keywords and codes trailing
 *    punctuation (。.!?,;:~… and closing quotes), are not part of the
 *    command.
 *  - Only blanks and punctuation: EMPTY, except that only question marks
 *    ("?", "？", "??") ask for HELP.  Only digits and '*': DIGITS (a menu
 *    answer, "1", "2*1", "00", "98"), except "0" alone, which is MENU.
 *  - Keywords are matched at the start only ("我要退订" is NONE: a word
 *    further on may be negated, "不要退订").
 *  - A Latin keyword (pinyin initials CX, full pinyin chaxun) of a
 *    command without an argument must stand alone: "CXY", "TDX", "BZZ",
 *    "Rabc", "r u ok", "td1" are NONE.  It may be repeated by the same
 *    command's keyword, because notices say "回复TD退订": "TD退订",
 *    "TD 退订" are OPTOUT.
 *  - A Chinese keyword may be followed by anything, which is ignored for
 *    commands without an argument: villagers add words ("查询余额" is
 *    QUERY, "拒收短信" is OPTOUT).  Traditional forms (查詢 ...) count.
 *  - Commands with an argument take it with or without a blank and after
 *    a separator (: , ; . 、 。, and for codes also - and opening
 *    brackets).  BM and QR codes may follow their Latin keyword directly
 *    ("BMYL", "QRT12"); FK may not be followed directly by a Latin
 *    letter ("FKX", "fkabc" are NONE: more often a word than feedback),
 *    but by anything else ("FK路灯坏了", "FK 1楼", "fk:...").  Without an
 *    argument ("FK", "BM。") the command comes with an empty arg; the
 *    caller asks for it.
 *  - FEEDBACK's arg is the original bytes, trimmed of blanks (incl.
 *    U+3000), with C0 controls other than tab/CR/LF dropped so that a NUL
 *    cannot cut the stored text; only punctuation counts as empty.
 *    ENROLL and ACK args are folded: upper-case ASCII, blank runs as one
 *    space, trailing punctuation dropped; other characters are kept.
 *    Every arg is cut at a character boundary to SMS_ARG_MAX - 1 bytes.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "charset.h"
#include "sms_router.h"

struct keyword {
	const char		*word;	/* folded: lower-case ASCII or Han */
	enum sms_cmd_kind	 kind;
};

/* No keyword is a prefix of another; the longest match wins anyway. */
static const struct keyword keywords[] = {
	{ "cx",		SMS_CMD_QUERY },
	{ "chaxun",	SMS_CMD_QUERY },
	{ "查询",	SMS_CMD_QUERY },
	{ "查詢",	SMS_CMD_QUERY },
	{ "fk",		SMS_CMD_FEEDBACK },
	{ "fankui",	SMS_CMD_FEEDBACK },
	{ "反馈",	SMS_CMD_FEEDBACK },
	{ "反饋",	SMS_CMD_FEEDBACK },
	{ "bm",		SMS_CMD_ENROLL },
	{ "baoming",	SMS_CMD_ENROLL },
	{ "报名",	SMS_CMD_ENROLL },
	{ "報名",	SMS_CMD_ENROLL },
	{ "qr",		SMS_CMD_ACK },
	{ "queren",	SMS_CMD_ACK },
	{ "确认",	SMS_CMD_ACK },
	{ "確認",	SMS_CMD_ACK },
	{ "td",		SMS_CMD_OPTOUT },
	{ "r",		SMS_CMD_OPTOUT },
	{ "tuiding",	SMS_CMD_OPTOUT },
	{ "jushou",	SMS_CMD_OPTOUT },
	{ "退订",	SMS_CMD_OPTOUT },
	{ "退訂",	SMS_CMD_OPTOUT },
	{ "拒收",	SMS_CMD_OPTOUT },
	{ "dy",		SMS_CMD_OPTIN },
	{ "dingyue",	SMS_CMD_OPTIN },
	{ "订阅",	SMS_CMD_OPTIN },
	{ "訂閱",	SMS_CMD_OPTIN },
	{ "bz",		SMS_CMD_HELP },
	{ "bangzhu",	SMS_CMD_HELP },
	{ "帮助",	SMS_CMD_HELP },
	{ "幫助",	SMS_CMD_HELP },
	{ "cd",		SMS_CMD_MENU },
	{ "caidan",	SMS_CMD_MENU },
	{ "菜单",	SMS_CMD_MENU },
	{ "菜單",	SMS_CMD_MENU },
};

#define NKEYWORDS	(sizeof(keywords) / sizeof(keywords[0]))

/* Decode the code point at s[*i] and step past it; s is valid UTF-8. */
static uint32_t
decode(const unsigned char *s, size_t *i)
{
	unsigned char c = s[*i];
	uint32_t cp;
	size_t n, k;

	if (c < 0x80) {
		(*i)++;
		return c;
	}
	if (c < 0xE0) {
		n = 1;
		cp = c & 0x1Fu;
	} else if (c < 0xF0) {
		n = 2;
		cp = c & 0x0Fu;
	} else {
		n = 3;
		cp = c & 0x07u;
	}
	for (k = 1; k <= n; k++)
		cp = (cp << 6) | (s[*i + k] & 0x3Fu);
	*i += n + 1;
	return cp;
}

/* Start of the character that ends just before s[j], j > from. */
static size_t
back(const unsigned char *s, size_t from, size_t j)
{
	j--;
	while (j > from && (s[j] & 0xC0) == 0x80)
		j--;
	return j;
}

static bool
is_blank_cp(uint32_t cp)
{
	return cp <= 0x20 || (cp >= 0x7F && cp <= 0xA0) || cp == 0x3000 ||
	    (cp >= 0x2000 && cp <= 0x200B) || cp == 0x202F || cp == 0x205F ||
	    cp == 0xFEFF;
}

/* The folded form used for matching; every blank becomes ' '. */
static uint32_t
fold(uint32_t cp)
{
	if (cp >= 0xFF01 && cp <= 0xFF5E)
		cp -= 0xFEE0;
	if (cp >= 'A' && cp <= 'Z')
		return cp + ('a' - 'A');
	if (is_blank_cp(cp))
		return ' ';
	return cp;
}

static uint32_t
next_folded(const unsigned char *s, size_t *i)
{
	return fold(decode(s, i));
}

/* Opening quotes and brackets (folded), skipped before a command. */
static bool
is_opener(uint32_t f)
{
	switch (f) {
	case '"': case '\'': case '(': case '[': case '<': case '{':
	case 0x2018: case 0x201C:			/* ‘ “ */
	case 0x3008: case 0x300A: case 0x300C:		/* 〈 《 「 */
	case 0x300E: case 0x3010: case 0x3014:		/* 『 【 〔 */
	case 0x3016:					/* 〖 */
		return true;
	default:
		return false;
	}
}

/* Punctuation allowed after a keyword or code: 。.!?,;:~… and closers. */
static bool
is_trailing(uint32_t f)
{
	switch (f) {
	case '.': case '!': case '?': case ',': case ';': case ':':
	case '~': case '"': case '\'': case ')': case ']': case '>':
	case '}':
	case 0x2019: case 0x201D: case 0x2026:		/* ’ ” … */
	case 0x3001: case 0x3002: case 0x3009:		/* 、 。 〉 */
	case 0x300B: case 0x300D: case 0x300F:		/* 》 」 』 */
	case 0x3011: case 0x3015: case 0x3017:		/* 】 〕 〗 */
	case 0xFF61:					/* ｡ */
		return true;
	default:
		return false;
	}
}

/* Separators between a keyword and its argument (besides blanks). */
static bool
is_separator(uint32_t f)
{
	return f == ':' || f == ',' || f == '.' || f == ';' || f == 0x3001 ||
	    f == 0x3002;
}

/* Before a code also dashes and brackets: "BM-YL", "确认【T12】". */
static bool
is_code_separator(uint32_t f)
{
	return f == '-' || is_separator(f) || is_opener(f);
}

/* Any punctuation or symbol that carries no command (after folding). */
static bool
is_punct(uint32_t f)
{
	if (f < 0x80)
		return (f >= 0x21 && f <= 0x2F) || (f >= 0x3A && f <= 0x40) ||
		    (f >= 0x5B && f <= 0x60) || (f >= 0x7B && f <= 0x7E);
	return (f >= 0xA1 && f <= 0xBF) || f == 0xD7 || f == 0xF7 ||
	    (f >= 0x2010 && f <= 0x205E) ||	/* general punctuation */
	    (f >= 0x3001 && f <= 0x3003) || (f >= 0x3008 && f <= 0x301F) ||
	    (f >= 0x0F04 && f <= 0x0F14) ||	/* Tibetan marks, shad */
	    (f >= 0xFE10 && f <= 0xFE19) || (f >= 0xFE30 && f <= 0xFE4F) ||
	    (f >= 0xFF5F && f <= 0xFF65);
}

static bool
is_latin_letter(uint32_t f)
{
	return (f >= 'a' && f <= 'z') ||
	    (f >= 0xC0 && f <= 0x24F && f != 0xD7 && f != 0xF7);
}

/* First position in s[i..end) that is not a blank (or end). */
static size_t
skip_blanks(const unsigned char *s, size_t i, size_t end)
{
	size_t j;

	while (i < end) {
		j = i;
		if (next_folded(s, &j) != ' ')
			break;
		i = j;
	}
	return i;
}

/* Skip blanks and characters for which `skip` holds. */
static size_t
skip_while(const unsigned char *s, size_t i, size_t end,
    bool (*skip)(uint32_t))
{
	size_t j;
	uint32_t f;

	while (i < end) {
		j = i;
		f = next_folded(s, &j);
		if (f != ' ' && !skip(f))
			break;
		i = j;
	}
	return i;
}

/* End of s[start..end) without trailing blanks (and trailing punct). */
static size_t
trim_end(const unsigned char *s, size_t start, size_t end, bool punct)
{
	size_t j, k;
	uint32_t f;

	while (end > start) {
		j = back(s, start, end);
		k = j;
		f = next_folded(s, &k);
		if (f != ' ' && !(punct && is_trailing(f)))
			break;
		end = j;
	}
	return end;
}

/*
 * True when s[start..end) is only blanks and punctuation; *only_q tells
 * whether every one of those punctuation marks is a question mark.
 */
static bool
only_punct(const unsigned char *s, size_t start, size_t end, bool *only_q)
{
	size_t i = start;
	uint32_t f;

	*only_q = true;
	while (i < end) {
		f = next_folded(s, &i);
		if (f == ' ')
			continue;
		if (!is_punct(f))
			return false;
		if (f != '?')
			*only_q = false;
	}
	return true;
}

/* Does keyword `w` (folded UTF-8) start at s[i..end)?  *wend: its end. */
static bool
match_word(const unsigned char *s, size_t i, size_t end, const char *w,
    size_t *wend)
{
	const unsigned char *k = (const unsigned char *)w;
	size_t ki = 0;

	while (k[ki] != '\0') {
		if (i >= end || next_folded(s, &i) != decode(k, &ki))
			return false;
	}
	*wend = i;
	return true;
}

static const struct keyword *
match_keyword(const unsigned char *s, size_t i, size_t end, size_t *wend)
{
	const struct keyword *best = NULL;
	size_t n, e;

	*wend = i;
	for (n = 0; n < NKEYWORDS; n++) {
		if (match_word(s, i, end, keywords[n].word, &e) && e > *wend) {
			best = &keywords[n];
			*wend = e;
		}
	}
	return best;
}

/* DIGITS / MENU: s[start..core) only digits and '*', at least a digit. */
static bool
parse_digits(const unsigned char *s, size_t start, size_t core,
    struct sms_cmd *out)
{
	size_t i = start, o = 0;
	bool has_digit = false;
	uint32_t f;

	while (i < core) {
		f = next_folded(s, &i);
		if (f >= '0' && f <= '9')
			has_digit = true;
		else if (f != '*')
			return false;
	}
	if (!has_digit)
		return false;
	for (i = start; i < core && o + 1 < SMS_ARG_MAX;)
		out->arg[o++] = (char)next_folded(s, &i);
	out->arg[o] = '\0';
	if (strcmp(out->arg, "0") == 0) {
		out->kind = SMS_CMD_MENU;	/* SPEC 3.2: CD / 0 */
		out->arg[0] = '\0';
	} else {
		out->kind = SMS_CMD_DIGITS;
	}
	return true;
}

/* Append s[i..i+n) to arg at *o if it fits; false when full. */
static bool
put(char *arg, size_t *o, const unsigned char *src, size_t n)
{
	if (*o + n > SMS_ARG_MAX - 1)
		return false;
	memcpy(arg + *o, src, n);
	*o += n;
	return true;
}

/* FEEDBACK: the original characters of s[a..end), minus C0 controls. */
static void
copy_original(const unsigned char *s, size_t a, size_t end, char *arg)
{
	size_t i = a, j, o = 0;
	uint32_t cp;
	bool only_q;

	if (only_punct(s, a, end, &only_q)) {
		arg[0] = '\0';
		return;
	}
	while (i < end) {
		j = i;
		cp = decode(s, &j);
		if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
		    cp == 0x7F) {
			i = j;
			continue;
		}
		if (!put(arg, &o, s + i, j - i))
			break;
		i = j;
	}
	/* A cut may leave a blank at the end: trim again. */
	o = trim_end((const unsigned char *)arg, 0, o, false);
	arg[o] = '\0';
}

/* ENROLL / ACK: s[a..core) folded to upper-case ASCII, blanks as one. */
static void
copy_folded(const unsigned char *s, size_t a, size_t core, char *arg)
{
	size_t i = a, j, o = 0;
	unsigned char c;
	uint32_t f;
	bool blank = false;

	while (i < core) {
		j = i;
		f = next_folded(s, &j);
		if (f == ' ') {
			blank = true;
			i = j;
			continue;
		}
		if (blank && o > 0 && !put(arg, &o,
		    (const unsigned char *)" ", 1))
			break;
		blank = false;
		if (f < 0x80) {
			c = (unsigned char)(f >= 'a' && f <= 'z' ?
			    f - ('a' - 'A') : f);
			if (!put(arg, &o, &c, 1))
				break;
		} else if (!put(arg, &o, s + i, j - i)) {
			break;
		}
		i = j;
	}
	arg[o] = '\0';
}

static bool
takes_arg(enum sms_cmd_kind kind)
{
	return kind == SMS_CMD_FEEDBACK || kind == SMS_CMD_ENROLL ||
	    kind == SMS_CMD_ACK;
}

/*
 * After a Latin keyword of a command without an argument, s[i..core)
 * must be nothing, or the same command again ("TD退订", "td td").
 */
static bool
stands_alone(const unsigned char *s, size_t i, size_t core,
    enum sms_cmd_kind kind)
{
	const struct keyword *kw;
	size_t e;

	i = skip_blanks(s, i, core);
	if (i >= core)
		return true;
	kw = match_keyword(s, i, core, &e);
	if (kw == NULL || kw->kind != kind)
		return false;
	if ((unsigned char)kw->word[0] >= 0x80)
		return true;	/* Chinese: trailing words are fine */
	return skip_blanks(s, e, core) >= core;
}

static bool
parse_keyword(const unsigned char *s, size_t start, size_t end, size_t core,
    struct sms_cmd *out)
{
	const struct keyword *kw;
	size_t after, j, a;
	bool is_latin;
	uint32_t next = ' ';

	kw = match_keyword(s, start, end, &after);
	if (kw == NULL)
		return false;
	is_latin = (unsigned char)kw->word[0] < 0x80;
	if (after < end) {
		j = after;
		next = next_folded(s, &j);
	}
	if (!takes_arg(kw->kind)) {
		if (is_latin && !stands_alone(s, after, core, kw->kind))
			return false;
		out->kind = kw->kind;
		return true;
	}
	/* "FKX" is a word, not feedback; "BMYL" and "QRT12" are codes. */
	if (is_latin && kw->kind == SMS_CMD_FEEDBACK && is_latin_letter(next))
		return false;
	out->kind = kw->kind;
	if (kw->kind == SMS_CMD_FEEDBACK) {
		a = skip_while(s, after, end, is_separator);
		copy_original(s, a, end, out->arg);
		return true;
	}
	a = skip_while(s, after, core, is_code_separator);
	copy_folded(s, a, core, out->arg);
	return true;
}

void
sms_router_parse(const char *text, size_t len, struct sms_cmd *out)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t start, end, core;
	bool only_q;

	out->kind = SMS_CMD_NONE;
	out->arg[0] = '\0';
	if (text == NULL || len == 0) {
		out->kind = SMS_CMD_EMPTY;
		return;
	}
	if (!charset_is_utf8(text, len))
		return;
	start = skip_blanks(s, 0, len);
	end = trim_end(s, start, len, false);
	if (only_punct(s, start, end, &only_q)) {
		/* "?" and "？" ask for help (SPEC 3.2); "。" says nothing. */
		out->kind = only_q && start < end ? SMS_CMD_HELP :
		    SMS_CMD_EMPTY;
		return;
	}
	start = skip_while(s, start, end, is_opener);
	core = trim_end(s, start, end, true);
	if (parse_digits(s, start, core, out))
		return;
	(void)parse_keyword(s, start, end, core, out);
}

const char *
sms_router_name(enum sms_cmd_kind kind)
{
	switch (kind) {
	case SMS_CMD_NONE:	return "none";
	case SMS_CMD_EMPTY:	return "empty";
	case SMS_CMD_QUERY:	return "CX";
	case SMS_CMD_FEEDBACK:	return "FK";
	case SMS_CMD_ENROLL:	return "BM";
	case SMS_CMD_ACK:	return "QR";
	case SMS_CMD_OPTOUT:	return "TD";
	case SMS_CMD_OPTIN:	return "DY";
	case SMS_CMD_HELP:	return "BZ";
	case SMS_CMD_MENU:	return "CD";
	case SMS_CMD_DIGITS:	return "digits";
	}
	return "none";
}
