/*
 * sms_link.c: MO from providers' links into the SMS service (see
 * sms_link.h).
 */
#include <string.h>

#include "log.h"
#include "msisdn.h"
#include "sms_link.h"
#include "sms_service.h"
#include "svc.h"

static struct log_limit bad_lines = LOG_LIMIT_INIT("sms.in.link.invalid",
    LOG_PER_S);

enum fp_err
sms_link_receive(struct store *st, void *arg, const struct link_mo *mo,
    int64_t now, int64_t *id)
{
	const struct svc_ctx *ctx = arg;
	struct mo_result res;
	struct mo_msg m;
	const char *reason = NULL;
	enum fp_err err;

	memset(&m, 0, sizeof(m));
	memset(&res, 0, sizeof(res));
	*id = 0;
	if (mo->from == NULL || msisdn_normalize(mo->from, m.from, &reason) !=
	    FP_OK)
		reason = reason != NULL ? reason : "no sender";
	else if (mo->text == NULL || memchr(mo->text, '\0', mo->text_len) !=
	    NULL)
		reason = "the text holds a NUL character";
	if (reason != NULL) {
		/* The number itself is not logged: it may be a real one. */
		if (log_allow(&bad_lines))
			log_warnx("sms.in.link.invalid route=%s reason=\"%s\"",
			    mo->route, reason);
		return FP_EINVAL;
	}
	m.route = mo->route;
	m.provider_id = mo->msgid;
	m.to = mo->to != NULL ? mo->to : "";
	m.text = mo->text;
	m.text_len = mo->text_len;
	err = sms_service_receive(st, ctx, &m, now, &res);
	if (err == FP_OK)
		*id = res.id;
	return err;
}
