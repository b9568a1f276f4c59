/*
 * test_store.c: the SQLite store and its migrations: from empty, from
 * each earlier version with data kept, durability pragmas, WAL, the ID
 * key file (idkey.c),
 * refusal to run on a newer schema.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "idkey.h"
#include "migrate.h"
#include "store.h"
#include "testutil.h"

static char *dir;
static char path[512];

static void
setup(void)
{
	dir = tu_mkdtemp();
	ck_assert_ptr_nonnull(dir);
	snprintf(path, sizeof(path), "%s/sub/fupin.db", dir);
}

static void
teardown(void)
{
	tu_rmtree(dir);
	free(dir);
}

static int64_t
query_int(struct store *s, const char *sql)
{
	return tu_query_int(store_db(s), sql, 0);
}

static const char *
query_text(struct store *st, const char *sql, char *buf, size_t len)
{
	sqlite3_stmt *stmt;

	buf[0] = '\0';
	ck_assert_int_eq(sqlite3_prepare_v2(store_db(st), sql, -1, &stmt,
	    NULL), SQLITE_OK);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		snprintf(buf, len, "%s",
		    (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	return buf;
}

START_TEST(migrates_from_empty_to_latest_in_wal_mode)
{
	struct store *st = NULL;
	char buf[64];
	int from = -1, to = -1, v = -1;

	ck_assert_int_eq(store_open(path, STORE_DURABILITY_NORMAL, &st), FP_OK);
	ck_assert_int_eq(migrate_to(st, migrate_latest(), &from, &to), FP_OK);
	ck_assert_int_eq(from, 0);
	ck_assert_int_eq(to, migrate_latest());
	ck_assert_int_eq(migrate_version(st, &v), FP_OK);
	ck_assert_int_eq(v, migrate_latest());
	ck_assert_str_eq(query_text(st, "PRAGMA journal_mode", buf,
	    sizeof(buf)), "wal");
	/* Every table the later features need exists. */
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM sqlite_master "
	    "WHERE type='table' AND name IN ('households','members','cadres',"
	    "'programs','enrollments','trainings','payments','sms_in',"
	    "'sms_out','sms_out_history','dlr','optouts','ussd_sessions',"
	    "'ussd_lockouts','feedback','tasks','alerts','broadcasts',"
	    "'broadcast_recipients','notice_counts','event_outbox',"
	    "'processed_messages','meta')"), 23);
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM programs "
	    "WHERE code IN ('YL','CY','XD')"), 3);
	/* Running it again is a no-op. */
	ck_assert_int_eq(migrate_to(st, migrate_latest(), &from, &to), FP_OK);
	ck_assert_int_eq(from, migrate_latest());
	ck_assert_int_eq(to, migrate_latest());
	store_close(st);
}
END_TEST

/* Migration 9: commands kept as "cmd:<id>" become (command, <id>);
 * a registry event id that looks like one stays as it was. */
START_TEST(migration_9_keys_processed_ids_by_kind)
{
	struct store *st = NULL;

	ck_assert_int_eq(store_open(path, STORE_DURABILITY_NORMAL, &st), FP_OK);
	ck_assert_int_eq(migrate_to(st, 8, NULL, NULL), FP_OK);
	ck_assert_int_eq(store_exec(st, "INSERT INTO processed_messages(id, "
	    "kind, processed_at, outcome) VALUES ('cmd:c1', 'command', 1, "
	    "'broadcast 1'), ('cmd:x', 'registry', 2, 'upserted 1'), ('ev-1', "
	    "'registry', 3, 'upserted 2')"), FP_OK);
	ck_assert_int_eq(migrate_to(st, 9, NULL, NULL), FP_OK);
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM processed_messages "
	    "WHERE kind = 'command' AND id = 'c1' AND outcome = 'broadcast 1'"),
	    1);
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM processed_messages "
	    "WHERE kind = 'registry' AND id IN ('cmd:x', 'ev-1')"), 2);
	/* The same id of both kinds may now be kept. */
	ck_assert_int_eq(store_exec(st, "INSERT INTO processed_messages(kind, "
	    "id, processed_at) VALUES ('registry', 'c1', 4), ('command', "
	    "'cmd:x', 5)"), FP_OK);
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM processed_messages"),
	    5);
	store_close(st);
}
END_TEST

START_TEST(migrates_from_each_earlier_version_keeping_data)
{
	struct store *st = NULL;
	int to = -1;

	ck_assert_int_eq(store_open(path, STORE_DURABILITY_NORMAL, &st), FP_OK);
	ck_assert_int_eq(migrate_to(st, _i, NULL, &to), FP_OK);
	ck_assert_int_eq(to, _i);
	ck_assert_int_eq(store_exec(st, "INSERT INTO households(household_id,"
	    " area_code, head_name, members, status, updated_at) VALUES "
	    "('HH1','513431','吉克阿木',3,'poor',0)"), FP_OK);
	store_close(st);
	st = NULL;
	ck_assert_int_eq(store_open(path, STORE_DURABILITY_NORMAL, &st), FP_OK);
	ck_assert_int_eq(migrate_to(st, migrate_latest(), NULL, &to), FP_OK);
	ck_assert_int_eq(to, migrate_latest());
	ck_assert_int_eq(query_int(st, "SELECT members FROM households "
	    "WHERE household_id='HH1'"), 3);
	/* Migration 8 gave a household already there its number as typed
	 * (a row written raw after it has none: only upserts write it). */
	if (_i < 8)
		ck_assert_int_eq(query_int(st, "SELECT household_digits FROM "
		    "households WHERE household_id='HH1'"), 1);
	store_close(st);
}
END_TEST

/* EXPLAIN QUERY PLAN of sql, its rows joined by "; ". */
static const char *
plan_of(struct store *st, const char *sql, char *buf, size_t len)
{
	sqlite3_stmt *stmt;
	char q[512];
	size_t used = 0;

	snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql);
	buf[0] = '\0';
	ck_assert_int_eq(sqlite3_prepare_v2(store_db(st), q, -1, &stmt, NULL),
	    SQLITE_OK);
	while (sqlite3_step(stmt) == SQLITE_ROW && used + 1 < len)
		used += (size_t)snprintf(buf + used, len - used, "%s; ",
		    (const char *)sqlite3_column_text(stmt, 3));
	sqlite3_finalize(stmt);
	return buf;
}

START_TEST(version_6_has_one_provider_msgid_index)
{
	struct store *st = NULL;
	char buf[512];

	ck_assert_int_eq(store_open(path, STORE_DURABILITY_NORMAL, &st), FP_OK);
	ck_assert_int_eq(migrate_to(st, 5, NULL, NULL), FP_OK);
	ck_assert_int_eq(store_exec(st, "INSERT INTO sms_out(id, msisdn, "
	    "text, encoding, segments, provider, status, next_attempt_at, "
	    "expires_at, provider_msgid, created_at, updated_at) VALUES "
	    "(1, '+8613800000001', 'a', 'gsm7', 1, 'p', 'sent', 0, 9, 'm-1', "
	    "0, 0), (2, '+8613800000001', 'b', 'gsm7', 1, 'p', 'queued', 0, 9, "
	    "NULL, 0, 0)"), FP_OK);
	ck_assert_int_eq(migrate_to(st, 6, NULL, NULL), FP_OK);
	/* One index on the column instead of two. */
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM sqlite_master "
	    "WHERE type = 'index' AND tbl_name = 'sms_out' AND sql LIKE "
	    "'%provider_msgid%'"), 1);
	/* Still unique per provider, not across providers. */
	ck_assert_int_eq(store_exec(st, "UPDATE sms_out SET provider_msgid = "
	    "'m-1' WHERE id = 2"), FP_EDUP);
	ck_assert_int_eq(store_exec(st, "UPDATE sms_out SET provider_msgid = "
	    "'m-1', provider = 'q' WHERE id = 2"), FP_OK);
	/* Reports by id alone and by (provider, id) use it. */
	ck_assert_ptr_nonnull(strstr(plan_of(st, "SELECT id FROM sms_out "
	    "WHERE provider_msgid = 'm-1' ORDER BY id DESC LIMIT 1", buf,
	    sizeof(buf)), "sms_out_msgid_provider"));
	ck_assert_ptr_nonnull(strstr(plan_of(st, "SELECT id FROM sms_out "
	    "WHERE provider = 'p' AND provider_msgid = 'm-1'", buf,
	    sizeof(buf)), "sms_out_msgid_provider"));
	/* The sender's queue index holds queued messages only, and its
	 * claim needs no sort. */
	ck_assert_int_eq(store_exec(st, "UPDATE sms_out SET provider = 'p', "
	    "provider_msgid = NULL, status = 'queued' WHERE id = 2"), FP_OK);
	plan_of(st, "SELECT id FROM sms_out WHERE provider = 'p' AND status "
	    "= 'queued' AND next_attempt_at <= 5 ORDER BY next_attempt_at, id "
	    "LIMIT 10", buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "sms_out_due"));
	ck_assert_ptr_null(strstr(buf, "TEMP B-TREE"));
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM sms_out "
	    "INDEXED BY sms_out_due WHERE provider = 'p' AND status = "
	    "'queued' AND next_attempt_at <= 5"), 1);
	store_close(st);
}
END_TEST

START_TEST(refuses_a_database_newer_than_the_program)
{
	struct store *st = NULL;
	int v;

	ck_assert_int_eq(store_open(path, STORE_DURABILITY_NORMAL, &st), FP_OK);
	ck_assert_int_eq(store_exec(st, "PRAGMA user_version=99"), FP_OK);
	ck_assert_int_eq(migrate_to(st, migrate_latest(), NULL, NULL),
	    FP_EINVAL);
	ck_assert_int_eq(migrate_version(st, &v), FP_OK);
	ck_assert_int_eq(v, 99);
	store_close(st);
}
END_TEST

START_TEST(durability_maps_to_synchronous)
{
	struct store *st = NULL;

	ck_assert_int_eq(store_open(path, STORE_DURABILITY_NORMAL, &st), FP_OK);
	ck_assert_int_eq(query_int(st, "PRAGMA synchronous"), 1);
	store_close(st);
	st = NULL;
	ck_assert_int_eq(store_open(path, STORE_DURABILITY_FULL, &st), FP_OK);
	ck_assert_int_eq(query_int(st, "PRAGMA synchronous"), 2);
	ck_assert_int_eq(query_int(st, "PRAGMA foreign_keys"), 1);
	store_close(st);
}
END_TEST

/* An older database's ID key, as migration 1 used to make it. */
static void
put_old_key(struct store *st, const unsigned char key[32])
{
	sqlite3_stmt *stmt;

	ck_assert_int_eq(store_stmt(st, "INSERT INTO meta(key, value) VALUES "
	    "('id_salt', ?1)", &stmt), FP_OK);
	sqlite3_bind_blob(stmt, 1, key, 32, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_DONE);
	sqlite3_reset(stmt);
}

/* Whether `needle` (n bytes) is anywhere in the file at `file`. */
static bool
file_has(const char *file, const void *needle, size_t n)
{
	size_t len = 0, i;
	char *data = tu_read_file(file, &len);
	bool found = false;

	for (i = 0; data != NULL && !found && i + n <= len; i++)
		found = memcmp(data + i, needle, n) == 0;
	free(data);
	return found;
}

START_TEST(a_new_database_gets_a_key_file_outside_it)
{
	struct hmac_sha256_key k1, k2;
	struct store *st = NULL;
	const char *why = NULL;
	char key_path[600], *text;
	struct stat sb;
	size_t len = 0;
	uint8_t h1[32], h2[32];

	snprintf(key_path, sizeof(key_path), "%s/id.key", dir);
	ck_assert_int_eq(store_open(path, STORE_DURABILITY_NORMAL, &st), FP_OK);
	ck_assert_int_eq(migrate_to(st, migrate_latest(), NULL, NULL), FP_OK);
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM meta WHERE "
	    "key = 'id_salt'"), 0);
	ck_assert_int_eq(idkey_settle(st, key_path, &why), FP_OK);
	ck_assert_int_eq(stat(key_path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	text = tu_read_file(key_path, &len);
	ck_assert_uint_eq(len, 65);
	ck_assert_int_eq(text[64], '\n');
	free(text);
	ck_assert_int_eq(idkey_load(key_path, &k1, &why), FP_OK);
	/* Settling again keeps the same key. */
	ck_assert_int_eq(idkey_settle(st, key_path, &why), FP_OK);
	ck_assert_int_eq(idkey_load(key_path, &k2, &why), FP_OK);
	hmac_sha256(&k1, "x", 1, h1);
	hmac_sha256(&k2, "x", 1, h2);
	ck_assert(memcmp(h1, h2, sizeof(h1)) == 0);
	/* Readable by others: refused. */
	ck_assert_int_eq(chmod(key_path, 0644), 0);
	ck_assert_int_eq(idkey_load(key_path, &k2, &why), FP_EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "other users"));
	store_close(st);
}
END_TEST

START_TEST(an_older_databases_key_moves_out_and_leaves_no_trace)
{
	static const unsigned char old[32] = "0123456789abcdefOLDKEY-in-meta!!";
	struct hmac_sha256_key from_file, expected;
	struct store *st = NULL;
	const char *why = NULL;
	char key_path[600], wal[600];
	uint8_t h1[32], h2[32];

	snprintf(key_path, sizeof(key_path), "%s/id.key", dir);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	ck_assert_int_eq(store_open(path, STORE_DURABILITY_NORMAL, &st), FP_OK);
	ck_assert_int_eq(migrate_to(st, migrate_latest(), NULL, NULL), FP_OK);
	put_old_key(st, old);
	ck_assert_int_eq(store_exec(st, "PRAGMA wal_checkpoint(TRUNCATE)"),
	    FP_OK);
	ck_assert(file_has(path, old, sizeof(old)));
	ck_assert_int_eq(idkey_settle(st, key_path, &why), FP_OK);
	/* The key is the old one, now only in the file... */
	ck_assert_int_eq(idkey_load(key_path, &from_file, &why), FP_OK);
	hmac_sha256_key_init(&expected, old, sizeof(old));
	hmac_sha256(&from_file, "513431199001011234", 18, h1);
	hmac_sha256(&expected, "513431199001011234", 18, h2);
	ck_assert(memcmp(h1, h2, sizeof(h1)) == 0);
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM meta WHERE "
	    "key = 'id_salt'"), 0);
	store_close(st);
	/* ...and no byte of it is left in the database or its WAL. */
	ck_assert(!file_has(path, old, sizeof(old)));
	ck_assert(!file_has(wal, old, sizeof(old)));
}
END_TEST

START_TEST(a_key_file_and_another_key_in_the_database_are_refused)
{
	static const unsigned char old[32] = "0123456789abcdefOLDKEY-in-meta!!";
	struct store *st = NULL;
	const char *why = NULL;
	char key_path[600];

	snprintf(key_path, sizeof(key_path), "%s/id.key", dir);
	free(tu_write_file(dir, "id.key", "00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff\n", 65));
	ck_assert_int_eq(chmod(key_path, 0600), 0);
	ck_assert_int_eq(store_open(path, STORE_DURABILITY_NORMAL, &st), FP_OK);
	ck_assert_int_eq(migrate_to(st, migrate_latest(), NULL, NULL), FP_OK);
	put_old_key(st, old);
	ck_assert_int_eq(idkey_settle(st, key_path, &why), FP_EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "another ID key"));
	/* Nothing was wiped. */
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM meta WHERE "
	    "key = 'id_salt'"), 1);
	store_close(st);
}
END_TEST

START_TEST(a_failed_transaction_leaves_nothing)
{
	struct store *st = NULL;

	ck_assert_int_eq(store_open(":memory:", STORE_DURABILITY_NORMAL, &st),
	    FP_OK);
	ck_assert_int_eq(migrate_to(st, migrate_latest(), NULL, NULL), FP_OK);
	ck_assert_int_eq(store_begin(st), FP_OK);
	ck_assert_int_eq(store_exec(st, "INSERT INTO optouts VALUES "
	    "('+8613800000000',1,'sms',0)"), FP_OK);
	store_rollback(st);
	store_rollback(st);	/* twice is harmless */
	ck_assert_int_eq(query_int(st, "SELECT count(*) FROM optouts"), 0);
	ck_assert_int_eq(store_exec(st, "INSERT INTO nosuchtable VALUES (1)"),
	    FP_EIO);
	store_close(st);
}
END_TEST

START_TEST(cannot_open_under_a_file)
{
	struct store *st = NULL;
	char bad[600];
	char *f = tu_write_file(dir, "plain", "x", 1);

	snprintf(bad, sizeof(bad), "%s/db.sqlite", f);
	ck_assert_int_eq(store_open(bad, STORE_DURABILITY_NORMAL, &st), FP_EIO);
	ck_assert_ptr_null(st);
	free(f);
}
END_TEST

Suite *
store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("migrate");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, migrates_from_empty_to_latest_in_wal_mode);
	tcase_add_loop_test(tc, migrates_from_each_earlier_version_keeping_data,
	    1, migrate_latest());
	tcase_add_test(tc, version_6_has_one_provider_msgid_index);
	tcase_add_test(tc, migration_9_keys_processed_ids_by_kind);
	tcase_add_test(tc, refuses_a_database_newer_than_the_program);
	suite_add_tcase(s, tc);
	tc = tcase_create("store");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, durability_maps_to_synchronous);
	tcase_add_test(tc, a_new_database_gets_a_key_file_outside_it);
	tcase_add_test(tc, an_older_databases_key_moves_out_and_leaves_no_trace);
	tcase_add_test(tc, a_key_file_and_another_key_in_the_database_are_refused);
	tcase_add_test(tc, a_failed_transaction_leaves_nothing);
	tcase_add_test(tc, cannot_open_under_a_file);
	suite_add_tcase(s, tc);
	return s;
}
