/*
 * cmpp_link.c: the cmpp provider's link thread (see cmpp_link.h and, for
 * what the link does, provider_cmpp.c's opening comment): the connection
 * and its login, the window of submits and their answers, what arrives,
 * the timers (connect, login, answers, active test, stalled messages)
 * and the backoff, and the outcome of every queued message.  It owns the
 * socket; everything it touches is under c->lock, which it lets go only
 * while it waits in poll.  Nothing here logs a number or a text.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cmpp_link.h"
#include "log.h"

static struct log_limit down_lines = LOG_LIMIT_INIT("cmpp.link.down", 2);
static struct log_limit parts_lines = LOG_LIMIT_INIT("cmpp.parts", LOG_PER_S);

/* ---- messages ----------------------------------------------------------------- */

static void
queue_unlink(struct cmpp_ctx *c, struct cmpp_msg *m)
{
	if (m->prev != NULL)
		m->prev->next = m->next;
	else if (c->head == m)
		c->head = m->next;
	if (m->next != NULL)
		m->next->prev = m->prev;
	else if (c->tail == m)
		c->tail = m->prev;
	m->prev = m->next = NULL;
}

/* m's outcome: out of the queue and the window; send_batch is woken. */
static void
finish(struct cmpp_ctx *c, struct cmpp_msg *m, enum provider_outcome o,
    const char *why)
{
	char id[CMPP_MSGID_MAX];
	size_t i;

	if (m->is_finished)
		return;
	m->is_finished = true;
	queue_unlink(c, m);
	for (i = 0; i < c->n_slots; i++)
		if (c->slots[i].is_used && c->slots[i].m == m)
			c->slots[i].m = NULL;	/* its answer is ignored */
	m->res->outcome = o;
	if (o == PROVIDER_ACCEPTED) {
		cmpp_msgid_format(m->parts[0].msg_id, id);
		/* Out of memory leaves it NULL: sent all the same. */
		m->res->msgid = strdup(id);
	} else
		snprintf(m->res->error, sizeof(m->res->error), "%s", why);
	pthread_cond_broadcast(&c->cond);
}

static void
on_parts_kept(void *arg, enum fp_err result, int64_t id)
{
	struct cmpp_ctx *c = arg;

	(void)id;
	if (result != FP_OK && result != FP_ENOTFOUND &&
	    log_allow(&parts_lines))
		log_warnx("cmpp.parts provider=%s error=\"%s\" action=\"a "
		    "report after a restart may not find its part\"",
		    c->p->name, fp_strerror(result));
	cmpp_ctx_unref(c);
}

/* Every part accepted: the parts' ids kept for their reports after a
 * restart (the map holds them meanwhile), then the outcome. */
static void
accept_msg(struct cmpp_ctx *c, struct cmpp_msg *m)
{
	char ids[CMPP_PARTS_MAX][CMPP_MSGID_MAX];
	const char *idp[CMPP_PARTS_MAX];
	size_t k;

	for (k = 0; k < m->n_parts; k++) {
		cmpp_msgid_format(m->parts[k].msg_id, ids[k]);
		idp[k] = ids[k];
	}
	if (m->n_parts > 1) {
		atomic_fetch_add(&c->refs, 1);
		link_inbound_parts(c->p->name, m->it->id, idp, m->n_parts,
		    (int64_t)time(NULL), on_parts_kept, c);
	}
	finish(c, m, PROVIDER_ACCEPTED, NULL);
}

/* Messages that have not begun: handed back with the link's error. */
static void
finish_unstarted(struct cmpp_ctx *c, const char *why)
{
	struct cmpp_msg *m, *next;

	for (m = c->head; m != NULL; m = next) {
		next = m->next;
		if (!m->is_started)
			finish(c, m, PROVIDER_RETRY, why);
	}
}

/* ---- the connection ---------------------------------------------------------- */

static void
slots_release(struct cmpp_ctx *c)
{
	size_t i;

	for (i = 0; i < c->n_slots; i++) {
		struct cmpp_slot *s = &c->slots[i];

		if (s->is_used && s->m != NULL &&
		    s->m->parts[s->part].state == PART_INFLIGHT)
			s->m->parts[s->part].state = PART_PENDING;
		memset(s, 0, sizeof(*s));
	}
	c->n_used = 0;
	atomic_store_explicit(&c->stats.window_used, 0, memory_order_relaxed);
}

/*
 * Drop the connection.  A connection or login that failed backs off
 * (doubling) and hands back the messages that have not begun; a link
 * that was up reconnects after BACKOFF_MIN_MS.
 */
static void
link_fail(struct cmpp_ctx *c, const char *why)
{
	bool was_up = c->state == LINK_UP;
	int64_t delay_ms;

	if (log_allow(&down_lines))
		log_warnx("cmpp.link.down provider=%s state=%s reason=\"%s\"",
		    c->p->name, was_up ? "up" : c->state == LINK_LOGIN ?
		    "login" : "connect", why);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	slots_release(c);
	c->in_len = 0;
	c->out_len = 0;
	c->has_active_test = false;
	snprintf(c->last_error, sizeof(c->last_error), "cmpp: %s", why);
	atomic_store_explicit(&c->stats.is_up, 0, memory_order_relaxed);
	if (was_up) {
		c->backoff_ms = BACKOFF_MIN_MS;
		delay_ms = BACKOFF_MIN_MS;
	} else {
		atomic_fetch_add_explicit(&c->stats.bind_failures, 1,
		    memory_order_relaxed);
		delay_ms = c->backoff_ms;
		c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ?
		    BACKOFF_MAX_MS : c->backoff_ms * 2;
		finish_unstarted(c, c->last_error);
	}
	/* +-20%: links of several gateways do not come back in step. */
	delay_ms = delay_ms * 8 / 10 +
	    (int64_t)(cmpp_random(c) % (uint64_t)(delay_ms * 4 / 10 + 1));
	c->state = LINK_DOWN;
	c->next_connect_ns = monotime_ns() + delay_ms * NS_PER_MS;
}

static void
flush_out(struct cmpp_ctx *c)
{
	ssize_t n;

	while (c->out_len > 0 && c->fd >= 0) {
		n = write(c->fd, c->out, c->out_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			link_fail(c, strerror(errno));
			return;
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
}

static void
start_connect(struct cmpp_ctx *c, int64_t now)
{
	struct addrinfo hints, *ai = NULL;
	char port[8];
	int fd, rc, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%d", c->p->port);
	c->state = LINK_CONNECTING;
	c->deadline_ns = now + cmpp_timeout_ns(c);
	c->gen++;
	rc = getaddrinfo(c->p->host, port, &hints, &ai);
	if (rc != 0 || ai == NULL) {
		link_fail(c, rc != 0 ? gai_strerror(rc) : "no address");
		return;
	}
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0) {
		freeaddrinfo(ai);
		link_fail(c, strerror(errno));
		return;
	}
	/* Submits are small and answered one by one: no Nagle delay. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd = fd;
	rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (rc != 0 && errno != EINPROGRESS)
		link_fail(c, strerror(errno));
}

static void
send_login(struct cmpp_ctx *c, int64_t now)
{
	struct cmpp_connect conn;
	size_t len;
	uint32_t ts = cmpp_timestamp((int64_t)time(NULL));

	memset(&conn, 0, sizeof(conn));
	snprintf(conn.source_addr, sizeof(conn.source_addr), "%s",
	    c->p->source_addr);
	if (cmpp_auth_source(c->p->source_addr,
	    (const uint8_t *)c->p->shared_secret, strlen(c->p->shared_secret),
	    ts, c->auth_source) != FP_OK) {
		link_fail(c, "cannot compute the authenticator");
		return;
	}
	memcpy(conn.authenticator, c->auth_source, 16);
	conn.version = CMPP_VERSION_20;
	conn.timestamp = ts;
	c->login_seq = c->next_seq++;
	len = cmpp_encode_connect(c->out + c->out_len, CMPP_BUF - c->out_len,
	    c->login_seq, &conn);
	if (len == 0) {
		link_fail(c, "cannot encode CMPP_CONNECT");
		return;
	}
	c->out_len += len;
	c->state = LINK_LOGIN;
	c->deadline_ns = now + cmpp_timeout_ns(c);
	flush_out(c);
}

static const char *
connect_status_text(uint8_t status)
{
	switch (status) {
	case 1: return "message structure error";
	case 2: return "invalid source address";
	case 3: return "authentication failed";
	case 4: return "version too high";
	default: return "other error";
	}
}

static void
on_connect_resp(struct cmpp_ctx *c, const struct cmpp_pdu *pdu, int64_t now)
{
	const struct cmpp_connect_resp *r = &pdu->u.connect_resp;
	uint8_t want[16];
	char why[96];

	if (c->state != LINK_LOGIN || pdu->sequence_id != c->login_seq)
		return;
	if (r->status != CMPP_STATUS_OK) {
		snprintf(why, sizeof(why), "login refused: status %u (%s)",
		    r->status, connect_status_text(r->status));
		log_error("cmpp.login.refused provider=%s status=%u "
		    "reason=\"%s\"", c->p->name, r->status,
		    connect_status_text(r->status));
		link_fail(c, why);
		return;
	}
	if (cmpp_auth_ismg(r->status, c->auth_source,
	    (const uint8_t *)c->p->shared_secret, strlen(c->p->shared_secret),
	    want) != FP_OK || memcmp(want, r->authenticator, 16) != 0) {
		log_error("cmpp.login.refused provider=%s reason=\"the ISMG's "
		    "authenticator is wrong: not our ISMG, or another "
		    "secret\"", c->p->name);
		link_fail(c, "login: the ISMG's authenticator is wrong");
		return;
	}
	c->state = LINK_UP;
	c->backoff_ms = BACKOFF_MIN_MS;
	c->last_rx_ns = now;
	c->throttle_ms = THROTTLE_MIN_MS;
	c->throttle_until_ns = 0;
	c->last_error[0] = '\0';
	atomic_fetch_add_explicit(&c->stats.binds, 1, memory_order_relaxed);
	atomic_store_explicit(&c->stats.is_up, 1, memory_order_relaxed);
	log_info("cmpp.link.up provider=%s version=0x%02x", c->p->name,
	    r->version);
}

/* ---- submits ------------------------------------------------------------------- */

static const char *
result_text(uint8_t result)
{
	switch (result) {
	case 1: return "message structure error";
	case 2: return "command error";
	case 3: return "sequence repeated";
	case 4: return "message length error";
	case 5: return "fee code error";
	case 6: return "message too long";
	case 7: return "service id error";
	case 8: return "flow control";
	default: return "other error";
	}
}

static void
on_submit_resp(struct cmpp_ctx *c, const struct cmpp_pdu *pdu, int64_t now)
{
	const struct cmpp_submit_resp *r = &pdu->u.submit_resp;
	struct cmpp_slot *s = NULL;
	struct cmpp_msg *m;
	char why[PROVIDER_ERROR_MAX];
	size_t i;

	for (i = 0; i < c->n_slots; i++)
		if (c->slots[i].is_used &&
		    c->slots[i].seq == pdu->sequence_id) {
			s = &c->slots[i];
			break;
		}
	if (s == NULL)
		return;		/* not ours, or from before a reconnect */
	link_stats_latency(&c->stats, (uint64_t)(now - s->sent_ns) / 1000);
	m = s->m;
	i = s->part;
	memset(s, 0, sizeof(*s));
	c->n_used--;
	atomic_store_explicit(&c->stats.window_used, c->n_used,
	    memory_order_relaxed);
	if (m == NULL)
		return;		/* its message has finished meanwhile */
	if (r->result == CMPP_RESULT_OK) {
		m->parts[i].state = PART_DONE;
		m->parts[i].msg_id = r->msg_id;
		/* Its report may come before the other parts' answers. */
		cmpp_map_put(c, r->msg_id, m->it->id,
		    m->n_parts > 1 ? (int)i + 1 : 0);
		m->deadline_ns = now + STALL_FACTOR * cmpp_timeout_ns(c);
		c->throttle_ms = THROTTLE_MIN_MS;
		if (++m->n_done == m->n_parts)
			accept_msg(c, m);
		return;
	}
	if (r->result == CMPP_RESULT_FLOW) {
		/* Slow down: the part goes again after a pause. */
		m->parts[i].state = PART_PENDING;
		atomic_fetch_add_explicit(&c->stats.throttled, 1,
		    memory_order_relaxed);
		c->throttle_until_ns = now + c->throttle_ms * NS_PER_MS;
		c->throttle_ms = c->throttle_ms * 2 > THROTTLE_MAX_MS ?
		    THROTTLE_MAX_MS : c->throttle_ms * 2;
		return;
	}
	snprintf(why, sizeof(why), "cmpp result %u (%s)", r->result,
	    result_text(r->result));
	if (r->result == 3 || r->result >= CMPP_RESULT_OTHER)
		finish(c, m, PROVIDER_RETRY, why);
	else
		finish(c, m, PROVIDER_REJECTED, why);
}

/* The SUBMIT of part k of m into the output; false: no room. */
static bool
put_submit(struct cmpp_ctx *c, struct cmpp_msg *m, size_t k, uint32_t seq)
{
	static _Thread_local struct cmpp_submit sub;	/* 2.5 KiB */
	const struct cmpp_part *p = &m->parts[k].part;
	size_t len;

	memset(&sub, 0, offsetof(struct cmpp_submit, dest));
	sub.pk_total = (uint8_t)m->n_parts;
	sub.pk_number = (uint8_t)(k + 1);
	sub.registered_delivery = 1;
	snprintf(sub.service_id, sizeof(sub.service_id), "%s",
	    c->p->service_id != NULL ? c->p->service_id : "");
	sub.fee_usertype = 2;			/* the SP pays */
	sub.tp_udhi = p->tp_udhi;
	sub.msg_fmt = p->msg_fmt;
	snprintf(sub.msg_src, sizeof(sub.msg_src), "%s", c->p->source_addr);
	memcpy(sub.fee_type, "01", 3);		/* free for the user */
	memcpy(sub.fee_code, "000000", 7);
	memcpy(sub.src_id, m->src, sizeof(sub.src_id));
	sub.n_dest = 1;
	memcpy(sub.dest[0], m->dest, sizeof(sub.dest[0]));
	sub.msg_length = p->len;
	memcpy(sub.content, p->content, p->len);
	len = cmpp_encode_submit(c->out + c->out_len, CMPP_BUF - c->out_len,
	    seq, &sub);
	if (len == 0)
		return false;
	c->out_len += len;
	return true;
}

/* Fill the window with pending parts, oldest message first. */
static void
fill_window(struct cmpp_ctx *c, int64_t now)
{
	struct cmpp_msg *m;
	struct cmpp_slot *s;
	size_t k, i;

	if (c->state != LINK_UP || now < c->throttle_until_ns)
		return;
	for (m = c->head; m != NULL && c->n_used < c->n_slots; m = m->next) {
		for (k = 0; k < m->n_parts && c->n_used < c->n_slots; k++) {
			if (m->parts[k].state != PART_PENDING)
				continue;
			for (i = 0; c->slots[i].is_used; i++)
				;
			s = &c->slots[i];
			if (!put_submit(c, m, k, c->next_seq))
				return;		/* the output is full */
			s->is_used = true;
			s->seq = c->next_seq++;
			s->m = m;
			s->part = k;
			s->sent_ns = now;
			m->parts[k].state = PART_INFLIGHT;
			m->is_started = true;
			m->deadline_ns = now + STALL_FACTOR * cmpp_timeout_ns(c);
			c->n_used++;
			atomic_fetch_add_explicit(&c->stats.submits, 1,
			    memory_order_relaxed);
		}
	}
	atomic_store_explicit(&c->stats.window_used, c->n_used,
	    memory_order_relaxed);
}

/* ---- what arrives ------------------------------------------------------------- */

static void
put_empty(struct cmpp_ctx *c, uint32_t command_id, uint32_t seq)
{
	size_t len = command_id == CMPP_ACTIVE_TEST_RESP ?
	    cmpp_encode_active_test_resp(c->out + c->out_len,
	    CMPP_BUF - c->out_len, seq) :
	    cmpp_encode_empty(c->out + c->out_len, CMPP_BUF - c->out_len,
	    command_id, seq);

	c->out_len += len;
}

/* One whole PDU: false when the connection was dropped. */
static bool
take_pdu(struct cmpp_ctx *c, const uint8_t *buf, size_t len, int64_t now)
{
	static _Thread_local struct cmpp_pdu pdu;	/* 2.6 KiB */
	enum fp_err err;
	char why[64];

	err = cmpp_decode(buf, len, &pdu);
	c->last_rx_ns = now;
	if (c->state == LINK_LOGIN && pdu.command_id != CMPP_CONNECT_RESP)
		return true;		/* nothing before the login's answer */
	if (err == FP_ENOTFOUND)
		return true;		/* a command we do not use */
	if (err != FP_OK && pdu.command_id == CMPP_DELIVER) {
		cmpp_deliver_refuse(c, buf, len, pdu.sequence_id);
		return true;
	}
	if (err != FP_OK) {
		snprintf(why, sizeof(why), "malformed PDU 0x%08x",
		    (unsigned)pdu.command_id);
		link_fail(c, why);
		return false;
	}
	switch (pdu.command_id) {
	case CMPP_CONNECT_RESP:
		on_connect_resp(c, &pdu, now);
		return c->state != LINK_DOWN;
	case CMPP_SUBMIT_RESP:
		on_submit_resp(c, &pdu, now);
		return true;
	case CMPP_DELIVER:
		cmpp_deliver_take(c, &pdu, now);
		return true;
	case CMPP_ACTIVE_TEST:
		put_empty(c, CMPP_ACTIVE_TEST_RESP, pdu.sequence_id);
		return true;
	case CMPP_ACTIVE_TEST_RESP:
		c->has_active_test = false;
		return true;
	case CMPP_TERMINATE:
		put_empty(c, CMPP_TERMINATE_RESP, pdu.sequence_id);
		flush_out(c);
		if (c->state != LINK_DOWN)
			link_fail(c, "terminated by the ISMG");
		return false;
	default:
		return true;		/* TERMINATE_RESP, or the SP's own */
	}
}

static void
read_in(struct cmpp_ctx *c, int64_t now)
{
	size_t pdu_len, off;
	ssize_t n;

	for (;;) {
		n = read(c->fd, c->in + c->in_len, CMPP_BUF - c->in_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			link_fail(c, n == 0 ? "closed by the ISMG" :
			    strerror(errno));
			return;
		}
		c->in_len += (size_t)n;
		for (off = 0;;) {
			if (cmpp_frame(c->in + off, c->in_len - off, &pdu_len) !=
			    FP_OK) {
				link_fail(c, "a PDU length out of range");
				return;
			}
			if (pdu_len == 0 || pdu_len > c->in_len - off)
				break;
			if (!take_pdu(c, c->in + off, pdu_len, now))
				return;
			off += pdu_len;
		}
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
	}
}

/* ---- the thread ----------------------------------------------------------------- */

/* Timers: connection, login, unanswered submits, idleness, stalls. */
static void
check_timers(struct cmpp_ctx *c, int64_t now)
{
	struct cmpp_msg *m, *next;
	size_t i;

	if ((c->state == LINK_CONNECTING || c->state == LINK_LOGIN) &&
	    now >= c->deadline_ns)
		link_fail(c, c->state == LINK_CONNECTING ? "connect timeout" :
		    "no answer to CMPP_CONNECT");
	if (c->state == LINK_UP) {
		for (i = 0; i < c->n_slots; i++)
			if (c->slots[i].is_used &&
			    now - c->slots[i].sent_ns >= cmpp_timeout_ns(c)) {
				link_fail(c, "no answer to a submit");
				break;
			}
	}
	if (c->state == LINK_UP && c->has_active_test &&
	    now >= c->active_test_ns)
		link_fail(c, "no answer to an active test");
	if (c->state == LINK_UP && !c->has_active_test &&
	    now - c->last_rx_ns >= IDLE_FACTOR * cmpp_timeout_ns(c)) {
		put_empty(c, CMPP_ACTIVE_TEST, c->next_seq++);
		c->has_active_test = true;
		c->active_test_ns = now + cmpp_timeout_ns(c);
	}
	for (m = c->head; m != NULL; m = next) {
		next = m->next;
		if (atomic_load(&c->is_interrupted))
			finish(c, m, PROVIDER_RETRY, "cmpp: stopping");
		else if (now >= m->deadline_ns)
			finish(c, m, PROVIDER_RETRY, c->last_error[0] != '\0' ?
			    c->last_error : "cmpp: no progress (timeout)");
	}
	cmpp_concat_expire(c, now);
}

/* Milliseconds until the next timer. */
static int
next_wait_ms(const struct cmpp_ctx *c, int64_t now)
{
	int64_t due = now + 1000 * NS_PER_MS;
	const struct cmpp_msg *m;
	size_t i;

	if (c->state == LINK_DOWN)
		due = c->next_connect_ns < due ? c->next_connect_ns : due;
	if ((c->state == LINK_CONNECTING || c->state == LINK_LOGIN) &&
	    c->deadline_ns < due)
		due = c->deadline_ns;
	if (c->state == LINK_UP) {
		for (i = 0; i < c->n_slots; i++)
			if (c->slots[i].is_used &&
			    c->slots[i].sent_ns + cmpp_timeout_ns(c) < due)
				due = c->slots[i].sent_ns + cmpp_timeout_ns(c);
		if (c->has_active_test && c->active_test_ns < due)
			due = c->active_test_ns;
		if (!c->has_active_test &&
		    c->last_rx_ns + IDLE_FACTOR * cmpp_timeout_ns(c) < due)
			due = c->last_rx_ns + IDLE_FACTOR * cmpp_timeout_ns(c);
		if (c->throttle_until_ns > now && c->head != NULL &&
		    c->throttle_until_ns < due)
			due = c->throttle_until_ns;
	}
	for (m = c->head; m != NULL; m = m->next)
		if (m->deadline_ns < due)
			due = m->deadline_ns;
	if (due <= now)
		return 0;
	return (int)((due - now + NS_PER_MS - 1) / NS_PER_MS);
}

static void
on_socket(struct cmpp_ctx *c, short revents, int64_t now)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (c->state == LINK_CONNECTING) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
			err = errno;
		if (err != 0)
			link_fail(c, strerror(err));
		else
			send_login(c, now);
		return;
	}
	if ((revents & (POLLIN | POLLHUP | POLLERR)) != 0)
		read_in(c, now);
	if (c->state != LINK_DOWN && (revents & POLLOUT) != 0)
		flush_out(c);
}

/* At close: a polite CMPP_TERMINATE, its answer awaited briefly. */
static void
terminate(struct cmpp_ctx *c)
{
	struct pollfd pf;
	int64_t until = monotime_ns() + TERMINATE_WAIT_MS * NS_PER_MS;

	if (c->state != LINK_UP)
		return;
	put_empty(c, CMPP_TERMINATE, c->next_seq++);
	flush_out(c);
	while (c->state == LINK_UP && monotime_ns() < until) {
		pf.fd = c->fd;
		pf.events = POLLIN;
		pf.revents = 0;
		if (poll(&pf, 1, 50) > 0) {
			uint8_t buf[256];
			ssize_t n = read(c->fd, buf, sizeof(buf));

			if (n <= 0)
				break;
			if (n >= CMPP_HEADER_LEN && buf[4] == 0x80 &&
			    buf[7] == 0x02)
				break;		/* TERMINATE_RESP */
		}
	}
}

void *
cmpp_link_main(void *arg)
{
	struct cmpp_ctx *c = arg;
	struct pollfd pf[2];
	int64_t now;
	uint64_t v;
	int n, nfds, wait_ms;

	pthread_mutex_lock(&c->lock);
	while (!atomic_load(&c->is_stopping)) {
		now = monotime_ns();
		if (c->state == LINK_DOWN && now >= c->next_connect_ns)
			start_connect(c, now);
		check_timers(c, now);
		if (c->state == LINK_UP) {
			cmpp_acks_flush(c);
			fill_window(c, now);
			flush_out(c);
		}
		wait_ms = next_wait_ms(c, now);
		pf[0].fd = c->evfd;
		pf[0].events = POLLIN;
		pf[0].revents = 0;
		nfds = 1;
		if (c->fd >= 0 && c->state != LINK_DOWN) {
			pf[1].fd = c->fd;
			pf[1].events = c->state == LINK_CONNECTING ? POLLOUT :
			    (short)(POLLIN | (c->out_len > 0 ? POLLOUT : 0));
			pf[1].revents = 0;
			nfds = 2;
		}
		pthread_mutex_unlock(&c->lock);
		n = poll(pf, (nfds_t)nfds, wait_ms);
		pthread_mutex_lock(&c->lock);
		if (n <= 0)
			continue;
		if ((pf[0].revents & POLLIN) != 0)
			(void)!read(c->evfd, &v, sizeof(v));
		/* The socket polled is still the link's (a wake-up cannot
		 * change it: only this thread does). */
		if (nfds == 2 && pf[1].revents != 0 && pf[1].fd == c->fd)
			on_socket(c, pf[1].revents, monotime_ns());
	}
	terminate(c);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->state = LINK_DOWN;
	slots_release(c);
	while (c->head != NULL)
		finish(c, c->head, PROVIDER_RETRY, "cmpp: stopping");
	atomic_store_explicit(&c->stats.is_up, 0, memory_order_relaxed);
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

