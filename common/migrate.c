/*
 * migrate.c: the schema, as an ordered list of migrations (migrate.h).
 * Never edit a migration that has shipped: add a new one.
 *
 * 1  registry: programs, households, members, cadres, enrollments,
 *    trainings, payments; meta (which held the ID-number key before
 *    it moved to database.id_key_file: idkey.c)
 * 2  messaging: inbound, outbound with status history, delivery
 *    reports, provider-id dedupe, opt-outs, per-number preferences
 * 3  interaction: USSD sessions and lockouts, feedback, tasks,
 *    broadcasts and recipients, notice counts, event outbox, processed
 *    registry/command ids
 * 4  indexes for delivery reports: by provider message id alone, and
 *    the messages being sent
 * 5  menus: feedback category; tasks of kind callback with household
 * 6  one index on the provider message id instead of two
 * 7  broadcasts, reminders and alerts: audit, recipients' member and
 *    not-before time, reminder keys, task re-send and overdue times
 * 8  the USSD challenge: sessions keyed by id and number, ended
 *    sessions kept for repeats, failures in a window per number and per
 *    household, household numbers as digits
 * 9  processed registry event ids and command ids keyed by (kind, id);
 *    the durable queue of sendsms dlr-url callbacks
 * 10 broadcast recipients by broadcast and status; the per-status counts
 *    kept on a broadcast when its recipient rows are pruned
 * 11 the console's users (Argon2id hashes), sessions (a hash of the
 *    token only), login failures and lockouts
 * 12 the console's read routes: messages and transitions per day and
 *    area, households per area, outbound messages by number
 * 13 outbound messages: the template, language and variables they were
 *    rendered from (SPEC 11)
 * 14 the console's users: when each last signed in
 */
#include <stddef.h>
#include <stdio.h>

#include "log.h"
#include "migrate.h"
#include "registry.h"

struct migration {
	int		 version;
	const char	*name;
	const char	*sql;
	enum fp_err	(*after)(struct store *);	/* or NULL */
};

static const char m1_registry[] =
"CREATE TABLE meta ("
"  key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;"
"CREATE TABLE programs ("
"  code TEXT PRIMARY KEY, name TEXT NOT NULL) WITHOUT ROWID;"
"INSERT INTO programs VALUES ('YL','雨露计划'),('CY','返乡创业'),"
"  ('XD','扶贫小额信贷');"
"CREATE TABLE households ("
"  household_id TEXT PRIMARY KEY,"
"  area_code TEXT NOT NULL,"
"  head_name TEXT NOT NULL,"
"  members INTEGER NOT NULL DEFAULT 0,"
"  status TEXT NOT NULL CHECK (status = 'poor' OR status = 'exited'"
"    OR status = 'monitored'),"
"  poverty_cause TEXT,"
"  cadre_id TEXT,"
"  exit_year INTEGER,"
"  language TEXT NOT NULL DEFAULT 'zh',"
"  updated_at INTEGER NOT NULL);"
"CREATE INDEX households_area ON households(area_code);"
"CREATE INDEX households_cadre ON households(cadre_id);"
"CREATE TABLE members ("
"  member_id TEXT PRIMARY KEY,"
"  household_id TEXT NOT NULL REFERENCES households(household_id)"
"    ON DELETE CASCADE,"
"  name TEXT NOT NULL,"
"  id_hash BLOB,"
"  id_last6_hash BLOB,"
"  phone TEXT,"
"  relation TEXT,"
"  updated_at INTEGER NOT NULL);"
"CREATE INDEX members_household ON members(household_id);"
"CREATE INDEX members_phone ON members(phone) WHERE phone IS NOT NULL;"
"CREATE TABLE cadres ("
"  cadre_id TEXT PRIMARY KEY,"
"  name TEXT NOT NULL,"
"  phone TEXT,"
"  area_code TEXT NOT NULL,"
"  title TEXT,"
"  updated_at INTEGER NOT NULL);"
"CREATE INDEX cadres_phone ON cadres(phone);"
"CREATE INDEX cadres_area ON cadres(area_code);"
"CREATE TABLE enrollments ("
"  member_id TEXT NOT NULL REFERENCES members(member_id) ON DELETE CASCADE,"
"  program TEXT NOT NULL,"
"  status TEXT NOT NULL CHECK (status = 'enrolled'"
"    OR status = 'requested' OR status = 'completed'),"
"  updated_on TEXT,"
"  updated_at INTEGER NOT NULL,"
"  PRIMARY KEY (member_id, program)) WITHOUT ROWID;"
"CREATE INDEX enrollments_program ON enrollments(program, status);"
"CREATE TABLE trainings ("
"  training_id TEXT PRIMARY KEY,"
"  program TEXT NOT NULL,"
"  title TEXT NOT NULL,"
"  area_code TEXT NOT NULL,"
"  location TEXT,"
"  starts_on TEXT NOT NULL,"
"  ends_on TEXT,"
"  capacity INTEGER,"
"  updated_at INTEGER NOT NULL);"
"CREATE INDEX trainings_area ON trainings(area_code, starts_on);"
"CREATE TABLE payments ("
"  household_id TEXT NOT NULL REFERENCES households(household_id)"
"    ON DELETE CASCADE,"
"  program TEXT NOT NULL,"
"  amount_fen INTEGER NOT NULL,"
"  paid_on TEXT NOT NULL,"
"  note TEXT,"
"  updated_at INTEGER NOT NULL,"
"  PRIMARY KEY (household_id, program, paid_on)) WITHOUT ROWID;";

static const char m2_messaging[] =
"CREATE TABLE sms_in ("
"  id INTEGER PRIMARY KEY,"
"  route TEXT NOT NULL,"
"  provider_id TEXT,"
"  msisdn TEXT NOT NULL,"
"  to_addr TEXT,"
"  text TEXT NOT NULL,"
"  smsc TEXT,"
"  received_at INTEGER NOT NULL,"
"  status TEXT NOT NULL DEFAULT 'received'"
"    CHECK (status = 'received' OR status = 'processed'),"
"  command TEXT,"
"  household_id TEXT,"
"  answer TEXT);"
"CREATE UNIQUE INDEX sms_in_provider_id ON sms_in(route, provider_id)"
"  WHERE provider_id IS NOT NULL;"
"CREATE INDEX sms_in_msisdn ON sms_in(msisdn, received_at);"
"CREATE TABLE sms_out ("
"  id INTEGER PRIMARY KEY,"
"  msisdn TEXT NOT NULL,"
"  from_addr TEXT,"
"  text TEXT NOT NULL,"
"  kind TEXT NOT NULL DEFAULT 'reply'"
"    CHECK (kind = 'reply' OR kind = 'broadcast' OR kind = 'reminder'"
"    OR kind = 'alert' OR kind = 'api' OR kind = 'sendsms'"
"    OR kind = 'security'),"
"  encoding TEXT NOT NULL CHECK (encoding = 'gsm7' OR encoding = 'ucs2'),"
"  segments INTEGER NOT NULL,"
"  provider TEXT NOT NULL,"
"  status TEXT NOT NULL DEFAULT 'queued' CHECK (status = 'queued'"
"    OR status = 'sending' OR status = 'sent' OR status = 'delivered'"
"    OR status = 'failed' OR status = 'expired'),"
"  attempts INTEGER NOT NULL DEFAULT 0,"
"  next_attempt_at INTEGER NOT NULL,"
"  expires_at INTEGER NOT NULL,"
"  provider_msgid TEXT,"
"  last_error TEXT,"
"  in_reply_to INTEGER REFERENCES sms_in(id),"
"  broadcast_id INTEGER,"
"  task_id INTEGER,"
"  dlr_url TEXT,"
"  dlr_mask INTEGER,"
"  created_at INTEGER NOT NULL,"
"  updated_at INTEGER NOT NULL);"
"CREATE INDEX sms_out_due ON sms_out(provider, status, next_attempt_at);"
"CREATE UNIQUE INDEX sms_out_provider_msgid ON sms_out(provider,"
"  provider_msgid) WHERE provider_msgid IS NOT NULL;"
"CREATE TABLE sms_out_history ("
"  id INTEGER PRIMARY KEY,"
"  message_id INTEGER NOT NULL REFERENCES sms_out(id) ON DELETE CASCADE,"
"  status TEXT NOT NULL,"
"  at INTEGER NOT NULL,"
"  detail TEXT);"
"CREATE INDEX sms_out_history_msg ON sms_out_history(message_id, id);"
"CREATE TABLE dlr ("
"  id INTEGER PRIMARY KEY,"
"  message_id INTEGER REFERENCES sms_out(id) ON DELETE CASCADE,"
"  provider TEXT NOT NULL,"
"  provider_msgid TEXT,"
"  part INTEGER NOT NULL DEFAULT 0,"
"  status TEXT NOT NULL,"
"  detail TEXT,"
"  received_at INTEGER NOT NULL);"
"CREATE INDEX dlr_msg ON dlr(message_id, part);"
"CREATE INDEX dlr_provider_msgid ON dlr(provider, provider_msgid);"
"CREATE TABLE optouts ("
"  msisdn TEXT PRIMARY KEY,"
"  opted_out INTEGER NOT NULL,"
"  source TEXT NOT NULL,"
"  changed_at INTEGER NOT NULL) WITHOUT ROWID;"
"CREATE TABLE msisdn_prefs ("
"  msisdn TEXT PRIMARY KEY,"
"  language TEXT,"
"  last_help_at INTEGER,"
"  updated_at INTEGER NOT NULL) WITHOUT ROWID;";

static const char m3_interaction[] =
"CREATE TABLE ussd_sessions ("
"  session_id TEXT PRIMARY KEY,"
"  channel TEXT NOT NULL DEFAULT 'ussd' CHECK (channel = 'ussd'"
"    OR channel = 'sms'),"
"  msisdn TEXT NOT NULL,"
"  state TEXT NOT NULL,"
"  language TEXT,"
"  household_id TEXT,"
"  inputs TEXT NOT NULL DEFAULT '',"
"  created_at INTEGER NOT NULL,"
"  updated_at INTEGER NOT NULL,"
"  expires_at INTEGER NOT NULL);"
"CREATE INDEX ussd_sessions_msisdn ON ussd_sessions(msisdn, channel);"
"CREATE INDEX ussd_sessions_expiry ON ussd_sessions(expires_at);"
"CREATE TABLE ussd_lockouts ("
"  msisdn TEXT PRIMARY KEY,"
"  failures INTEGER NOT NULL DEFAULT 0,"
"  locked_until INTEGER,"
"  updated_at INTEGER NOT NULL) WITHOUT ROWID;"
"CREATE TABLE feedback ("
"  id INTEGER PRIMARY KEY,"
"  ticket TEXT NOT NULL UNIQUE,"
"  msisdn TEXT NOT NULL,"
"  household_id TEXT,"
"  area_code TEXT,"
"  text TEXT NOT NULL,"
"  channel TEXT NOT NULL DEFAULT 'sms',"
"  status TEXT NOT NULL DEFAULT 'open' CHECK (status = 'open'"
"    OR status = 'closed'),"
"  sms_in_id INTEGER REFERENCES sms_in(id),"
"  created_at INTEGER NOT NULL,"
"  closed_at INTEGER,"
"  closed_by TEXT,"
"  resolution TEXT);"
"CREATE INDEX feedback_status_area ON feedback(status, area_code);"
"CREATE TABLE alerts ("
"  id INTEGER PRIMARY KEY,"
"  text TEXT NOT NULL,"
"  template TEXT,"
"  due TEXT,"
"  ack_required INTEGER NOT NULL DEFAULT 1,"
"  urgent INTEGER NOT NULL DEFAULT 0,"
"  created_by TEXT,"
"  command_id TEXT UNIQUE,"
"  created_at INTEGER NOT NULL);"
"CREATE TABLE tasks ("
"  id INTEGER PRIMARY KEY,"
"  task_number TEXT NOT NULL UNIQUE,"
"  alert_id INTEGER REFERENCES alerts(id),"
"  cadre_id TEXT NOT NULL,"
"  text TEXT NOT NULL,"
"  due TEXT,"
"  ack_required INTEGER NOT NULL DEFAULT 1,"
"  urgent INTEGER NOT NULL DEFAULT 0,"
"  status TEXT NOT NULL DEFAULT 'open'"
"    CHECK (status = 'open' OR status = 'acked' OR status = 'cancelled'),"
"  created_at INTEGER NOT NULL,"
"  acked_at INTEGER);"
"CREATE INDEX tasks_cadre ON tasks(cadre_id, status);"
"CREATE TABLE broadcasts ("
"  id INTEGER PRIMARY KEY,"
"  template TEXT,"
"  text TEXT,"
"  audience TEXT NOT NULL,"
"  vars TEXT,"
"  provider TEXT,"
"  kind TEXT NOT NULL DEFAULT 'broadcast'"
"    CHECK (kind = 'broadcast' OR kind = 'reminder'),"
"  send_at INTEGER NOT NULL,"
"  status TEXT NOT NULL DEFAULT 'scheduled' CHECK (status = 'scheduled'"
"    OR status = 'sending' OR status = 'finished'"
"    OR status = 'cancelled'),"
"  created_by TEXT,"
"  scope_area TEXT,"
"  command_id TEXT UNIQUE,"
"  created_at INTEGER NOT NULL,"
"  started_at INTEGER,"
"  finished_at INTEGER,"
"  cancelled_at INTEGER);"
"CREATE TABLE broadcast_recipients ("
"  broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id)"
"    ON DELETE CASCADE,"
"  msisdn TEXT NOT NULL,"
"  household_id TEXT,"
"  cadre_id TEXT,"
"  language TEXT,"
"  status TEXT NOT NULL DEFAULT 'pending' CHECK (status = 'pending'"
"    OR status = 'queued' OR status = 'skipped' OR status = 'cancelled'),"
"  message_id INTEGER REFERENCES sms_out(id),"
"  PRIMARY KEY (broadcast_id, msisdn)) WITHOUT ROWID;"
"CREATE TABLE notice_counts ("
"  msisdn TEXT NOT NULL,"
"  day TEXT NOT NULL,"
"  count INTEGER NOT NULL,"
"  PRIMARY KEY (msisdn, day)) WITHOUT ROWID;"
"CREATE TABLE event_outbox ("
"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
"  event_id TEXT NOT NULL UNIQUE,"
"  type TEXT NOT NULL,"
"  occurred_at TEXT NOT NULL,"
"  data TEXT NOT NULL,"
"  relayed_at INTEGER);"
"CREATE INDEX event_outbox_pending ON event_outbox(type, id)"
"  WHERE relayed_at IS NULL;"
"CREATE TABLE processed_messages ("
"  id TEXT PRIMARY KEY,"
"  kind TEXT NOT NULL,"
"  processed_at INTEGER NOT NULL,"
"  outcome TEXT) WITHOUT ROWID;";

static const char m4_dlr_lookup[] =
"CREATE INDEX sms_out_msgid ON sms_out(provider_msgid)"
"  WHERE provider_msgid IS NOT NULL;"
"CREATE INDEX sms_out_sending ON sms_out(id) WHERE status = 'sending';";

/*
 * The menu engine (issue 4): a feedback category chosen from the menu,
 * and call-back requests, which are tasks for the household's cadre that
 * come from a villager rather than from an office's alert.
 */
static const char m5_menus[] =
"ALTER TABLE feedback ADD COLUMN category TEXT;"
"ALTER TABLE tasks ADD COLUMN kind TEXT NOT NULL DEFAULT 'alert'"
"  CHECK (kind = 'alert' OR kind = 'callback');"
"ALTER TABLE tasks ADD COLUMN household_id TEXT;"
"ALTER TABLE tasks ADD COLUMN msisdn TEXT;"
"CREATE INDEX tasks_cadre_kind ON tasks(cadre_id, kind, status, id);";

/*
 * sms_out_provider_msgid (2: provider, msgid; unique) and sms_out_msgid
 * (4: msgid alone, for reports that name no provider) indexed the same
 * column twice, so every message marked sent wrote two index entries.
 * One unique index with the id first serves both the uniqueness per
 * provider and the lookup by id alone.  And the sender's queue index
 * (2) kept every message ever sent, moving each entry at every status
 * change: only queued messages are looked up in it (outbox claim).
 */
static const char m6_one_msgid_index[] =
"DROP INDEX sms_out_msgid;"
"DROP INDEX sms_out_provider_msgid;"
"CREATE UNIQUE INDEX sms_out_msgid_provider ON sms_out(provider_msgid,"
"  provider) WHERE provider_msgid IS NOT NULL;"
"DROP INDEX sms_out_due;"
"CREATE INDEX sms_out_due ON sms_out(provider, next_attempt_at)"
"  WHERE status = 'queued';";

/*
 * Broadcasts, reminders and task alerts (issue 6): an audit trail of
 * every state-changing admin call; per recipient the member (for {name})
 * and the earliest time it may go (the daily cap defers to the next
 * day); what a broadcast counted and needs (segments, reminder key for
 * idempotent daily reminders); alerts' area and tasks' re-send and
 * overdue times.
 */
static const char m7_broadcasts[] =
"CREATE TABLE audit ("
"  id INTEGER PRIMARY KEY,"
"  at INTEGER NOT NULL,"
"  actor TEXT NOT NULL,"
"  action TEXT NOT NULL,"
"  target TEXT,"
"  detail TEXT);"
"CREATE INDEX audit_at ON audit(at);"
"ALTER TABLE broadcasts ADD COLUMN recipients INTEGER NOT NULL DEFAULT 0;"
"ALTER TABLE broadcasts ADD COLUMN reminder_key TEXT;"
"CREATE UNIQUE INDEX broadcasts_reminder ON broadcasts(reminder_key)"
"  WHERE reminder_key IS NOT NULL;"
"CREATE INDEX broadcasts_due ON broadcasts(status, send_at);"
/* Never used before this version: remade in insertion order (a million
 * households resolve as appends, not as inserts all over a table keyed
 * by number); at most one message per number per broadcast is kept by
 * sms_out_broadcast at send time. */
"DROP TABLE broadcast_recipients;"
"CREATE TABLE broadcast_recipients ("
"  id INTEGER PRIMARY KEY,"
"  broadcast_id INTEGER NOT NULL REFERENCES broadcasts(id)"
"    ON DELETE CASCADE,"
"  msisdn TEXT NOT NULL,"
"  household_id TEXT,"
"  member_id TEXT,"
"  cadre_id TEXT,"
"  language TEXT,"
"  status TEXT NOT NULL DEFAULT 'pending' CHECK (status = 'pending'"
"    OR status = 'queued' OR status = 'skipped' OR status = 'cancelled'),"
"  message_id INTEGER,"
"  not_before INTEGER NOT NULL DEFAULT 0);"
"CREATE INDEX broadcast_recipients_pending ON"
"  broadcast_recipients(broadcast_id, not_before) WHERE status = 'pending';"
"CREATE INDEX sms_out_broadcast ON sms_out(broadcast_id, msisdn)"
"  WHERE broadcast_id IS NOT NULL;"
"ALTER TABLE alerts ADD COLUMN area TEXT;"
"ALTER TABLE tasks ADD COLUMN resent_at INTEGER;"
"ALTER TABLE tasks ADD COLUMN overdue_at INTEGER;"
"CREATE INDEX tasks_open ON tasks(status, created_at) WHERE status = 'open';";

/*
 * The USSD challenge and sessions (SPEC 3.3 as revised):
 * - a session is keyed by the aggregator's id and the number together;
 *   its inputs column holds a keyed hash of its last request, never the
 *   text (ussd_engine.c): the old ones, in clear, are emptied (such a
 *   session is replayed from the text it is sent next);
 * - an ended USSD session is kept until its timeout, so that a repeat of
 *   its last request answers the same screen and runs nothing twice;
 * - failed challenges are counted in a window of ussd.lockout per number
 *   and per household (a keyed hash of the number typed), and a success
 *   resets neither: locks in ussd_challenge_locks (the active ones of
 *   ussd_lockouts moved there; that table stays, empty and unused);
 * - the household number as digits (letters, spaces and dashes ignored),
 *   indexed, for the number typed in the challenge.
 */
static const char m8_ussd_challenge[] =
"CREATE TABLE ussd_sessions_8 ("
"  session_id TEXT NOT NULL,"
"  channel TEXT NOT NULL DEFAULT 'ussd' CHECK (channel = 'ussd'"
"    OR channel = 'sms'),"
"  msisdn TEXT NOT NULL,"
"  state TEXT NOT NULL,"
"  language TEXT,"
"  household_id TEXT,"
"  inputs TEXT NOT NULL DEFAULT '',"
"  created_at INTEGER NOT NULL,"
"  updated_at INTEGER NOT NULL,"
"  expires_at INTEGER NOT NULL,"
"  PRIMARY KEY (session_id, msisdn));"
"INSERT INTO ussd_sessions_8(session_id, channel, msisdn, state, language,"
"  household_id, inputs, created_at, updated_at, expires_at)"
"  SELECT session_id, channel, msisdn, state, language, household_id, '',"
"  created_at, updated_at, expires_at FROM ussd_sessions;"
"DROP TABLE ussd_sessions;"
"ALTER TABLE ussd_sessions_8 RENAME TO ussd_sessions;"
"CREATE INDEX ussd_sessions_msisdn ON ussd_sessions(msisdn, channel);"
"CREATE INDEX ussd_sessions_expiry ON ussd_sessions(expires_at);"
"CREATE TABLE ussd_ended ("
"  session_id TEXT NOT NULL,"
"  msisdn TEXT NOT NULL,"
"  inputs TEXT NOT NULL,"
"  screen TEXT NOT NULL,"
"  ended_at INTEGER NOT NULL,"
"  expires_at INTEGER NOT NULL,"
"  PRIMARY KEY (session_id, msisdn)) WITHOUT ROWID;"
"CREATE INDEX ussd_ended_expiry ON ussd_ended(expires_at);"
"CREATE TABLE ussd_challenge_failures ("
"  id INTEGER PRIMARY KEY,"
"  msisdn TEXT NOT NULL,"
"  household TEXT,"
"  at INTEGER NOT NULL);"
"CREATE INDEX ussd_challenge_failures_msisdn ON"
"  ussd_challenge_failures(msisdn, at);"
"CREATE INDEX ussd_challenge_failures_household ON"
"  ussd_challenge_failures(household, at) WHERE household IS NOT NULL;"
"CREATE INDEX ussd_challenge_failures_at ON ussd_challenge_failures(at);"
"CREATE TABLE ussd_challenge_locks ("
"  scope TEXT NOT NULL CHECK (scope = 'msisdn' OR scope = 'household'),"
"  key TEXT NOT NULL,"
"  locked_until INTEGER NOT NULL,"
"  PRIMARY KEY (scope, key)) WITHOUT ROWID;"
"INSERT INTO ussd_challenge_locks(scope, key, locked_until)"
"  SELECT 'msisdn', msisdn, locked_until FROM ussd_lockouts"
"  WHERE locked_until IS NOT NULL;"
"DELETE FROM ussd_lockouts;"
/* Letters (any case), spaces and dashes left out of the household id:
 * written by registry_upsert as an integer (a generated text column
 * and its index made the import four times slower; an integer index
 * costs a tenth), filled once for the rows already there by
 * fill_household_digits. */
"ALTER TABLE households ADD COLUMN household_digits INTEGER;"
"CREATE INDEX households_digits ON households(household_digits);";

/*
 * SPEC 5: registry event_ids and command_ids are deduplicated apart.
 * Commands were kept as "cmd:<command_id>" among the registry's event
 * ids, so a registry event "cmd:x" suppressed command x: the key is now
 * (kind, id), a command's id its command_id as sent.
 *
 * SPEC 3.3a: sendsms dlr-url callbacks go through a durable queue
 * (send/dlr_callback.c): one row per call to make, filled in, with the
 * host ("host:port") it is limited by, retried with backoff until a day
 * after it was made.
 */
static const char m9_dedupe_kinds_dlr_queue[] =
"CREATE TABLE processed_messages_9 ("
"  kind TEXT NOT NULL,"
"  id TEXT NOT NULL,"
"  processed_at INTEGER NOT NULL,"
"  outcome TEXT,"
"  PRIMARY KEY (kind, id)) WITHOUT ROWID;"
"INSERT INTO processed_messages_9(kind, id, processed_at, outcome)"
"  SELECT kind, CASE WHEN kind = 'command' AND substr(id, 1, 4) = 'cmd:'"
"  THEN substr(id, 5) ELSE id END, processed_at, outcome"
"  FROM processed_messages;"
"DROP TABLE processed_messages;"
"ALTER TABLE processed_messages_9 RENAME TO processed_messages;"
"CREATE TABLE dlr_callbacks ("
"  id INTEGER PRIMARY KEY,"
"  message_id INTEGER NOT NULL,"
"  type INTEGER NOT NULL,"
"  url TEXT NOT NULL,"
"  host TEXT NOT NULL,"
"  created_at INTEGER NOT NULL,"
"  next_at INTEGER NOT NULL,"
"  attempts INTEGER NOT NULL DEFAULT 0,"
"  last_error TEXT);"
"CREATE INDEX dlr_callbacks_due ON dlr_callbacks(next_at);"
"CREATE INDEX dlr_callbacks_host ON dlr_callbacks(host, next_at);";

/*
 * A broadcast's recipient rows that are no longer pending, by broadcast
 * and status (the pending ones have broadcast_recipients_pending): GET's
 * per-status counts and the pruning of a finished broadcast's rows read
 * index ranges instead of the whole table, and resolving a broadcast
 * (rows written pending) does not write this index.  The counts GET
 * shows (a JSON object) and the segments sent, kept on the broadcast
 * before its recipient rows are pruned (schedule.retention_days after it
 * finished or was cancelled), and when they were.
 */
static const char m10_broadcast_counts[] =
"CREATE INDEX broadcast_recipients_done ON"
"  broadcast_recipients(broadcast_id, status) WHERE status <> 'pending';"
"ALTER TABLE broadcasts ADD COLUMN counts TEXT;"
"ALTER TABLE broadcasts ADD COLUMN segments_sent INTEGER;"
"ALTER TABLE broadcasts ADD COLUMN pruned_at INTEGER;";

/*
 * The program offices' console (SPEC 10, issue 15): its users, each with
 * a role and an area prefix as the API tokens have, and an Argon2id hash
 * of the password (libsodium's crypto_pwhash_str string, which holds its
 * own salt and costs); the signed-in sessions, kept by the SHA-256 of
 * their random token (the cookie's value is never stored, so a copy of
 * the database signs nobody in; the CSRF token is derived from the
 * session token, not stored either); kept here, a session outlives a
 * restart of the gateway.  Failed logins per name and per client in a
 * window, and the lockouts they lead to (until a time).
 */
static const char m11_console_users[] =
"CREATE TABLE console_users ("
"  name TEXT PRIMARY KEY,"
"  role TEXT NOT NULL CHECK (role = 'admin' OR role = 'office'"
"    OR role = 'viewer'),"
"  area TEXT NOT NULL DEFAULT '',"
"  password_hash TEXT NOT NULL,"
"  disabled INTEGER NOT NULL DEFAULT 0,"
"  created_at INTEGER NOT NULL,"
"  changed_at INTEGER NOT NULL) WITHOUT ROWID;"
"CREATE TABLE console_sessions ("
"  token_hash BLOB PRIMARY KEY,"
"  user_name TEXT NOT NULL REFERENCES console_users(name)"
"    ON DELETE CASCADE,"
"  created_at INTEGER NOT NULL,"
"  last_seen INTEGER NOT NULL) WITHOUT ROWID;"
"CREATE INDEX console_sessions_user ON console_sessions(user_name);"
"CREATE TABLE console_login_failures ("
"  id INTEGER PRIMARY KEY,"
"  at INTEGER NOT NULL,"
"  user_name TEXT NOT NULL,"
"  client TEXT NOT NULL);"
"CREATE INDEX console_login_failures_user ON"
"  console_login_failures(user_name, at);"
"CREATE INDEX console_login_failures_client ON"
"  console_login_failures(client, at);"
"CREATE INDEX console_login_failures_at ON console_login_failures(at);"
"CREATE TABLE console_lockouts ("
"  kind TEXT NOT NULL CHECK (kind = 'user' OR kind = 'client'),"
"  key TEXT NOT NULL,"
"  until INTEGER NOT NULL,"
"  PRIMARY KEY (kind, key)) WITHOUT ROWID;";

/*
 * The console's read routes (SPEC 10, issue 15), answered without
 * walking the message tables or the registry (gateway/core/rollup.c
 * fills the first three behind the writers, from the rows above the
 * last ids it rolled up; it starts from the beginning):
 * - console_counts: per local day and area (grain 0: everything, area
 *   ''; 1: the county, the first 6 digits; 2: the whole area code) the
 *   messages in ("mo") and the outbound transitions ("created", "sent",
 *   "delivered", "failed", "expired", by provider; failures by reason);
 * - console_rollup: the last sms_in and sms_out_history ids rolled up;
 * - area_households: households per area code, recomputed each minute;
 * - a number's outbound messages (GET /api/v1/messages?msisdn=), in id
 *   order (the index holds the rowid).
 */
static const char m12_console_counts[] =
"CREATE TABLE console_counts ("
"  grain INTEGER NOT NULL,"
"  area TEXT NOT NULL,"
"  day TEXT NOT NULL,"
"  what TEXT NOT NULL,"
"  provider TEXT NOT NULL DEFAULT '',"
"  reason TEXT NOT NULL DEFAULT '',"
"  n INTEGER NOT NULL,"
"  PRIMARY KEY (grain, area, day, what, provider, reason)) WITHOUT ROWID;"
"CREATE TABLE console_rollup ("
"  source TEXT PRIMARY KEY,"
"  last_id INTEGER NOT NULL) WITHOUT ROWID;"
"INSERT INTO console_rollup(source, last_id) VALUES ('sms_in', 0),"
"  ('sms_out_history', 0);"
"CREATE TABLE area_households ("
"  area_code TEXT PRIMARY KEY,"
"  households INTEGER NOT NULL) WITHOUT ROWID;"
"CREATE INDEX sms_out_msisdn ON sms_out(msisdn);";

/*
 * SPEC 11: approved templates.  A provider that sends templates only
 * (aliyun, tencent, http_json with template_code) needs what a message
 * was rendered from, not its text: the text's key ("sms/fk_ok",
 * "notices/...", "menu/<screen>"), the language it was rendered in and
 * its variables as a JSON object.  NULL for free text.
 */
static const char m13_outbox_templates[] =
"ALTER TABLE sms_out ADD COLUMN tpl_key TEXT;"
"ALTER TABLE sms_out ADD COLUMN tpl_lang TEXT;"
"ALTER TABLE sms_out ADD COLUMN tpl_vars TEXT;";

/*
 * The console's user administration (issue 15): when each user last
 * signed in (NULL: never), for GET /api/v1/users and fupinctl user list.
 */
static const char m14_console_last_login[] =
"ALTER TABLE console_users ADD COLUMN last_login_at INTEGER;";

/* Migration 8's household_digits for the households already there. */
static enum fp_err
fill_household_digits(struct store *st)
{
	sqlite3_stmt *sel = NULL, *upd = NULL;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "SELECT household_id FROM households", &sel);
	if (err == FP_OK)
		err = store_stmt(st, "UPDATE households SET household_digits = "
		    "?2 WHERE household_id = ?1", &upd);
	if (err != FP_OK)
		return err;
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(sel, 0);
		int64_t n = id != NULL ? registry_household_number(id) : -1;

		if (n < 0)
			continue;
		sqlite3_bind_text(upd, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(upd, 2, n);
		rc = sqlite3_step(upd);
		sqlite3_reset(upd);
		if (rc != SQLITE_DONE)
			break;
	}
	sqlite3_reset(sel);
	return rc == SQLITE_DONE ? FP_OK : store_err(rc);
}

static const struct migration migrations[] = {
	{ 1, "registry", m1_registry, NULL },
	{ 2, "messaging", m2_messaging, NULL },
	{ 3, "interaction", m3_interaction, NULL },
	{ 4, "dlr-lookup", m4_dlr_lookup, NULL },
	{ 5, "menus", m5_menus, NULL },
	{ 6, "one-msgid-index", m6_one_msgid_index, NULL },
	{ 7, "broadcasts", m7_broadcasts, NULL },
	{ 8, "ussd-challenge", m8_ussd_challenge, fill_household_digits },
	{ 9, "dedupe-kinds-dlr-queue", m9_dedupe_kinds_dlr_queue, NULL },
	{ 10, "broadcast-counts", m10_broadcast_counts, NULL },
	{ 11, "console-users", m11_console_users, NULL },
	{ 12, "console-counts", m12_console_counts, NULL },
	{ 13, "outbox-templates", m13_outbox_templates, NULL },
	{ 14, "console-last-login", m14_console_last_login, NULL },
};
#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int
migrate_latest(void)
{
	return migrations[N_MIGRATIONS - 1].version;
}

enum fp_err
migrate_version(struct store *st, int *version)
{
	sqlite3_stmt *stmt;
	enum fp_err err;
	int rc;

	err = store_stmt(st, "PRAGMA user_version", &stmt);
	if (err != FP_OK)
		return err;
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(stmt);
		return store_err(rc);
	}
	*version = sqlite3_column_int(stmt, 0);
	sqlite3_reset(stmt);
	return FP_OK;
}

static enum fp_err
apply(struct store *st, const struct migration *m)
{
	char bump[64];
	enum fp_err err;

	err = store_begin(st);
	if (err != FP_OK)
		return err;
	err = store_exec(st, m->sql);
	if (err == FP_OK && m->after != NULL)
		err = m->after(st);
	if (err == FP_OK) {
		/* PRAGMA takes no bound parameters; the value is our own. */
		snprintf(bump, sizeof(bump), "PRAGMA user_version=%d",
		    m->version);
		err = store_exec(st, bump);
	}
	if (err == FP_OK)
		err = store_commit(st);
	if (err != FP_OK) {
		store_rollback(st);
		return err;
	}
	log_info("migrate.step version=%d name=%s", m->version, m->name);
	return FP_OK;
}

enum fp_err
migrate_to(struct store *st, int target, int *from, int *to)
{
	enum fp_err err;
	int version, i;

	err = migrate_version(st, &version);
	if (err != FP_OK)
		return err;
	if (from != NULL)
		*from = version;
	if (version > migrate_latest()) {
		log_error("migrate.refused version=%d known=%d reason=\"the "
		    "database is newer than this program\"", version,
		    migrate_latest());
		return FP_EINVAL;
	}
	if (target < version || target > migrate_latest())
		return FP_EINVAL;
	for (i = 0; i < N_MIGRATIONS; i++) {
		if (migrations[i].version <= version ||
		    migrations[i].version > target)
			continue;
		err = apply(st, &migrations[i]);
		if (err != FP_OK)
			return err;
		version = migrations[i].version;
	}
	if (to != NULL)
		*to = version;
	return FP_OK;
}
