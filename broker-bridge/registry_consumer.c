/*
 * registry_consumer.c: registry topics → validate → upsert or delete in
 * one transaction, deduplicated by event_id (see registry_consumer.h).
 * JSON is read with json-c in strict mode with a small depth limit; a
 * record's fields are mapped onto the registry's columns by name and
 * handed to registry.c as text, exactly as the CSV import does.  The
 * counters are atomics: written on Paho's thread, read by the bridge's.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "command_intake.h"
#include "idkey.h"
#include "log.h"
#include "processed.h"
#include "registry.h"
#include "registry_consumer.h"
#include "strbuf.h"

#define RC_JSON_DEPTH 8
#define RC_EVENT_ID_MAX 128
#define RC_REASON_MAX 256
#define RC_TOPIC_MAX 512
/* A message the database will not take yet (full, an I/O error, busy)
 * is tried again after RC_HOLD_MIN_MS, doubling up to RC_HOLD_MAX_MS,
 * until it is stored (mqtt_client_hold). */
#define RC_HOLD_MIN_MS 500
#define RC_HOLD_MAX_MS 5000
#define RC_HOLD_LOG_EVERY 12	/* tries: about a minute at the most */
#define RC_N_SUBS (REG_N_KINDS + 2)	/* and cmd/broadcast, cmd/alert */

struct registry_consumer {
	struct store	*st;		/* owned; Paho's receive thread */
	struct mqtt_client *mc;		/* borrowed */
	struct registry	*reg;		/* owned */
	char		 prefix[RC_TOPIC_MAX];	/* "<root>/registry/" */
	char		 cmd_prefix[RC_TOPIC_MAX];	/* "<root>/cmd/" */
	char		 errors_topic[RC_TOPIC_MAX];
	char		*subs[RC_N_SUBS];	/* owned topic filters */
	const struct svc_ctx *ctx;	/* borrowed: commands' templates */
	_Atomic uint64_t applied, records, duplicates, rejected;
};

/* One record's column values, borrowed from the JSON tree. */
struct record {
	const char	*vals[REG_MAX_COLUMNS];
};

static const char *
record_get(void *ctx, size_t column)
{
	const struct record *r = ctx;

	return column < REG_MAX_COLUMNS ? r->vals[column] : NULL;
}

enum fp_err
registry_consumer_new(const struct cfg *cfg, struct mqtt_client *mc,
    const struct svc_ctx *ctx, struct registry_consumer **out)
{
	static const char *const cmds[] = { "broadcast", "alert" };
	struct registry_consumer *rc;
	const char *group = cfg->mqtt.shared_group;
	bool is_shared = group != NULL && *group != '\0';
	struct hmac_sha256_key key;
	const char *why = NULL;
	enum fp_err err;
	size_t i, len;
	int n;

	*out = NULL;
	rc = calloc(1, sizeof(*rc));
	if (rc == NULL)
		return FP_ENOMEM;
	rc->mc = mc;
	rc->ctx = ctx;
	n = snprintf(rc->prefix, sizeof(rc->prefix), "%s/registry/",
	    cfg->mqtt.topic_root);
	if (n > 0 && (size_t)n < sizeof(rc->prefix))
		n = snprintf(rc->cmd_prefix, sizeof(rc->cmd_prefix), "%s/cmd/",
		    cfg->mqtt.topic_root);
	if (n < 0 || (size_t)n >= sizeof(rc->prefix)) {
		err = FP_ECONFIG;
		goto fail;
	}
	n = snprintf(rc->errors_topic, sizeof(rc->errors_topic), "%s/errors",
	    cfg->mqtt.topic_root);
	if (n < 0 || (size_t)n >= sizeof(rc->errors_topic)) {
		err = FP_ECONFIG;
		goto fail;
	}
	for (i = 0; i < RC_N_SUBS; i++) {
		const char *prefix = i < REG_N_KINDS ? rc->prefix :
		    rc->cmd_prefix;
		const char *kind = i < REG_N_KINDS ?
		    registry_kind_name((enum reg_kind)i) : cmds[i - REG_N_KINDS];

		len = strlen(prefix) + strlen(kind) + 16 +
		    (is_shared ? strlen(group) : 0);
		rc->subs[i] = malloc(len);
		if (rc->subs[i] == NULL) {
			err = FP_ENOMEM;
			goto fail;
		}
		if (is_shared)
			snprintf(rc->subs[i], len, "$share/%s/%s%s", group,
			    prefix, kind);
		else
			snprintf(rc->subs[i], len, "%s%s", prefix, kind);
	}
	err = store_open(cfg->database.path, cfg->database.durability ==
	    CFG_DURABILITY_FULL ? STORE_DURABILITY_FULL :
	    STORE_DURABILITY_NORMAL, &rc->st);
	if (err != FP_OK)
		goto fail;
	err = idkey_settle(rc->st, cfg->database.id_key_file, &why);
	if (err == FP_OK)
		err = idkey_load(cfg->database.id_key_file, &key, &why);
	if (err != FP_OK) {
		log_error("bridge.id_key path=%s error=\"%s\"",
		    cfg->database.id_key_file, why);
		goto fail;
	}
	err = registry_new(rc->st, &key, &rc->reg);
	memset(&key, 0, sizeof(key));
	if (err != FP_OK)
		goto fail;
	*out = rc;
	return FP_OK;
fail:
	registry_consumer_free(rc);
	return err;
}

void
registry_consumer_free(struct registry_consumer *rc)
{
	size_t i;

	if (rc == NULL)
		return;
	for (i = 0; i < RC_N_SUBS; i++)
		free(rc->subs[i]);
	registry_free(rc->reg);
	store_close(rc->st);
	free(rc);
}

enum fp_err
registry_consumer_subscribe(struct registry_consumer *rc)
{
	return mqtt_client_subscribe(rc->mc, rc->subs, RC_N_SUBS);
}

/* Log the rejection once and report it on <root>/errors. */
static void
reject(struct registry_consumer *rc, const char *topic,
    const char *event_id, const char *reason)
{
	struct json_object *o = json_object_new_object();
	const char *text;

	atomic_fetch_add(&rc->rejected, 1);
	log_warnx("registry.rejected topic=%s event_id=%s error=\"%s\"", topic,
	    event_id != NULL ? event_id : "-", reason);
	if (o == NULL)
		return;
	json_object_object_add(o, "topic", json_object_new_string(topic));
	if (event_id != NULL)
		json_object_object_add(o, "event_id",
		    json_object_new_string(event_id));
	json_object_object_add(o, "error", json_object_new_string(reason));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text == NULL || mqtt_client_report(rc->mc, rc->errors_topic, text,
	    strlen(text)) != FP_OK)
		log_warnx("registry.error_report topic=%s error=\"not "
		    "published\"", rc->errors_topic);
	json_object_put(o);
}

/* Parse payload[len] strictly as one JSON object; NULL with reason. */
static struct json_object *
parse_object(const char *payload, size_t len, char *reason, size_t rsize)
{
	struct json_tokener *tok;
	struct json_object *o = NULL;
	enum json_tokener_error jerr;
	size_t end;

	if (strlen(payload) != len) {
		snprintf(reason, rsize, "invalid JSON: NUL byte in payload");
		return NULL;
	}
	/* Parsed, a \u0000 would cut a text or a key short. */
	if (json_has_nul(payload, len)) {
		snprintf(reason, rsize, "invalid JSON: a string holds a NUL "
		    "character (\\u0000)");
		return NULL;
	}
	tok = json_tokener_new_ex(RC_JSON_DEPTH);
	if (tok == NULL) {
		snprintf(reason, rsize, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, payload, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (o == NULL || jerr != json_tokener_success) {
		snprintf(reason, rsize, "invalid JSON: %s",
		    jerr == json_tokener_continue ? "incomplete" :
		    json_tokener_error_desc(jerr));
		json_object_put(o);
		return NULL;
	}
	while (end < len && strchr(" \t\r\n", payload[end]) != NULL)
		end++;
	if (end != len) {
		snprintf(reason, rsize, "invalid JSON: data after the object");
		json_object_put(o);
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(reason, rsize, "payload must be a JSON object");
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* Map a record object onto the columns of `kind`; false with reason. */
static bool
record_fill(enum reg_kind kind, struct json_object *obj, bool is_bare,
    struct record *r, char *reason, size_t rsize)
{
	const char *const *cols;
	size_t n, i;

	memset(r, 0, sizeof(*r));
	cols = registry_columns(kind, &n);
	json_object_object_foreach(obj, key, val) {
		if (is_bare && (strcmp(key, "event_id") == 0 ||
		    strcmp(key, "op") == 0))
			continue;
		for (i = 0; i < n; i++)
			if (strcmp(cols[i], key) == 0)
				break;
		if (i == n) {
			snprintf(reason, rsize, "unknown column %s", key);
			return false;
		}
		switch (json_object_get_type(val)) {
		case json_type_null:
			r->vals[i] = NULL;
			break;
		case json_type_string:
		case json_type_int:
		case json_type_double:
			r->vals[i] = json_object_get_string(val);
			break;
		default:
			snprintf(reason, rsize, "%s: must be a string or a "
			    "number", key);
			return false;
		}
	}
	return true;
}

/*
 * Apply a validated envelope in one transaction.  FP_EINVAL with reason
 * when a record fails; FP_EDUP when event_id was seen; else database
 * errors.  Nothing is changed unless FP_OK.
 */
static enum fp_err
apply(struct registry_consumer *rc, enum reg_kind kind, const char *event_id,
    bool is_delete, struct json_object *records, struct json_object *bare,
    char *reason, size_t rsize, size_t *applied)
{
	char why[REG_REASON_MAX], outcome[64];
	struct reg_source src;
	struct record r;
	enum reg_outcome o;
	enum fp_err err;
	size_t n, i;
	bool seen = false;
	int64_t now = (int64_t)time(NULL);	/* one clock per envelope */

	*applied = 0;
	err = store_begin(rc->st);
	if (err != FP_OK)
		return err;
	/* Apart from command ids (SPEC 5). */
	err = processed_seen(rc->st, PROCESSED_REGISTRY, event_id, &seen);
	if (err == FP_OK && seen)
		err = FP_EDUP;
	if (err != FP_OK)
		goto fail;
	n = bare != NULL ? 1 : json_object_array_length(records);
	src.get = record_get;
	src.ctx = &r;
	for (i = 0; i < n; i++) {
		struct json_object *rec = bare != NULL ? bare :
		    json_object_array_get_idx(records, i);

		if (!json_object_is_type(rec, json_type_object)) {
			snprintf(reason, rsize, "record %zu: must be an object",
			    i + 1);
			err = FP_EINVAL;
			goto fail;
		}
		if (!record_fill(kind, rec, bare != NULL, &r, why,
		    sizeof(why))) {
			snprintf(reason, rsize, "record %zu: %s", i + 1, why);
			err = FP_EINVAL;
			goto fail;
		}
		why[0] = '\0';
		if (is_delete)
			err = registry_delete(rc->reg, kind, &src, &o, why);
		else
			err = registry_upsert(rc->reg, kind, &src, now, &o,
			    why);
		if (err == FP_EINVAL) {
			snprintf(reason, rsize, "record %zu: %s", i + 1, why);
			goto fail;
		}
		if (err != FP_OK)
			goto fail;
	}
	snprintf(outcome, sizeof(outcome), "%s %zu", is_delete ? "deleted" :
	    "upserted", n);
	err = processed_remember(rc->st, PROCESSED_REGISTRY, event_id, outcome,
	    now);
	if (err != FP_OK)
		goto fail;
	err = store_commit(rc->st);
	if (err != FP_OK)
		goto fail;
	*applied = n;
	return FP_OK;
fail:
	store_rollback(rc->st);
	return err;
}

static bool registry_handle(struct registry_consumer *, const char *,
    const char *, size_t, bool, bool *);

/* Not the message's fault: the database is full, failing or busy, or
 * memory ran out.  Such a message is held and tried again. */
static bool
is_transient(enum fp_err err)
{
	return err == FP_EBUSY || err == FP_EIO || err == FP_ENOMEM;
}

/*
 * After a try that failed with a passing error: wait (*backoff_ms,
 * then doubled) and say whether to try again; false when the bridge is
 * stopping, and the message must be left with the broker.  The first
 * failure is logged, then about once a minute, and the give-up.
 */
static bool
hold(struct registry_consumer *rc, const char *what, const char *topic,
    const char *id, enum fp_err err, int tries, int *backoff_ms)
{
	if (tries == 1 || tries % RC_HOLD_LOG_EVERY == 0)
		log_warnx("registry.held topic=%s %s=%s tries=%d error=\"%s\" "
		    "action=retry", topic, what, id != NULL ? id : "-", tries,
		    fp_strerror(err));
	if (!mqtt_client_hold(rc->mc, *backoff_ms)) {
		log_warnx("registry.held topic=%s %s=%s tries=%d error=\"%s\" "
		    "action=\"left with the broker\"", topic, what,
		    id != NULL ? id : "-", tries, fp_strerror(err));
		return false;
	}
	*backoff_ms = *backoff_ms * 2 > RC_HOLD_MAX_MS ? RC_HOLD_MAX_MS :
	    *backoff_ms * 2;
	return true;
}

/*
 * One command in one transaction, held while the database will not take
 * it; *is_done false when it was given up (stopping).
 */
static void
handle_command(struct registry_consumer *rc, const char *topic,
    const char *payload, size_t len, bool is_oversized, bool is_alert,
    bool *is_done)
{
	char reason[RC_REASON_MAX];
	struct json_object *o, *v;
	const char *id;
	enum fp_err err;
	int tries, backoff_ms = RC_HOLD_MIN_MS;

	*is_done = true;
	if (is_oversized || payload == NULL ||
	    len > REGISTRY_CONSUMER_MAX_PAYLOAD) {
		reject(rc, topic, NULL, "payload too large (limit 262144 "
		    "bytes)");
		return;
	}
	o = parse_object(payload, len, reason, sizeof(reason));
	if (o == NULL) {
		reject(rc, topic, NULL, reason);
		return;
	}
	id = json_object_object_get_ex(o, "command_id", &v) &&
	    json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
	for (tries = 1;; tries++) {
		reason[0] = '\0';
		err = store_begin(rc->st);
		if (err == FP_OK)
			err = command_apply(rc->st, rc->ctx, is_alert, o,
			    (int64_t)time(NULL), reason, sizeof(reason));
		if (err == FP_OK)
			err = store_commit(rc->st);
		if (err != FP_OK)
			store_rollback(rc->st);
		if (!is_transient(err))
			break;
		if (!hold(rc, "command_id", topic, id, err, tries,
		    &backoff_ms)) {
			*is_done = false;
			json_object_put(o);
			return;
		}
	}
	if (err == FP_OK)
		atomic_fetch_add(&rc->applied, 1);
	else if (err == FP_EDUP)
		atomic_fetch_add(&rc->duplicates, 1);
	else {
		if (err != FP_EINVAL)
			snprintf(reason, sizeof(reason), "not applied: %s",
			    fp_strerror(err));
		reject(rc, topic, id, reason);
	}
	json_object_put(o);
}

bool
registry_consumer_handle(struct registry_consumer *rc, const char *topic,
    const char *payload, size_t len, bool is_oversized, bool *is_done)
{
	size_t clen = strlen(rc->cmd_prefix);

	*is_done = true;
	if (strncmp(topic, rc->cmd_prefix, clen) == 0 &&
	    (strcmp(topic + clen, "broadcast") == 0 ||
	    strcmp(topic + clen, "alert") == 0)) {
		handle_command(rc, topic, payload, len, is_oversized,
		    strcmp(topic + clen, "alert") == 0, is_done);
		return true;
	}
	return registry_handle(rc, topic, payload, len, is_oversized,
	    is_done);
}

static bool
registry_handle(struct registry_consumer *rc, const char *topic,
    const char *payload, size_t len, bool is_oversized, bool *is_done)
{
	char reason[RC_REASON_MAX];
	struct json_object *o = NULL, *v, *records = NULL;
	const char *event_id = NULL, *op = "upsert";
	size_t plen = strlen(rc->prefix), applied = 0;
	enum reg_kind kind;
	enum fp_err err;
	int tries, backoff_ms = RC_HOLD_MIN_MS;

	if (strncmp(topic, rc->prefix, plen) != 0 ||
	    !registry_kind_parse(topic + plen, &kind))
		return false;
	if (is_oversized || payload == NULL ||
	    len > REGISTRY_CONSUMER_MAX_PAYLOAD) {
		reject(rc, topic, NULL, "payload too large (limit 262144 "
		    "bytes)");
		return true;
	}
	o = parse_object(payload, len, reason, sizeof(reason));
	if (o == NULL) {
		reject(rc, topic, NULL, reason);
		return true;
	}
	if (json_object_object_get_ex(o, "event_id", &v)) {
		if (!json_object_is_type(v, json_type_string) ||
		    json_object_get_string_len(v) == 0 ||
		    json_object_get_string_len(v) > RC_EVENT_ID_MAX) {
			reject(rc, topic, NULL, "event_id: must be a string of "
			    "1 to 128 characters");
			goto done;
		}
		event_id = json_object_get_string(v);
	}
	if (event_id == NULL) {
		reject(rc, topic, NULL, "event_id: is required");
		goto done;
	}
	if (json_object_object_get_ex(o, "op", &v)) {
		if (!json_object_is_type(v, json_type_string)) {
			reject(rc, topic, event_id, "op: must be upsert or "
			    "delete");
			goto done;
		}
		op = json_object_get_string(v);
	}
	if (strcmp(op, "upsert") != 0 && strcmp(op, "delete") != 0) {
		reject(rc, topic, event_id, "op: must be upsert or delete");
		goto done;
	}
	if (json_object_object_get_ex(o, "records", &records)) {
		if (!json_object_is_type(records, json_type_array) ||
		    json_object_array_length(records) == 0) {
			reject(rc, topic, event_id, "records: must be a "
			    "non-empty array");
			goto done;
		}
		if (json_object_object_length(o) != (json_object_object_get_ex(
		    o, "op", NULL) ? 3 : 2)) {
			reject(rc, topic, event_id, "only event_id, op and "
			    "records may appear beside records");
			goto done;
		}
	} else if (strcmp(op, "upsert") != 0) {
		reject(rc, topic, event_id, "records: is required for a "
		    "delete");
		goto done;
	}
	for (tries = 1;; tries++) {
		reason[0] = '\0';
		err = apply(rc, kind, event_id, strcmp(op, "delete") == 0,
		    records, records == NULL ? o : NULL, reason, sizeof(reason),
		    &applied);
		if (!is_transient(err))
			break;
		if (!hold(rc, "event_id", topic, event_id, err, tries,
		    &backoff_ms)) {
			*is_done = false;
			goto done;
		}
	}
	if (tries > 1 && (err == FP_OK || err == FP_EDUP))
		log_info("registry.held topic=%s event_id=%s tries=%d "
		    "action=applied", topic, event_id, tries);
	if (err == FP_OK) {
		atomic_fetch_add(&rc->applied, 1);
		atomic_fetch_add(&rc->records, (uint64_t)applied);
	} else if (err == FP_EDUP) {
		atomic_fetch_add(&rc->duplicates, 1);
	}
	if (err == FP_OK)
		log_info("registry.applied topic=%s event_id=%s op=%s "
		    "records=%zu", topic, event_id, op, applied);
	else if (err == FP_EDUP)
		log_debug("registry.duplicate topic=%s event_id=%s", topic,
		    event_id);
	else if (err == FP_EINVAL)
		reject(rc, topic, event_id, reason);
	else {
		/* Neither the message's fault nor passing (SQLITE_TOOBIG):
		 * it will never fit, so say so where the sender looks. */
		snprintf(reason, sizeof(reason), "not applied: %s",
		    fp_strerror(err));
		reject(rc, topic, event_id, reason);
	}
done:
	json_object_put(o);
	return true;
}

bool
registry_consumer_on_message(void *ctx, const char *topic,
    const char *payload, size_t len, bool is_oversized)
{
	bool is_done;

	if (!registry_consumer_handle(ctx, topic, payload, len, is_oversized,
	    &is_done))
		log_debug("bridge.ignored topic=%s", topic);
	return is_done;
}

void
registry_consumer_stats(struct registry_consumer *rc,
    struct registry_consumer_stats *out)
{
	out->applied = atomic_load(&rc->applied);
	out->records = atomic_load(&rc->records);
	out->duplicates = atomic_load(&rc->duplicates);
	out->rejected = atomic_load(&rc->rejected);
}
