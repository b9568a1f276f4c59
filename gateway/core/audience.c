/*
 * audience.c: resolving a broadcast's audience (see audience.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audience.h"

const char *const audience_langs[4] = { "zh", "ii", "bo", "en" };

static bool
one_of(const char *v, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(v, *set) == 0)
			return true;
	return false;
}

static bool
digits(const char *v)
{
	if (*v == '\0')
		return false;
	for (; *v != '\0'; v++)
		if (*v < '0' || *v > '9')
			return false;
	return true;
}

static bool
program_code(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > 15)
		return false;
	for (; *v != '\0'; v++)
		if (!((*v >= 'A' && *v <= 'Z') || (*v >= '0' && *v <= '9')))
			return false;
	return true;
}

enum fp_err
audience_parse(struct json_object *o, struct audience *a, const char **why)
{
	static const char *const enrollments[] = { "enrolled", "requested",
	    "completed", NULL };
	static const char *const statuses[] = { "poor", "exited", "monitored",
	    NULL };
	static const char *const langs[] = { "zh", "ii", "bo", "en", NULL };
	static const char *const roles[] = { "household", "cadre", NULL };

	memset(a, 0, sizeof(*a));
	if (o == NULL)
		return FP_OK;
	if (!json_object_is_type(o, json_type_object)) {
		*why = "audience must be an object";
		return FP_EINVAL;
	}
	json_object_object_foreach(o, key, val) {
		const char *v;

		if (!json_object_is_type(val, json_type_string)) {
			*why = "audience fields must be strings";
			return FP_EINVAL;
		}
		v = json_object_get_string(val);
		if (strcmp(key, "area") == 0) {
			if (!digits(v) || strlen(v) >= sizeof(a->area)) {
				*why = "audience.area must be a region code "
				    "prefix (digits)";
				return FP_EINVAL;
			}
			snprintf(a->area, sizeof(a->area), "%s", v);
		} else if (strcmp(key, "program") == 0) {
			if (!program_code(v)) {
				*why = "audience.program must be a program code";
				return FP_EINVAL;
			}
			snprintf(a->program, sizeof(a->program), "%s", v);
		} else if (strcmp(key, "enrollment") == 0) {
			if (!one_of(v, enrollments)) {
				*why = "audience.enrollment must be enrolled, "
				    "requested or completed";
				return FP_EINVAL;
			}
			snprintf(a->enrollment, sizeof(a->enrollment), "%s", v);
		} else if (strcmp(key, "role") == 0) {
			if (!one_of(v, roles)) {
				*why = "audience.role must be household or cadre";
				return FP_EINVAL;
			}
			a->cadres = strcmp(v, "cadre") == 0;
		} else if (strcmp(key, "status") == 0) {
			if (!one_of(v, statuses)) {
				*why = "audience.status must be poor, exited or "
				    "monitored";
				return FP_EINVAL;
			}
			snprintf(a->status, sizeof(a->status), "%s", v);
		} else if (strcmp(key, "language") == 0) {
			if (!one_of(v, langs)) {
				*why = "audience.language must be zh, ii, bo or en";
				return FP_EINVAL;
			}
			snprintf(a->language, sizeof(a->language), "%s", v);
		} else {
			*why = "audience has an unknown field (area, program, "
			    "enrollment, role, status, language)";
			return FP_EINVAL;
		}
	}
	if (*a->enrollment != '\0' && *a->program == '\0') {
		*why = "audience.enrollment needs audience.program";
		return FP_EINVAL;
	}
	return FP_OK;
}

enum fp_err
audience_scope(struct audience *a, const char *scope)
{
	size_t n;

	if (scope == NULL || *scope == '\0')
		return FP_OK;
	n = strlen(scope);
	if (*a->area == '\0') {
		snprintf(a->area, sizeof(a->area), "%s", scope);
		return FP_OK;
	}
	/* Inside the scope: the audience's area starts with the scope's. */
	return strncmp(a->area, scope, n) == 0 ? FP_OK : FP_EREJECT;
}

char *
audience_to_json(const struct audience *a)
{
	struct json_object *o = json_object_new_object();
	char *s;

	if (o == NULL)
		return NULL;
	if (*a->area != '\0')
		json_object_object_add(o, "area", json_object_new_string(a->area));
	if (*a->program != '\0')
		json_object_object_add(o, "program",
		    json_object_new_string(a->program));
	if (*a->enrollment != '\0')
		json_object_object_add(o, "enrollment",
		    json_object_new_string(a->enrollment));
	json_object_object_add(o, "role", json_object_new_string(a->cadres ?
	    "cadre" : "household"));
	if (*a->status != '\0')
		json_object_object_add(o, "status",
		    json_object_new_string(a->status));
	if (*a->language != '\0')
		json_object_object_add(o, "language",
		    json_object_new_string(a->language));
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

/*
 * The households part of every query: ?2 area prefix, ?3 status, ?4
 * language, ?5 program, ?6 enrollment status ('' = any).
 */
#define HH_FILTER \
	"substr(h.area_code, 1, length(?2)) = ?2 " \
	"AND (?3 = '' OR h.status = ?3) AND (?4 = '' OR h.language = ?4)"
#define MEMBER_FILTER \
	"m.phone IS NOT NULL AND m.phone <> '' AND (?5 = '' OR EXISTS " \
	"(SELECT 1 FROM enrollments e WHERE e.member_id = m.member_id AND " \
	"e.program = ?5 AND (?6 = '' OR e.status = ?6)))"

/* A query that uses only some of them leaves the others unbound
 * (SQLITE_RANGE, harmless). */
static void
bind_filters(sqlite3_stmt *stmt, const struct audience *a)
{
	sqlite3_bind_text(stmt, 2, a->area, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, a->status, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, a->language, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, a->program, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, a->enrollment, -1, SQLITE_STATIC);
}

static int
lang_index(const char *lang)
{
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(lang, audience_langs[i]) == 0)
			return i;
	return 0;
}

enum fp_err
audience_count(struct store *st, const struct audience *a,
    const char *default_lang, struct audience_count *out)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	memset(out, 0, sizeof(*out));
	if (a->cadres) {
		err = store_stmt(st, "SELECT count(DISTINCT phone) FROM cadres "
		    "WHERE phone IS NOT NULL AND substr(area_code, 1, length(?2))"
		    " = ?2", &stmt);
		if (err != FP_OK)
			return err;
		sqlite3_bind_text(stmt, 2, a->area, -1, SQLITE_STATIC);
		if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
			out->total = sqlite3_column_int64(stmt, 0);
		sqlite3_reset(stmt);
		out->by_lang[lang_index(default_lang)] = out->total;
		return rc == SQLITE_ROW ? FP_OK : store_err(rc);
	}
	/*
	 * Rows, not distinct numbers: a number in two households counts
	 * twice here (and gets one message).  Households first, in key order,
	 * then their members (CROSS JOIN keeps that order): the other way
	 * round reads households at random, and a GROUP BY or DISTINCT would
	 * sort millions of rows while the API request waits.
	 */
	err = store_stmt(st, "SELECT sum(h.language = 'zh'), sum(h.language = "
	    "'ii'), sum(h.language = 'bo'), sum(h.language = 'en'), count(*) "
	    "FROM households h CROSS JOIN members m ON m.household_id = "
	    "h.household_id WHERE " HH_FILTER " AND " MEMBER_FILTER, &stmt);
	if (err != FP_OK)
		return err;
	bind_filters(stmt, a);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		int i;

		for (i = 0; i < 4; i++)
			out->by_lang[i] = sqlite3_column_int64(stmt, i);
		out->total = sqlite3_column_int64(stmt, 4);
		rc = SQLITE_DONE;
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

static enum fp_err
materialize_cadres(struct store *st, const struct audience *a,
    int64_t broadcast_id, const char *default_lang)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "INSERT INTO broadcast_recipients(broadcast_id, "
	    "msisdn, cadre_id, language) SELECT ?1, phone, min(cadre_id), ?3 "
	    "FROM cadres WHERE phone IS NOT NULL AND phone <> '' AND "
	    "substr(area_code, 1, length(?2)) = ?2 GROUP BY phone ORDER BY 3",
	    &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_int64(stmt, 1, broadcast_id);
	sqlite3_bind_text(stmt, 2, a->area, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, default_lang, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

enum fp_err
audience_materialize(struct store *st, const struct audience *a,
    int64_t broadcast_id, const char *default_lang, int batch,
    char cursor[AUDIENCE_CURSOR_MAX], bool *done)
{
	sqlite3_stmt *stmt;
	char last[AUDIENCE_CURSOR_MAX] = "";
	enum fp_err err;
	int rc;

	*done = false;
	if (a->cadres) {
		*done = true;
		return materialize_cadres(st, a, broadcast_id, default_lang);
	}
	/* The batch's last household: where the next batch starts. */
	err = store_stmt(st, "SELECT max(household_id) FROM (SELECT "
	    "household_id FROM households h WHERE household_id > ?1 AND "
	    HH_FILTER " ORDER BY household_id LIMIT ?7)", &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, cursor, -1, SQLITE_STATIC);
	bind_filters(stmt, a);
	sqlite3_bind_int(stmt, 7, batch);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL)
		store_column_copy(stmt, 0, last, sizeof(last));
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW)
		return store_err(rc);
	if (*last == '\0') {
		*done = true;
		return FP_OK;
	}
	/*
	 * Appended in the order of the members_household index (no ORDER BY:
	 * a sort of the batch would cost more than the insert); a number in
	 * two households is two rows, and gets one message (the send checks
	 * sms_out first).
	 */
	err = store_stmt(st, "INSERT INTO broadcast_recipients(broadcast_id, "
	    "msisdn, household_id, member_id, language) SELECT ?8, m.phone, "
	    "h.household_id, m.member_id, h.language FROM households h JOIN "
	    "members m USING (household_id) WHERE h.household_id > ?1 AND "
	    "h.household_id <= ?7 AND " HH_FILTER " AND " MEMBER_FILTER,
	    &stmt);
	if (err != FP_OK)
		return err;
	sqlite3_bind_text(stmt, 1, cursor, -1, SQLITE_STATIC);
	bind_filters(stmt, a);
	sqlite3_bind_text(stmt, 7, last, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 8, broadcast_id);
	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return store_err(rc);
	snprintf(cursor, AUDIENCE_CURSOR_MAX, "%s", last);
	return FP_OK;
}
