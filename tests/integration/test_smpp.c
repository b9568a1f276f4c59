/*
 * test_smpp.c: the smpp provider (SPEC 11) against SMSCs nobody here
 * wrote: node-smpp's server from the npm registry (tests/smsc/smsc.js,
 * installed by the Makefile's `npm ci`, run by Debian's nodejs) and
 * Debian's Net::SMPP (tests/smsc/smsc.pl).  Each starts on free loopback
 * ports in a temporary directory and is stopped by its PID.
 *
 * The provider runs as the sender runs it (send_batch on messages
 * claimed from a real outbox, outcomes written back), beside a real
 * writer that takes what arrives on the link (link_inbound.h): MO
 * through the SMS service's own function (sms_link_receive, the path of
 * SPEC 3.1) and receipts into the delivery reports (dlr_apply_link, 3.4).
 * Checked: bind (and a refused one), 1,000 messages with long Chinese and
 * GSM-7 ones as concatenated parts (each part's text as node-smpp decodes
 * it, one submit per part), receipts by TLV and by text up to
 * "delivered" or "failed" for every part, MO single and concatenated
 * (UDH and SAR, parts out of order), the SMSC dropping the connection in
 * the middle of the window (nothing lost, no sequence number sent twice),
 * throttling (slower, nothing failed), a malformed deliver_sm, an unbind
 * from the SMSC, enquire_link.
 */
#include <check.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "gwtest.h"
#include "link_util.h"
#include "outbox.h"
#include "provider.h"
#include "sim_util.h"
#include "store.h"
#include "testutil.h"

#define SM_PROVIDER	"smsc"
#define SM_WAIT_MS	30000	/* the longest wait for any one step */

enum smsc_kind { SMSC_NODE, SMSC_PERL };

static struct sm {
	char		*dir;
	char		 log[512];	/* the SMSC's log of answered submits */
	pid_t		 pid;
	int		 port;
	int		 control;	/* node: its control port */
	struct lu_link	 lk;		/* the gateway's side */
	struct lu_tally	 tally;		/* outcomes of send_all */
} sm;

/* ---- the SMSC process ---------------------------------------------------- */

static void
start_node(void)
{
	char err[600], line[256];
	char *argv[] = { "node", "tests/smsc/smsc.js", "--log", sm.log, NULL };
	struct json_object *o, *v;

	snprintf(sm.log, sizeof(sm.log), "%s/smsc.log", sm.dir);
	snprintf(err, sizeof(err), "%s/smsc.err", sm.dir);
	sm.pid = su_spawn_ready(argv, err, NULL, line, sizeof(line));
	o = json_tokener_parse(line);
	ck_assert_msg(o != NULL, "smsc.js did not start (npm ci in "
	    "tests/smsc?): \"%s\"", line);
	ck_assert(json_object_object_get_ex(o, "smpp", &v));
	sm.port = json_object_get_int(v);
	ck_assert(json_object_object_get_ex(o, "control", &v));
	sm.control = json_object_get_int(v);
	json_object_put(o);
}

static void
start_perl(void)
{
	char err[600], line[256];
	char *argv[] = { "perl", "tests/smsc/smsc.pl", sm.log, NULL };

	snprintf(sm.log, sizeof(sm.log), "%s/smsc.log", sm.dir);
	snprintf(err, sizeof(err), "%s/smsc.err", sm.dir);
	sm.pid = su_spawn_ready(argv, err, NULL, line, sizeof(line));
	ck_assert_msg(sscanf(line, "READY %d", &sm.port) == 1,
	    "smsc.pl did not start: \"%s\"", line);
}

static void
stop_smsc(void)
{
	su_stop(&sm.pid, SIGTERM, 3000);
}

/* One command on node's control port; the answer (caller puts it). */
static struct json_object *
control(const char *fmt, ...)
{
	struct sockaddr_in a;
	char cmd[4096], buf[8192];
	size_t n = 0;
	va_list ap;
	ssize_t r;
	int fd;

	va_start(ap, fmt);
	n = (size_t)vsnprintf(cmd, sizeof(cmd) - 1, fmt, ap);
	va_end(ap);
	ck_assert_uint_lt(n, sizeof(cmd) - 1);
	cmd[n++] = '\n';
	cmd[n] = '\0';
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)sm.control);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(write(fd, cmd, n), (ssize_t)n);
	n = 0;
	while (n + 1 < sizeof(buf)) {
		r = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		if (buf[n - 1] == '\n')
			break;
	}
	close(fd);
	buf[n] = '\0';
	return json_tokener_parse(buf);
}

static int64_t
smsc_stat(const char *name)
{
	struct json_object *o = control("{\"cmd\":\"stats\"}"), *v;
	int64_t n;

	ck_assert_ptr_nonnull(o);
	ck_assert_msg(json_object_object_get_ex(o, name, &v), "no %s", name);
	n = json_object_get_int64(v);
	json_object_put(o);
	return n;
}

static bool
wait_stat(const char *name, int64_t want)
{
	int64_t end = tu_mono_ms() + SM_WAIT_MS;

	while (tu_mono_ms() < end) {
		if (smsc_stat(name) == want)
			return true;
		tu_sleep_ms(50);
	}
	return false;
}

/* ---- the gateway's side ---------------------------------------------------- */

static void
setup_with(enum smsc_kind kind, const char *password, const char *keys)
{
	char conf[2048], path[600];

	memset(&sm, 0, sizeof(sm));
	sm.dir = tu_mkdtemp();
	if (kind == SMSC_NODE)
		start_node();
	else
		start_perl();
	snprintf(path, sizeof(path), "%s/fupin.db", sm.dir);
	snprintf(conf, sizeof(conf),
	    "database = { path = \"%s\"; };\n"
	    "sms = { provider = \"" SM_PROVIDER "\"; max_per_minute = 1000; };\n"
	    "providers = ( { name = \"" SM_PROVIDER "\"; type = \"smpp\";\n"
	    "  host = \"127.0.0.1\"; port = %d; system_id = \"fupin\";\n"
	    "  password = \"%s\"; rate = 100000; timeout = 3; %s } );\n",
	    path, sm.port, password, keys != NULL ? keys : "");
	lu_open(&sm.lk, path);
	lu_start(&sm.lk, &provider_smpp_ops, conf);
}

static void
setup_node(void)
{
	setup_with(SMSC_NODE, "secret", NULL);
}

static void
teardown(void)
{
	lu_close(&sm.lk);
	stop_smsc();
	if (sm.dir != NULL)
		tu_rmtree(sm.dir);
	free(sm.dir);
	memset(&sm, 0, sizeof(sm));
}

/* One message, routed as the config says, in the caller's transaction. */
static int64_t
enqueue(const char *to, const char *text)
{
	return lu_enqueue(&sm.lk, NULL, to, text);
}

/* What the sender does (link_util.h), until nothing is queued or
 * sending. */
static void
send_all(void)
{
	lu_send_all(&sm.lk, SM_PROVIDER, 256, 60000, &sm.tally);
}

static long long
q_int(const char *sql, long long arg)
{
	return tu_query_int(store_db(sm.lk.st), sql, arg);
}

static bool
wait_int(const char *sql, long long want)
{
	return tu_wait_int(store_db(sm.lk.st), sql, 0, want, SM_WAIT_MS);
}

/* ---- the SMSC's log -------------------------------------------------------- */

struct seen {
	char	 to[24];
	int	 parts;		/* answered submits for this number */
	char	 text[2048];	/* parts' texts in UDH order */
	int	 total;
	char	*part_text[8];
};

/* node's log: every answered submit, by destination. */
static struct seen *
read_log(size_t want, size_t *n_out)
{
	struct seen *s = calloc(want, sizeof(*s));
	char *data, *line, *save = NULL;
	size_t n = 0, i;

	ck_assert_ptr_nonnull(s);
	data = tu_read_file(sm.log, NULL);
	ck_assert_ptr_nonnull(data);
	for (line = strtok_r(data, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		struct json_object *o = json_tokener_parse(line), *v, *u;
		const char *to, *text;
		int seq = 1, total = 1;

		ck_assert_ptr_nonnull(o);
		json_object_object_get_ex(o, "to", &v);
		to = json_object_get_string(v);
		json_object_object_get_ex(o, "text", &v);
		text = json_object_get_string(v);
		if (json_object_object_get_ex(o, "udh", &u) && u != NULL &&
		    json_object_is_type(u, json_type_array)) {
			total = json_object_get_int(
			    json_object_array_get_idx(u, 1));
			seq = json_object_get_int(
			    json_object_array_get_idx(u, 2));
		}
		for (i = 0; i < n && strcmp(s[i].to, to) != 0; i++)
			;
		if (i == n) {
			ck_assert_uint_lt(n, want);
			snprintf(s[n].to, sizeof(s[n].to), "%s", to);
			n++;
		}
		s[i].parts++;
		s[i].total = total;
		ck_assert_int_ge(seq, 1);
		ck_assert_int_le(seq, 8);
		free(s[i].part_text[seq - 1]);
		s[i].part_text[seq - 1] = strdup(text != NULL ? text : "");
		json_object_put(o);
	}
	free(data);
	for (i = 0; i < n; i++) {
		int k;

		size_t o = 0;

		for (k = 0; k < s[i].total && k < 8; k++) {
			if (s[i].part_text[k] != NULL && o < sizeof(s[i].text))
				o += (size_t)snprintf(s[i].text + o,
				    sizeof(s[i].text) - o, "%s",
				    s[i].part_text[k]);
			free(s[i].part_text[k]);
		}
	}
	*n_out = n;
	return s;
}

static const struct seen *
seen_for(const struct seen *s, size_t n, const char *e164)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s[i].to, e164 + 1) == 0)
			return &s[i];
	return NULL;
}

/* ---- tests ----------------------------------------------------------------- */

#define N_MSGS	1000

static const char zh_long[] = "精准扶贫：雨露计划职业教育补助申请已经开始，"
    "请建档立卡贫困家庭的学生在本月底前到村委会或者乡镇扶贫工作站提交学籍证明、"
    "录取通知书和银行卡复印件。返乡创业的村民可以同时申请创业担保贷款贴息和一次性"
    "创业补贴，详情请咨询驻村帮扶干部。培训地点在县职业技术学校，食宿免费，"
    "往返交通费凭票报销，请相互转告。";

/* Message i of the thousand: four kinds in turn. */
static void
text_for(int i, char *out, size_t size, int *parts)
{
	char base[1200];

	switch (i % 4) {
	case 0:
		snprintf(out, size, "Notice %04d: training at 9:00.", i);
		*parts = 1;
		break;
	case 1:
		memset(base, 'x', 420);
		base[420] = '\0';
		snprintf(out, size, "Long %04d %s end", i, base);
		*parts = 3;	/* 434 septets: 153 + 153 + 128 */
		break;
	case 2:
		snprintf(out, size, "扶贫通知%04d：明天开会。", i);
		*parts = 1;
		break;
	default:
		snprintf(out, size, "%04d%s", i, zh_long);
		*parts = 3;	/* 4 + 148 units: 67 + 67 + 18 */
		break;
	}
}

START_TEST(a_thousand_messages_with_long_chinese_ones_are_sent_and_delivered)
{
	char to[24], text[1400];
	int64_t ids[N_MSGS];
	int parts[N_MSGS], i, total = 0;
	struct seen *s;
	size_t n;

	ck_assert_int_eq(store_begin(sm.lk.st), FP_OK);
	for (i = 0; i < N_MSGS; i++) {
		snprintf(to, sizeof(to), "+86139%08d", i);
		text_for(i, text, sizeof(text), &parts[i]);
		ids[i] = enqueue(to, text);
		total += parts[i];
		/* The outbox counted as we split. */
		ck_assert_int_eq(q_int("SELECT segments FROM sms_out WHERE "
		    "id = ?1", ids[i]), parts[i]);
	}
	ck_assert_int_eq(store_commit(sm.lk.st), FP_OK);
	send_all();
	ck_assert_int_eq(sm.tally.retried, 0);
	ck_assert_int_eq(sm.tally.rejected, 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM sms_out WHERE "
	    "provider_msgid IS NULL", 0), 0);
	/* One submit per part, none twice, every text whole. */
	ck_assert_int_eq(smsc_stat("accepted"), total);
	ck_assert_int_eq(smsc_stat("dup_seq"), 0);
	s = read_log(N_MSGS, &n);
	ck_assert_uint_eq(n, N_MSGS);
	for (i = 0; i < N_MSGS; i++) {
		const struct seen *e;

		snprintf(to, sizeof(to), "+86139%08d", i);
		text_for(i, text, sizeof(text), &parts[i]);
		e = seen_for(s, n, to);
		ck_assert_ptr_nonnull(e);
		ck_assert_int_eq(e->parts, parts[i]);
		ck_assert_int_eq(e->total, parts[i]);
		ck_assert_str_eq(e->text, text);
	}
	free(s);
	/* Receipts (TLV and text) for every part: all delivered. */
	ck_assert_msg(wait_int("SELECT count(*) FROM sms_out WHERE status = "
	    "'delivered'", N_MSGS), "delivered: %lld of %d",
	    q_int("SELECT count(*) FROM sms_out WHERE status = 'delivered'",
	    0), N_MSGS);
	ck_assert(wait_stat("receipts_ok", total));
	ck_assert_int_eq(smsc_stat("receipts_err"), 0);
	/* Each part's report is kept with its part. */
	ck_assert_int_eq(q_int("SELECT count(DISTINCT provider_msgid) FROM dlr "
	    "WHERE status = 'delivered' AND part > 0", 0), total);
}
END_TEST

START_TEST(a_failed_part_fails_the_message_with_the_receipts_stat)
{
	char text[600];
	int64_t id;
	int parts;
	struct json_object *o;

	o = control("{\"cmd\":\"receipts\",\"mode\":\"text\",\"stat\":"
	    "\"UNDELIV\"}");
	json_object_put(o);
	text_for(3, text, sizeof(text), &parts);
	ck_assert_int_eq(store_begin(sm.lk.st), FP_OK);
	id = enqueue("+8613900000003", text);
	ck_assert_int_eq(store_commit(sm.lk.st), FP_OK);
	send_all();
	ck_assert(wait_int("SELECT count(*) FROM sms_out WHERE status = "
	    "'failed'", 1));
	/* Every part's receipt stored (answered after its commit). */
	ck_assert(wait_stat("receipts_ok", parts));
	ck_assert_int_eq(q_int("SELECT count(*) FROM dlr WHERE message_id = "
	    "?1 AND status = 'failed' AND detail LIKE 'stat:UNDELIV%'", id),
	    parts);
}
END_TEST

START_TEST(a_refused_bind_retries_and_fails_nothing)
{
	struct provider_result res;
	struct outbox_item it;

	memset(&it, 0, sizeof(it));
	memset(&res, 0, sizeof(res));
	it.id = 1;
	it.to = "+8613900000001";
	it.from = "10690001";
	it.text = "hello";
	it.encoding = GSM_ENC_GSM7;
	it.expires_at = (int64_t)time(NULL) + 3600;
	provider_smpp_ops.send_batch(sm.lk.pctx, &it, 1, &res);
	ck_assert_int_eq(res.outcome, PROVIDER_RETRY);
	ck_assert_msg(strstr(res.error, "bind refused") != NULL, "%s",
	    res.error);
	ck_assert_int_ge(smsc_stat("bind_failures"), 1);
	ck_assert_int_eq(smsc_stat("binds"), 0);
	ck_assert_int_eq(smsc_stat("submits"), 0);
}
END_TEST

static void
setup_wrong_password(void)
{
	setup_with(SMSC_NODE, "wrong", NULL);
}

START_TEST(mo_single_and_concatenated_enter_as_the_webhooks_do)
{
	static const char long_gsm[] = "FK The water pipe to the third group "
	    "has been broken since Monday, forty households carry water from "
	    "the river, please send someone before the training on Friday, "
	    "thank you from the village";
	struct json_object *o;
	int64_t sent;

	ck_assert(wait_stat("bound", 1));
	/* One UCS-2 part: help, always answered (SPEC 3.2). */
	o = control("{\"cmd\":\"mo\",\"from\":\"8613908340107\",\"to\":"
	    "\"10690001\",\"text\":\"帮助\",\"coding\":\"ucs2\"}");
	json_object_put(o);
	/* Three GSM-7 parts with a UDH, the last first. */
	o = control("{\"cmd\":\"mo\",\"from\":\"8613908340108\",\"text\":"
	    "\"%s\",\"coding\":\"gsm\",\"parts\":3,\"reverse\":true}",
	    long_gsm);
	json_object_put(o);
	/* Three UCS-2 parts by sar_* TLVs. */
	o = control("{\"cmd\":\"mo\",\"from\":\"8613908340109\",\"text\":"
	    "\"%s\",\"coding\":\"ucs2\",\"sar\":true}", zh_long);
	json_object_put(o);
	sent = smsc_stat("mo_sent");
	ck_assert_int_eq(sent, 1 + 3 + 3);
	/* Every part answered ESME_ROK, after its message was stored. */
	ck_assert(wait_stat("mo_ok", sent));
	ck_assert_int_eq(smsc_stat("mo_err"), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM sms_in", 0), 3);
	ck_assert_int_eq(q_int("SELECT count(*) FROM sms_in WHERE msisdn = "
	    "'+8613908340107' AND text = '帮助' AND route = 'smpp:"
	    SM_PROVIDER "' AND to_addr = '10690001'", 0), 1);
	ck_assert_str_eq(tu_query_text(store_db(sm.lk.st), "SELECT text FROM "
	    "sms_in WHERE msisdn = '+8613908340108'", 0), long_gsm);
	ck_assert_str_eq(tu_query_text(store_db(sm.lk.st), "SELECT text FROM "
	    "sms_in WHERE msisdn = '+8613908340109'", 0), zh_long);
	/* The commands ran: help answered, feedback ticketed. */
	ck_assert_int_ge(q_int("SELECT count(*) FROM sms_out o JOIN sms_in i "
	    "ON o.in_reply_to = i.id WHERE i.msisdn = '+8613908340107'", 0),
	    1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM sms_in WHERE msisdn = "
	    "'+8613908340108' AND command = 'FK'", 0), 1);
}
END_TEST

/* deliver_sm with a sar_msg_ref_num of one octet (libsmpp34 would read
 * two): refused for good, and the link stays up. */
START_TEST(a_malformed_deliver_sm_is_refused_and_the_link_stays)
{
	static const uint8_t body[] =
	    "\0" "\x01\x01" "8613900000001\0"	/* service, source */
	    "\x00\x01" "10690001\0"		/* destination */
	    "\x00\x00\x00" "\0" "\0"		/* esm .. validity */
	    "\x00\x00\x00\x00" "\x02" "hi"	/* .. short_message */
	    "\x02\x0c\x00\x01\x01";		/* the short TLV */
	size_t len = 16 + sizeof(body) - 1, i;
	char hex[512], text[64];
	struct json_object *o;
	uint8_t pdu[256];
	int parts;

	memset(pdu, 0, 16);
	pdu[3] = (uint8_t)len;
	pdu[7] = 0x05;			/* deliver_sm */
	pdu[15] = 0x99;			/* sequence number */
	memcpy(pdu + 16, body, sizeof(body) - 1);
	for (i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", pdu[i]);
	o = control("{\"cmd\":\"receipts\",\"mode\":\"none\"}");
	json_object_put(o);
	/* Wait for the bind, through a message. */
	text_for(0, text, sizeof(text), &parts);
	ck_assert_int_eq(store_begin(sm.lk.st), FP_OK);
	enqueue("+8613900000010", text);
	ck_assert_int_eq(store_commit(sm.lk.st), FP_OK);
	send_all();
	o = control("{\"cmd\":\"raw\",\"hex\":\"%s\"}", hex);
	json_object_put(o);
	ck_assert(wait_stat("last_deliver_resp", 0x65));
	ck_assert_int_eq(q_int("SELECT count(*) FROM sms_in", 0), 0);
	ck_assert_int_eq(store_begin(sm.lk.st), FP_OK);
	enqueue("+8613900000011", text);
	ck_assert_int_eq(store_commit(sm.lk.st), FP_OK);
	send_all();
	ck_assert_int_eq(sm.tally.retried, 0);
	ck_assert_int_eq(smsc_stat("binds"), 1);
	ck_assert_int_eq(smsc_stat("accepted"), 2);
}
END_TEST

/* ---- PDUs by hand, for what a broken or hostile SMSC sends ------------ */

struct raw {
	uint8_t	 b[2048];
	size_t	 n;
};

static void
r_u8(struct raw *r, unsigned v)
{
	r->b[r->n++] = (uint8_t)v;
}

static void
r_u16(struct raw *r, unsigned v)
{
	r_u8(r, v >> 8);
	r_u8(r, v);
}

static void
r_u32(struct raw *r, uint32_t v)
{
	r_u16(r, v >> 16);
	r_u16(r, v & 0xFFFF);
}

static void
r_str(struct raw *r, const char *s)
{
	size_t n = strlen(s) + 1;

	memcpy(r->b + r->n, s, n);
	r->n += n;
}

/* A deliver_sm up to its TLVs: esm_class, source TON, short_message. */
static void
r_deliver(struct raw *r, uint32_t seq, unsigned esm, unsigned ton,
    const char *msg)
{
	r->n = 0;
	r_u32(r, 0);
	r_u32(r, 0x00000005);
	r_u32(r, 0);
	r_u32(r, seq);
	r_str(r, "");
	r_u8(r, ton);
	r_u8(r, 1);
	r_str(r, "8613900000099");
	r_u8(r, 0);
	r_u8(r, 1);
	r_str(r, "10690001");
	r_u8(r, esm);
	r_u8(r, 0);
	r_u8(r, 0);
	r_str(r, "");
	r_str(r, "");
	r_u8(r, 0);
	r_u8(r, 0);
	r_u8(r, 0);
	r_u8(r, 0);
	r_u8(r, (unsigned)strlen(msg));
	memcpy(r->b + r->n, msg, strlen(msg));
	r->n += strlen(msg);
}

/* Fix the length and write it to the session through the SMSC. */
static void
r_send(struct raw *r)
{
	char hex[4200];
	struct json_object *o;
	size_t i;

	r->b[0] = (uint8_t)(r->n >> 24);
	r->b[1] = (uint8_t)(r->n >> 16);
	r->b[2] = (uint8_t)(r->n >> 8);
	r->b[3] = (uint8_t)r->n;
	for (i = 0; i < r->n; i++)
		snprintf(hex + 2 * i, 3, "%02x", r->b[i]);
	o = control("{\"cmd\":\"raw\",\"hex\":\"%s\"}", hex);
	json_object_put(o);
}

/*
 * What an SMSC may send that must never hurt the gateway: 30 TLVs (past
 * libsmpp34's log, see smpp_pdu.c), a TON libsmpp34 does not know, a
 * receipt for a message that is not ours (answered ESME_ROK: nothing to
 * do, nothing stored), a PDU longer than we read (the connection is
 * dropped and bound again).  Messages go through afterwards.
 */
START_TEST(what_a_hostile_smsc_sends_never_takes_the_link_down_for_good)
{
	struct json_object *o;
	struct raw r;
	char text[64];
	int i, parts;

	o = control("{\"cmd\":\"receipts\",\"mode\":\"none\"}");
	json_object_put(o);
	ck_assert(wait_stat("bound", 1));
	r_deliver(&r, 0x71, 0, 1, "hi");
	for (i = 0; i < 30; i++)
		r_u32(&r, 0x14010000);	/* vendor tag, empty */
	r_send(&r);
	ck_assert(wait_stat("refused", 1));
	r_deliver(&r, 0x72, 0, 7, "hi");
	r_send(&r);
	ck_assert(wait_stat("refused", 2));
	r_deliver(&r, 0x73, 0x04, 1, "id:not-ours stat:DELIVRD err:000");
	r_send(&r);
	ck_assert(wait_stat("last_deliver_resp", 0));
	ck_assert_int_eq(q_int("SELECT count(*) FROM dlr", 0), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM sms_in", 0), 0);
	/* 100,000 octets announced: not read, the connection goes. */
	ck_assert_int_eq(smsc_stat("binds"), 1);
	o = control("{\"cmd\":\"raw\",\"hex\":\"000186a0000000050000000000000075\"}");
	json_object_put(o);
	ck_assert(wait_stat("binds", 2));
	text_for(2, text, sizeof(text), &parts);
	ck_assert_int_eq(store_begin(sm.lk.st), FP_OK);
	enqueue("+8613900000030", text);
	ck_assert_int_eq(store_commit(sm.lk.st), FP_OK);
	send_all();
	ck_assert_int_eq(sm.tally.retried, 0);
	ck_assert_int_eq(smsc_stat("accepted"), 1);
}
END_TEST

static void *
interrupt_later(void *arg)
{
	(void)arg;
	tu_sleep_ms(300);
	provider_smpp_ops.interrupt(sm.lk.pctx);
	return NULL;
}

/* provider.h's interrupt, as the sender's stop calls it: a batch waiting
 * on an SMSC that answers nothing returns well before the timeout (3 s),
 * its messages to retry, and a later batch returns at once. */
START_TEST(a_stop_interrupts_a_batch_waiting_on_a_silent_smsc)
{
	struct provider_result res[5];
	struct outbox_item it[5];
	struct json_object *o;
	pthread_t t;
	int64_t start;
	int i;

	ck_assert(wait_stat("bound", 1));
	o = control("{\"cmd\":\"drop_after\",\"n\":1000}");
	json_object_put(o);
	memset(it, 0, sizeof(it));
	memset(res, 0, sizeof(res));
	for (i = 0; i < 5; i++) {
		it[i].id = i + 1;
		it[i].to = "+8613900000040";
		it[i].text = "silent";
		it[i].encoding = GSM_ENC_GSM7;
		it[i].expires_at = (int64_t)time(NULL) + 3600;
	}
	ck_assert_int_eq(pthread_create(&t, NULL, interrupt_later, NULL), 0);
	start = tu_mono_ms();
	provider_smpp_ops.send_batch(sm.lk.pctx, it, 5, res);
	ck_assert_int_lt(tu_mono_ms() - start, 1500);
	pthread_join(t, NULL);
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(res[i].outcome, PROVIDER_RETRY);
		ck_assert_msg(strstr(res[i].error, "stopping") != NULL, "%s",
		    res[i].error);
	}
	ck_assert_int_eq(smsc_stat("submits"), 5);	/* they went out */
	memset(res, 0, sizeof(res));
	start = tu_mono_ms();
	provider_smpp_ops.send_batch(sm.lk.pctx, it, 5, res);
	ck_assert_int_lt(tu_mono_ms() - start, 100);
	ck_assert_int_eq(res[0].outcome, PROVIDER_RETRY);
	ck_assert_int_eq(smsc_stat("submits"), 5);	/* none sent */
}
END_TEST

START_TEST(a_drop_in_the_middle_of_the_window_loses_nothing)
{
	char to[24], text[64];
	struct json_object *o;
	struct seen *s;
	size_t n, i;
	int parts;

	ck_assert_int_eq(store_begin(sm.lk.st), FP_OK);
	for (i = 0; i < 300; i++) {
		snprintf(to, sizeof(to), "+86139%08zu", i);
		text_for(0, text, sizeof(text), &parts);
		enqueue(to, text);
	}
	ck_assert_int_eq(store_commit(sm.lk.st), FP_OK);
	/* A hundred answered, then five in flight when the SMSC hangs up. */
	o = control("{\"cmd\":\"drop_after\",\"n\":5,\"after\":100}");
	json_object_put(o);
	send_all();
	ck_assert_int_eq(sm.tally.rejected, 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM sms_out WHERE status IN "
	    "('sent', 'delivered')", 0), 300);
	ck_assert_int_eq(smsc_stat("unanswered"), 5);
	ck_assert_int_eq(smsc_stat("binds"), 2);
	ck_assert_int_eq(smsc_stat("dup_seq"), 0);
	/* Each answered once; the second bind's sequence numbers go on
	 * from the first's. */
	ck_assert_int_eq(smsc_stat("accepted"), 300);
	s = read_log(300, &n);
	ck_assert_uint_eq(n, 300);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(s[i].parts, 1);
	free(s);
	{
		char *data = tu_read_file(sm.log, NULL), *line, *save = NULL;
		long long max1 = 0, min2 = -1;

		ck_assert_ptr_nonnull(data);
		for (line = strtok_r(data, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			struct json_object *l = json_tokener_parse(line), *v;
			long long seq;
			int session;

			json_object_object_get_ex(l, "seq", &v);
			seq = json_object_get_int64(v);
			json_object_object_get_ex(l, "session", &v);
			session = json_object_get_int(v);
			if (session == 1 && seq > max1)
				max1 = seq;
			if (session == 2 && (min2 < 0 || seq < min2))
				min2 = seq;
			json_object_put(l);
		}
		free(data);
		ck_assert_int_gt(max1, 0);
		ck_assert_int_gt(min2, max1);
	}
}
END_TEST

START_TEST(throttling_slows_the_link_and_fails_nothing)
{
	char to[24], text[64];
	struct json_object *o;
	int i, parts;

	ck_assert_int_eq(store_begin(sm.lk.st), FP_OK);
	for (i = 0; i < 200; i++) {
		snprintf(to, sizeof(to), "+86139%08d", i);
		text_for(2, text, sizeof(text), &parts);
		enqueue(to, text);
	}
	ck_assert_int_eq(store_commit(sm.lk.st), FP_OK);
	o = control("{\"cmd\":\"throttle\",\"n\":30}");
	json_object_put(o);
	send_all();
	ck_assert_int_eq(sm.tally.retried, 0);
	ck_assert_int_eq(sm.tally.rejected, 0);
	ck_assert_int_eq(smsc_stat("throttled"), 30);
	ck_assert_int_eq(smsc_stat("accepted"), 200);
	ck_assert_int_eq(q_int("SELECT count(*) FROM sms_out WHERE status IN "
	    "('sent', 'delivered')", 0), 200);
}
END_TEST

START_TEST(an_unbind_from_the_smsc_is_followed_by_a_new_bind)
{
	struct json_object *o;
	char text[64];
	int parts;

	text_for(2, text, sizeof(text), &parts);
	ck_assert_int_eq(store_begin(sm.lk.st), FP_OK);
	enqueue("+8613900000020", text);
	ck_assert_int_eq(store_commit(sm.lk.st), FP_OK);
	send_all();
	o = control("{\"cmd\":\"unbind\"}");
	json_object_put(o);
	ck_assert(wait_stat("binds", 2));
	ck_assert_int_eq(smsc_stat("unbinds"), 0);	/* we did not */
	ck_assert_int_eq(store_begin(sm.lk.st), FP_OK);
	enqueue("+8613900000021", text);
	ck_assert_int_eq(store_commit(sm.lk.st), FP_OK);
	send_all();
	ck_assert_int_eq(smsc_stat("accepted"), 2);
	ck_assert_int_eq(sm.tally.retried, 0);
}
END_TEST

START_TEST(an_idle_link_sends_enquire_link)
{
	ck_assert(wait_stat("binds", 1));
	ck_assert_int_eq(smsc_stat("enquire"), 0);
	tu_sleep_ms(6500);
	ck_assert_int_ge(smsc_stat("enquire"), 1);
	ck_assert_int_eq(smsc_stat("binds"), 1);
}
END_TEST

static void
setup_enquire(void)
{
	setup_with(SMSC_NODE, "secret", "enquire_link = 5;");
}

static void
setup_perl(void)
{
	setup_with(SMSC_PERL, "secret", NULL);
}

START_TEST(net_smpp_binds_takes_submits_and_its_receipts_deliver)
{
	char to[24], text[1400], *data;
	int i, parts, total = 0, lines = 0;
	size_t k;

	ck_assert_int_eq(store_begin(sm.lk.st), FP_OK);
	for (i = 0; i < 20; i++) {
		snprintf(to, sizeof(to), "+86139%08d", i);
		text_for(i, text, sizeof(text), &parts);
		enqueue(to, text);
		total += parts;
	}
	ck_assert_int_eq(store_commit(sm.lk.st), FP_OK);
	send_all();
	ck_assert_int_eq(sm.tally.retried, 0);
	ck_assert_int_eq(sm.tally.rejected, 0);
	ck_assert_msg(wait_int("SELECT count(*) FROM sms_out WHERE status = "
	    "'delivered'", 20), "delivered: %lld",
	    q_int("SELECT count(*) FROM sms_out WHERE status = 'delivered'",
	    0));
	data = tu_read_file(sm.log, NULL);
	ck_assert_ptr_nonnull(data);
	for (k = 0; data[k] != '\0'; k++)
		lines += data[k] == '\n';
	free(data);
	ck_assert_int_eq(lines, total);
	/* Long Chinese texts went as UCS-2 with a UDH. */
	ck_assert_int_eq(q_int("SELECT count(*) FROM sms_out WHERE encoding = "
	    "'ucs2' AND segments = 3", 0), 5);
}
END_TEST

/* ---- the whole gateway over an SMPP link ------------------------------- */

static struct tg gt;

static void
gw_setup(void)
{
	memset(&sm, 0, sizeof(sm));
	memset(&gt, 0, sizeof(gt));
	sm.dir = tu_mkdtemp();
	start_node();
}

static void
gw_teardown(void)
{
	tg_cleanup(&gt);
	stop_smsc();
	tu_rmtree(sm.dir);
	free(sm.dir);
	memset(&sm, 0, sizeof(sm));
}

/*
 * fupin-gateway with only an smpp provider: a villager's 查询 arrives
 * over the link, is stored as /sms/inbound stores it, answered with the
 * household's summary over the same link (as UCS-2 parts node-smpp
 * decodes back into the text), and the SMSC's receipts mark the answer
 * delivered; no full number in the gateway's log; SIGTERM unbinds and
 * exits 0.
 */
START_TEST(the_gateway_takes_mo_and_answers_over_an_smpp_link)
{
	char prov[512], *log;
	struct json_object *o;
	const struct seen *e;
	struct seen *seen;
	size_t n;

	snprintf(prov, sizeof(prov), "{ name = \"" SM_PROVIDER "\"; type = "
	    "\"smpp\"; host = \"127.0.0.1\"; port = %d; system_id = "
	    "\"fupin\"; password = \"secret\"; rate = 200; timeout = 3; }",
	    sm.port);
	tg_init(&gt, NULL);
	gt.providers = prov;
	tg_reconfigure(&gt, "sms = { shortcode = \"10690001\"; };\n");
	tg_import_demo(&gt);
	tg_start(&gt);
	ck_assert(wait_stat("bound", 1));
	/* 查询 from 日火木呷 (data/demo/README.md). */
	o = control("{\"cmd\":\"mo\",\"from\":\"8613908340107\",\"to\":"
	    "\"10690001\",\"text\":\"查询\",\"coding\":\"ucs2\"}");
	json_object_put(o);
	ck_assert(tg_wait_int(&gt, "SELECT count(*) FROM sms_in WHERE route "
	    "= 'smpp:" SM_PROVIDER "' AND msisdn = '+8613908340107' AND "
	    "text = '查询'", 1));
	ck_assert(wait_stat("mo_ok", 1));
	ck_assert(tg_wait_int(&gt, "SELECT count(*) FROM sms_out WHERE "
	    "in_reply_to IS NOT NULL AND status = 'delivered'", 1));
	ck_assert_int_eq(tg_query_int(&gt, "SELECT count(*) FROM sms_out "
	    "WHERE provider = '" SM_PROVIDER "' AND msisdn = "
	    "'+8613908340107'"), 1);
	seen = read_log(4, &n);
	ck_assert_uint_eq(n, 1);
	e = seen_for(seen, n, "+8613908340107");
	ck_assert_ptr_nonnull(e);
	ck_assert_msg(strstr(e->text, "日火木呷") != NULL, "answer: %s",
	    e->text);
	ck_assert_int_eq(e->parts, (int)tg_query_int(&gt, "SELECT segments "
	    "FROM sms_out WHERE in_reply_to IS NOT NULL"));
	free(seen);
	ck_assert_int_eq(tg_stop(&gt, SIGTERM), 0);
	ck_assert_int_eq(smsc_stat("unbinds"), 1);
	log = tg_log(&gt);
	ck_assert_ptr_nonnull(log);
	ck_assert_msg(strstr(log, "smpp.bound provider=" SM_PROVIDER) != NULL,
	    "%s", log);
	ck_assert_msg(strstr(log, "13908340107") == NULL, "a full number in "
	    "the log: %s", log);
	free(log);
}
END_TEST

Suite *
smpp_suite(void)
{
	Suite *s = suite_create("smpp");
	TCase *tc;

	tc = tcase_create("node");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup_node, teardown);
	tcase_add_test(tc,
	    a_thousand_messages_with_long_chinese_ones_are_sent_and_delivered);
	tcase_add_test(tc,
	    a_failed_part_fails_the_message_with_the_receipts_stat);
	tcase_add_test(tc, mo_single_and_concatenated_enter_as_the_webhooks_do);
	tcase_add_test(tc, a_malformed_deliver_sm_is_refused_and_the_link_stays);
	tcase_add_test(tc, a_drop_in_the_middle_of_the_window_loses_nothing);
	tcase_add_test(tc, throttling_slows_the_link_and_fails_nothing);
	tcase_add_test(tc, an_unbind_from_the_smsc_is_followed_by_a_new_bind);
	tcase_add_test(tc,
	    what_a_hostile_smsc_sends_never_takes_the_link_down_for_good);
	tcase_add_test(tc, a_stop_interrupts_a_batch_waiting_on_a_silent_smsc);
	suite_add_tcase(s, tc);

	tc = tcase_create("bind");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup_wrong_password, teardown);
	tcase_add_test(tc, a_refused_bind_retries_and_fails_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("enquire");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup_enquire, teardown);
	tcase_add_test(tc, an_idle_link_sends_enquire_link);
	suite_add_tcase(s, tc);

	tc = tcase_create("gateway");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, gw_setup, gw_teardown);
	tcase_add_test(tc, the_gateway_takes_mo_and_answers_over_an_smpp_link);
	suite_add_tcase(s, tc);

	tc = tcase_create("perl");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup_perl, teardown);
	tcase_add_test(tc, net_smpp_binds_takes_submits_and_its_receipts_deliver);
	suite_add_tcase(s, tc);
	return s;
}
