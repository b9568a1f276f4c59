/*
 * command_intake.c: commands over MQTT (see command_intake.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "broadcast.h"
#include "command_intake.h"
#include "log.h"
#include "processed.h"

#define COMMAND_ID_MAX 128
#define ACTOR "mqtt"

static enum fp_err
apply_broadcast(struct store *st, const struct svc_ctx *ctx,
    struct json_object *o, const char *command_id, int64_t now, char *reason,
    size_t rsize, char *outcome, size_t osize)
{
	struct broadcast_req r;
	const char *why = NULL, *missing = NULL;
	int64_t id = 0;
	bool dry = false;
	enum fp_err err;

	if (broadcast_parse(o, ctx->cfg, now, "command_id", &r, &dry, &why) ==
	    FP_OK) {
		err = broadcast_training(st, &r, &why);
		if (err != FP_OK && err != FP_EINVAL && err != FP_ENOTFOUND)
			return err;	/* the store's: retried */
	} else
		err = FP_EINVAL;
	if (err != FP_OK || broadcast_check(ctx, &r, &why, &missing) !=
	    FP_OK) {
		snprintf(reason, rsize, "%s%s%s", why, missing != NULL ? ": " :
		    "", missing != NULL ? missing : "");
		return FP_EINVAL;
	}
	if (dry) {
		snprintf(reason, rsize, "dry_run is for the admin API");
		return FP_EINVAL;
	}
	r.created_by = ACTOR;
	r.scope = "";
	r.command_id = command_id;
	err = broadcast_insert(st, &r, now, &id);
	if (err == FP_OK)
		snprintf(outcome, osize, "broadcast %lld", (long long)id);
	return err;
}

static enum fp_err
apply_alert(struct store *st, const struct svc_ctx *ctx,
    struct json_object *o, const char *command_id, int64_t now, char *reason,
    size_t rsize, char *outcome, size_t osize)
{
	struct alert_req *r = calloc(1, sizeof(*r));
	struct json_object *numbers = json_object_new_array();
	const char *why = NULL, *missing = NULL;
	int64_t id = 0;
	enum fp_err err;

	if (r == NULL || numbers == NULL) {
		free(r);
		json_object_put(numbers);
		return FP_ENOMEM;
	}
	err = alert_parse(o, "command_id", r, &why);
	if (err == FP_OK && r->template_name != NULL &&
	    !templates_exists(ctx->tpl, "notices", r->template_name)) {
		why = "no such template in templates/<lang>/notices/";
		err = FP_EINVAL;
	}
	if (err == FP_OK) {
		r->created_by = ACTOR;
		r->scope = "";
		r->command_id = command_id;
		err = alert_create(st, ctx, r, now, &id, numbers, &why,
		    &missing);
		if (err == FP_ENOTFOUND || err == FP_EREJECT ||
		    err == FP_ETOOBIG)
			err = FP_EINVAL;
	}
	if (err == FP_EINVAL)
		snprintf(reason, rsize, "%s%s%s", why != NULL ? why :
		    "invalid", missing != NULL ? ": " : "", missing != NULL ?
		    missing : "");
	else if (err == FP_OK)
		snprintf(outcome, osize, "alert %lld", (long long)id);
	json_object_put(numbers);
	free(r);
	return err;
}

enum fp_err
command_apply(struct store *st, const struct svc_ctx *ctx, bool is_alert,
    struct json_object *o, int64_t now, char *reason, size_t rsize)
{
	struct json_object *v;
	char outcome[64] = "";
	const char *command_id;
	bool yes = false;
	enum fp_err err;

	if (!json_object_object_get_ex(o, "command_id", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) == 0 ||
	    json_object_get_string_len(v) > COMMAND_ID_MAX) {
		snprintf(reason, rsize, "command_id: a string of 1 to 128 "
		    "characters is required");
		return FP_EINVAL;
	}
	command_id = json_object_get_string(v);
	/* Apart from registry event ids (SPEC 5). */
	err = processed_seen(st, PROCESSED_COMMAND, command_id, &yes);
	if (err != FP_OK)
		return err;
	if (yes)
		return FP_EDUP;
	err = is_alert ? apply_alert(st, ctx, o, command_id, now, reason,
	    rsize, outcome, sizeof(outcome)) : apply_broadcast(st, ctx, o,
	    command_id, now, reason, rsize, outcome, sizeof(outcome));
	if (err == FP_OK)
		err = processed_remember(st, PROCESSED_COMMAND, command_id,
		    outcome, now);
	if (err == FP_OK)
		log_info("command.applied kind=%s command_id=%s outcome=\"%s\"",
		    is_alert ? "alert" : "broadcast", command_id, outcome);
	return err;
}
