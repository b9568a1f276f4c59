/*
 * smpp_link.c: the link thread of an smpp provider (see smpp_link.h):
 * a non-blocking socket, bind_transceiver, enquire_link when the link is
 * idle for `enquire_link` seconds, what the SMSC sends dispatched (its
 * answers to our submits to smpp_window.c, deliver_sm to
 * smpp_deliver.c), and on any trouble (refused bind, an answer or
 * enquire_link overdue by the provider's timeout, unbind from the SMSC,
 * a broken PDU, a closed socket) a new connection after a backoff of
 * 250 ms doubling to 30 s, its unanswered submits sent again after the
 * next bind.
 *
 * The thread holds the lock except while it sleeps in poll; send_batch
 * waits on the condition variable (smpp_window.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "smpp_link.h"

#define SMPP_UNBIND_WAIT_MS	1000	/* at close, for unbind_resp */

static struct log_limit down_lines = LOG_LIMIT_INIT("smpp.link.down",
    LOG_PER_S);

/* ---- references, waking ------------------------------------------------ */

static void
link_free(struct smpp_link *l)
{
	free(l->slots);
	free(l->in);
	free(l->out);
	free(l->acks);
	smpp_concat_free(l->concat);
	if (l->evfd >= 0)
		close(l->evfd);
	pthread_mutex_destroy(&l->ack_lock);
	pthread_cond_destroy(&l->cond);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

void
smpp_link_unref(struct smpp_link *l)
{
	if (l != NULL && atomic_fetch_sub(&l->refs, 1) == 1)
		link_free(l);
}

void
smpp_link_wake(struct smpp_link *l)
{
	uint64_t one = 1;

	/* Fails only when the counter is full: then it is set anyway. */
	(void)!write(l->evfd, &one, sizeof(one));
}

uint32_t
smpp_link_next_seq(struct smpp_link *l)
{
	uint32_t seq = l->next_seq;

	/* 5.1.4: 0x00000001 to 0x7FFFFFFF. */
	l->next_seq = seq >= 0x7FFFFFFFu ? 1 : seq + 1;
	return seq;
}

static int64_t
jitter_ms(struct smpp_link *l, int64_t ms)
{
	/* xorshift64: +/- 20 % so that links do not reconnect in step. */
	l->rnd ^= l->rnd << 13;
	l->rnd ^= l->rnd >> 7;
	l->rnd ^= l->rnd << 17;
	return ms * (80 + (int64_t)(l->rnd % 41)) / 100;
}

bool
smpp_link_put(struct smpp_link *l, const uint8_t *pdu, size_t len)
{
	if (len > SMPP_BUF - l->out_len)
		return false;
	memcpy(l->out + l->out_len, pdu, len);
	l->out_len += len;
	return true;
}

static bool
put_header(struct smpp_link *l, uint32_t id, uint32_t status, uint32_t seq)
{
	uint8_t pdu[SMPP_HEADER_LEN + 1];
	size_t len;

	len = smpp_pack_header(pdu, sizeof(pdu), id, status, seq);
	return len > 0 && smpp_link_put(l, pdu, len);
}

/* ---- the connection ---------------------------------------------------- */

/* End the connection (if any) and plan the next. */
static void
drop(struct smpp_link *l, int64_t now, const char *why)
{
	bool was_bound = l->state == SMPP_BOUND;
	size_t requeued;
	int64_t wait;

	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	l->gen++;
	l->state = SMPP_DOWN;
	l->in_len = 0;
	l->out_len = 0;
	l->has_enquire = false;
	requeued = smpp_window_requeue(l);
	atomic_store_explicit(&l->stats.is_up, 0, memory_order_relaxed);
	if (was_bound)
		l->down_since_ns = now;
	wait = jitter_ms(l, l->backoff_ms);
	l->next_connect_ns = now + wait * SMPP_NS_PER_MS;
	l->backoff_ms = l->backoff_ms * 2 > SMPP_BACKOFF_MAX_MS ?
	    SMPP_BACKOFF_MAX_MS : l->backoff_ms * 2;
	snprintf(l->last_error, sizeof(l->last_error), "%s", why);
	if (was_bound || log_allow(&down_lines))
		log_warnx("smpp.link.down provider=%s reason=\"%s\" "
		    "requeued=%zu retry_ms=%lld", l->p->name, why, requeued,
		    (long long)wait);
	pthread_cond_broadcast(&l->cond);
}

static void
send_bind(struct smpp_link *l, int64_t now)
{
	struct smpp_bind b = {
		.system_id = l->p->system_id,
		.password = l->p->password,
		.system_type = l->p->system_type,
	};
	uint8_t pdu[256];
	size_t len;

	l->bind_seq = smpp_link_next_seq(l);
	len = smpp_pack_bind(pdu, sizeof(pdu), l->bind_seq, &b);
	if (len == 0 || !smpp_link_put(l, pdu, len)) {
		drop(l, now, "cannot pack bind_transceiver");
		return;
	}
	l->state = SMPP_BINDING;
	l->deadline_ns = now + (int64_t)l->p->timeout_s * SMPP_NS_PER_S;
	l->last_tx_ns = now;
}

/* Start connecting (the lock is released around name resolution). */
static void
start_connect(struct smpp_link *l, int64_t now)
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[8], why[PROVIDER_ERROR_MAX];
	int fd = -1, rc, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%d", l->p->port);
	pthread_mutex_unlock(&l->lock);
	rc = getaddrinfo(l->p->host, port, &hints, &res);
	pthread_mutex_lock(&l->lock);
	now = monotime_ns();
	if (rc != 0) {
		snprintf(why, sizeof(why), "resolve %s: %s", l->p->host,
		    gai_strerror(rc));
		l->fd = -1;
		atomic_fetch_add(&l->stats.bind_failures, 1);
		drop(l, now, why);
		return;
	}
	snprintf(why, sizeof(why), "connect %s:%d: no address", l->p->host,
	    l->p->port);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		/* Submits are small and each waits for its answer. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    errno == EINPROGRESS)
			break;
		snprintf(why, sizeof(why), "connect %s:%d: %s", l->p->host,
		    l->p->port, strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		atomic_fetch_add(&l->stats.bind_failures, 1);
		drop(l, now, why);
		return;
	}
	l->fd = fd;
	l->state = SMPP_CONNECTING;
	l->deadline_ns = now + (int64_t)l->p->timeout_s * SMPP_NS_PER_S;
}

static void
finish_connect(struct smpp_link *l, int64_t now)
{
	char why[PROVIDER_ERROR_MAX];
	socklen_t len = sizeof(int);
	int e = 0;

	if (getsockopt(l->fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0)
		e = errno;
	if (e == EINPROGRESS)
		return;
	if (e != 0) {
		snprintf(why, sizeof(why), "connect %s:%d: %s", l->p->host,
		    l->p->port, strerror(e));
		atomic_fetch_add(&l->stats.bind_failures, 1);
		drop(l, now, why);
		return;
	}
	send_bind(l, now);
}

/* ---- pacing ------------------------------------------------------------- */

/* ---- what comes in ------------------------------------------------------ */

static void
take_bind_resp(struct smpp_link *l, const uint8_t *pdu, size_t len,
    const struct smpp_header *h, int64_t now)
{
	char id[SMPP_MSGID_MAX], name[48], why[PROVIDER_ERROR_MAX];

	if (l->state != SMPP_BINDING || h->seq != l->bind_seq)
		return;
	if (h->id != SMPP_BIND_TRANSCEIVER_RESP || h->status != SMPP_ROK) {
		atomic_fetch_add(&l->stats.bind_failures, 1);
		snprintf(why, sizeof(why), "bind refused: %s",
		    smpp_status_name(h->status != SMPP_ROK ? h->status :
		    SMPP_RINVCMDID, name));
		log_warnx("smpp.bind.refused provider=%s system_id=%s "
		    "status=%s", l->p->name, l->p->system_id, name);
		drop(l, now, why);
		return;
	}
	if (smpp_parse_resp(pdu, len, id) != FP_OK)
		snprintf(id, sizeof(id), "?");
	l->state = SMPP_BOUND;
	l->backoff_ms = SMPP_BACKOFF_MIN_MS;
	l->down_since_ns = 0;
	l->last_error[0] = '\0';
	atomic_fetch_add(&l->stats.binds, 1);
	atomic_store_explicit(&l->stats.is_up, 1, memory_order_relaxed);
	log_info("smpp.bound provider=%s system_id=%s smsc=%s queued=%s",
	    l->p->name, l->p->system_id, id, l->head != NULL ? "yes" : "no");
	pthread_cond_broadcast(&l->cond);
}

/* One whole PDU from the SMSC; false when the connection was dropped. */
static bool
take_pdu(struct smpp_link *l, const uint8_t *pdu, size_t len, int64_t now)
{
	struct smpp_header h;
	uint32_t gen = l->gen;

	smpp_header_get(pdu, &h);
	l->last_rx_ns = now;
	switch (h.id) {
	case SMPP_BIND_TRANSCEIVER_RESP:
		take_bind_resp(l, pdu, len, &h, now);
		break;
	case SMPP_SUBMIT_SM_RESP:
		smpp_window_answer(l, pdu, len, &h, now);
		break;
	case SMPP_GENERIC_NACK:
		if (l->state == SMPP_BINDING && h.seq == l->bind_seq)
			take_bind_resp(l, pdu, len, &h, now);
		else if (l->has_enquire && h.seq == l->enquire_seq)
			l->has_enquire = false;
		else
			smpp_window_answer(l, pdu, len, &h, now);
		break;
	case SMPP_DELIVER_SM:
		smpp_deliver_take(l, pdu, len, h.seq, now);
		break;
	case SMPP_ENQUIRE_LINK:
		if (!put_header(l, SMPP_ENQUIRE_LINK_RESP, SMPP_ROK, h.seq))
			drop(l, now, "output full");
		break;
	case SMPP_ENQUIRE_LINK_RESP:
		if (h.seq == l->enquire_seq)
			l->has_enquire = false;
		break;
	case SMPP_UNBIND:
		/* Answered as well as we can; the socket closes anyway. */
		if (put_header(l, SMPP_UNBIND_RESP, SMPP_ROK, h.seq))
			(void)!send(l->fd, l->out, l->out_len, MSG_NOSIGNAL);
		drop(l, now, "unbound by the SMSC");
		break;
	case SMPP_UNBIND_RESP:
		break;
	default:
		/* A request we do not serve: 5.3.2 generic_nack. */
		if ((h.id & 0x80000000u) == 0 &&
		    !put_header(l, SMPP_GENERIC_NACK, SMPP_RINVCMDID, h.seq))
			drop(l, now, "output full");
		break;
	}
	return l->gen == gen;
}

static void
do_read(struct smpp_link *l, int64_t now)
{
	char why[PROVIDER_ERROR_MAX];
	struct smpp_header h;
	size_t off;
	ssize_t n;

	for (;;) {
		n = read(l->fd, l->in + l->in_len, SMPP_BUF - l->in_len);
		if (n == 0) {
			drop(l, now, "connection closed by the SMSC");
			return;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			snprintf(why, sizeof(why), "read: %s",
			    strerror(errno));
			drop(l, now, why);
			return;
		}
		l->in_len += (size_t)n;
		off = 0;
		while (l->in_len - off >= SMPP_HEADER_LEN) {
			smpp_header_get(l->in + off, &h);
			if (h.len < SMPP_HEADER_LEN || h.len > SMPP_PDU_MAX) {
				snprintf(why, sizeof(why), "PDU of %u "
				    "octets", h.len);
				drop(l, now, why);
				return;
			}
			if (l->in_len - off < h.len)
				break;
			if (!take_pdu(l, l->in + off, h.len, now))
				return;
			off += h.len;
		}
		memmove(l->in, l->in + off, l->in_len - off);
		l->in_len -= off;
		if ((size_t)n < SMPP_BUF / 2)
			return;
	}
}

static void
do_write(struct smpp_link *l, int64_t now)
{
	char why[PROVIDER_ERROR_MAX];
	ssize_t n;

	while (l->fd >= 0 && l->state != SMPP_CONNECTING && l->out_len > 0) {
		n = send(l->fd, l->out, l->out_len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			snprintf(why, sizeof(why), "write: %s",
			    strerror(errno));
			drop(l, now, why);
			return;
		}
		memmove(l->out, l->out + n, l->out_len - (size_t)n);
		l->out_len -= (size_t)n;
		l->last_tx_ns = now;
	}
}

/* ---- what goes out ------------------------------------------------------ */

/* Timers and output; the time the thread may sleep until. */
static int64_t
step(struct smpp_link *l, int64_t now)
{
	int64_t timeout = (int64_t)l->p->timeout_s * SMPP_NS_PER_S;
	int64_t idle = (int64_t)l->p->enquire_link_s * SMPP_NS_PER_S;
	int64_t next = now + SMPP_NS_PER_S, t, last;
	size_t i;

	if (now - l->sec_start_ns >= SMPP_NS_PER_S) {
		l->last_sec_count = l->sec_count;
		l->sec_count = 0;
		l->sec_start_ns = now;
	}
	if (l->state == SMPP_DOWN)
		return l->next_connect_ns < next ? l->next_connect_ns : next;
	if (l->state != SMPP_BOUND) {
		if (now >= l->deadline_ns) {
			drop(l, now, l->state == SMPP_CONNECTING ?
			    "connect timed out" : "no answer to bind");
			return now;
		}
		return l->deadline_ns < next ? l->deadline_ns : next;
	}
	for (i = 0; i < l->n_slots; i++)
		if (l->slots[i].is_used &&
		    now - l->slots[i].sent_ns >= timeout) {
			drop(l, now, "no answer to submit_sm");
			return now;
		}
	if (l->has_enquire && now - l->enquire_ns >= timeout) {
		drop(l, now, "no answer to enquire_link");
		return now;
	}
	last = l->last_rx_ns > l->last_tx_ns ? l->last_rx_ns : l->last_tx_ns;
	if (!l->has_enquire && now - last >= idle) {
		l->enquire_seq = smpp_link_next_seq(l);
		if (!put_header(l, SMPP_ENQUIRE_LINK, SMPP_ROK,
		    l->enquire_seq)) {
			drop(l, now, "output full");
			return now;
		}
		l->has_enquire = true;
		l->enquire_ns = now;
		last = now;
	}
	smpp_pace_raise(l, now);
	smpp_acks_flush(l);
	smpp_concat_flush(l, now);
	smpp_window_fill(l, now);
	do_write(l, now);
	if (l->state != SMPP_BOUND)
		return now;
	/* When to look again. */
	t = l->has_enquire ? l->enquire_ns + timeout : last + idle;
	if (t < next)
		next = t;
	for (i = 0; i < l->n_slots; i++)
		if (l->slots[i].is_used && l->slots[i].sent_ns + timeout < next)
			next = l->slots[i].sent_ns + timeout;
	if (l->head != NULL && l->n_used < l->n_slots) {
		t = now < l->pause_until_ns ? l->pause_until_ns :
		    l->rate > 0 ? now + ratelimit_wait_ns(&l->rl, now) : now;
		if (t < next)
			next = t;
	}
	t = smpp_concat_oldest(l->concat);
	if (t >= 0 && t + SMPP_CONCAT_WAIT_S * SMPP_NS_PER_S < next)
		next = t + SMPP_CONCAT_WAIT_S * SMPP_NS_PER_S;
	return next;
}

/* At stop: unbind, and wait a little for the answer. */
static void
unbind(struct smpp_link *l)
{
	struct pollfd pfd;
	int64_t end, now = monotime_ns();
	uint32_t seq = smpp_link_next_seq(l);
	struct smpp_header h;

	if (l->state != SMPP_BOUND || !put_header(l, SMPP_UNBIND, SMPP_ROK,
	    seq))
		return;
	end = now + SMPP_UNBIND_WAIT_MS * SMPP_NS_PER_MS;
	while (l->fd >= 0 && now < end) {
		do_write(l, now);
		if (l->fd < 0)
			return;
		pfd.fd = l->fd;
		pfd.events = POLLIN | (l->out_len > 0 ? POLLOUT : 0);
		pfd.revents = 0;
		if (poll(&pfd, 1, (int)((end - now) / SMPP_NS_PER_MS) + 1) <= 0)
			return;
		if ((pfd.revents & (POLLIN | POLLHUP | POLLERR)) == 0)
			continue;
		if (read(l->fd, l->in, SMPP_HEADER_LEN) != SMPP_HEADER_LEN)
			return;
		smpp_header_get(l->in, &h);
		if (h.id == SMPP_UNBIND_RESP && h.seq == seq)
			return;
		/* Something else: skip its body. */
		if (h.len > SMPP_HEADER_LEN && h.len <= SMPP_PDU_MAX &&
		    read(l->fd, l->in, h.len - SMPP_HEADER_LEN) < 0)
			return;
		now = monotime_ns();
	}
}

static void *
link_main(void *arg)
{
	struct smpp_link *l = arg;
	struct pollfd pfd[2];
	int64_t now, next;
	uint64_t v;
	int nfds, ms;

	pthread_mutex_lock(&l->lock);
	while (!atomic_load(&l->is_stopping)) {
		now = monotime_ns();
		if (l->state == SMPP_DOWN && now >= l->next_connect_ns)
			start_connect(l, now);
		next = step(l, now);
		pfd[0].fd = l->evfd;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		nfds = 1;
		if (l->fd >= 0) {
			pfd[1].fd = l->fd;
			pfd[1].events = POLLIN;
			if (l->state == SMPP_CONNECTING || l->out_len > 0)
				pfd[1].events |= POLLOUT;
			pfd[1].revents = 0;
			nfds = 2;
		}
		now = monotime_ns();
		ms = next <= now ? 0 : (int)((next - now + SMPP_NS_PER_MS - 1) /
		    SMPP_NS_PER_MS);
		pthread_mutex_unlock(&l->lock);
		if (poll(pfd, (nfds_t)nfds, ms) < 0 && errno != EINTR)
			log_warn("smpp.poll provider=%s", l->p->name);
		pthread_mutex_lock(&l->lock);
		if ((pfd[0].revents & POLLIN) != 0)
			(void)!read(l->evfd, &v, sizeof(v));
		if (nfds < 2 || l->fd != pfd[1].fd || pfd[1].revents == 0)
			continue;
		now = monotime_ns();
		if (l->state == SMPP_CONNECTING) {
			finish_connect(l, now);
			continue;
		}
		if ((pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0)
			do_read(l, now);
		if (l->fd >= 0 && (pfd[1].revents & POLLOUT) != 0)
			do_write(l, now);
	}
	unbind(l);
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	l->state = SMPP_DOWN;
	atomic_store_explicit(&l->stats.is_up, 0, memory_order_relaxed);
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

/* ---- the provider's side ------------------------------------------------ */

enum fp_err
smpp_link_open(const struct cfg *cfg, const struct cfg_provider *p,
    struct smpp_link **out)
{
	pthread_condattr_t ca;
	struct smpp_link *l;
	int64_t now = monotime_ns();

	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return FP_ENOMEM;
	l->evfd = -1;
	l->fd = -1;
	l->p = p;
	l->cfg = cfg;
	atomic_init(&l->refs, 1);
	snprintf(l->route, sizeof(l->route), "smpp:%s", p->name);
	if (pthread_mutex_init(&l->lock, NULL) != 0)
		goto fail_lock;
	if (pthread_mutex_init(&l->ack_lock, NULL) != 0)
		goto fail_ack_lock;
	if (pthread_condattr_init(&ca) != 0)
		goto fail_cond;
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (pthread_cond_init(&l->cond, &ca) != 0) {
		pthread_condattr_destroy(&ca);
		goto fail_cond;
	}
	pthread_condattr_destroy(&ca);
	l->n_slots = (size_t)(p->window > 0 ? p->window : 10);
	l->slots = calloc(l->n_slots, sizeof(*l->slots));
	l->in = malloc(SMPP_BUF);
	l->out = malloc(SMPP_BUF);
	l->concat = smpp_concat_new(SMPP_CONCAT_SLOTS);
	l->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->slots == NULL || l->in == NULL || l->out == NULL ||
	    l->concat == NULL || l->evfd < 0) {
		enum fp_err err = l->evfd < 0 ? FP_EIO : FP_ENOMEM;

		link_free(l);
		return err;
	}
	if (getrandom(&l->rnd, sizeof(l->rnd), 0) != (ssize_t)sizeof(l->rnd))
		l->rnd = (uint64_t)now;
	l->rnd |= 1;
	l->next_seq = 1;
	l->state = SMPP_DOWN;
	l->down_since_ns = now;
	l->next_connect_ns = now;
	l->backoff_ms = SMPP_BACKOFF_MIN_MS;
	l->sec_start_ns = now;
	smpp_pace_set(l, p->throughput_per_s, now);
	l->stats.provider = p->name;
	atomic_store(&l->stats.window_size, l->n_slots);
	if (pthread_create(&l->thread, NULL, link_main, l) != 0) {
		link_free(l);
		return FP_EIO;
	}
	l->has_thread = true;
	link_stats_add(&l->stats);
	*out = l;
	return FP_OK;
fail_cond:
	pthread_mutex_destroy(&l->ack_lock);
fail_ack_lock:
	pthread_mutex_destroy(&l->lock);
fail_lock:
	free(l);
	return FP_ENOMEM;
}

void
smpp_link_close(struct smpp_link *l)
{
	if (l == NULL)
		return;
	atomic_store(&l->is_stopping, true);
	if (l->has_thread) {
		smpp_link_wake(l);
		pthread_join(l->thread, NULL);
		link_stats_remove(&l->stats);
	}
	/* Answers still being computed hold their own references. */
	smpp_link_unref(l);
}
