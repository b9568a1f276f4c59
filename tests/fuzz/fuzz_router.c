/*
 * fuzz_router.c: libFuzzer harness for the inbound SMS text path: the
 * command router (sms_router_parse) and the segment counter (gsm_count,
 * gsm_count_signed, gsm_screen_fits) on the same bytes.  Besides crashes
 * it checks the contracts: the argument is NUL-terminated inside
 * SMS_ARG_MAX and valid UTF-8, only commands with an argument have one,
 * invalid UTF-8 is SMS_CMD_NONE and FP_EINVAL alike, and a valid text
 * needs at least one segment.  Built by `make fuzz` (clang) and replayed
 * under gcc by `make test`.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "gsm.h"
#include "sms_router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_cmd(const struct sms_cmd *cmd, bool is_utf8)
{
	const char *end;
	size_t alen, i;

	if (cmd->kind > SMS_CMD_DIGITS)
		abort();
	end = memchr(cmd->arg, '\0', SMS_ARG_MAX);
	if (end == NULL)
		abort();
	alen = (size_t)(end - cmd->arg);
	if (!charset_is_utf8(cmd->arg, alen))
		abort();
	if (!is_utf8 && (cmd->kind != SMS_CMD_NONE || alen != 0))
		abort();
	switch (cmd->kind) {
	case SMS_CMD_FEEDBACK:
		break;
	case SMS_CMD_ENROLL:
	case SMS_CMD_ACK:
		for (i = 0; i < alen; i++)
			if (cmd->arg[i] >= 'a' && cmd->arg[i] <= 'z')
				abort();	/* folded to upper case */
		break;
	case SMS_CMD_DIGITS:
		if (alen == 0)
			abort();
		for (i = 0; i < alen; i++)
			if ((cmd->arg[i] < '0' || cmd->arg[i] > '9') &&
			    cmd->arg[i] != '*')
				abort();
		break;
	default:
		if (alen != 0)
			abort();	/* no argument to give */
		break;
	}
}

static void
check_count(const char *text, size_t size, bool is_utf8)
{
	struct gsm_count c, sc;
	size_t max;

	if ((gsm_count(text, size, &c) == FP_OK) != is_utf8)
		abort();
	if (gsm_screen_fits(text, size, 182, 80) && !is_utf8)
		abort();
	if (!is_utf8)
		return;
	if (c.segments < 1 || c.units < c.chars || c.units > 2 * c.chars)
		abort();
	max = c.encoding == GSM_ENC_GSM7 ? 153 : 67;
	if (c.segments > 1 && (c.segments - 1) * max >= c.units)
		abort();
	if (gsm_screen_fits(text, size, 182, 80) !=
	    (c.units <= (c.encoding == GSM_ENC_GSM7 ? 182u : 80u)))
		abort();
	/* "【扶贫办】" adds 5 characters and makes any text UCS-2. */
	if (gsm_count_signed("扶贫办", text, size, &sc) != FP_OK)
		abort();
	if (sc.encoding != GSM_ENC_UCS2 || sc.chars != c.chars + 5 ||
	    sc.segments < c.segments)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct sms_cmd cmd;
	bool is_utf8;

	is_utf8 = charset_is_utf8(text, size);
	memset(&cmd, 0xA5, sizeof(cmd));	/* no stale NUL to lean on */
	sms_router_parse(text, size, &cmd);
	check_cmd(&cmd, is_utf8);
	check_count(text, size, is_utf8);
	return 0;
}
