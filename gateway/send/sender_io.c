/*
 * sender_io.c: a provider's I/O thread (see sender.h, and
 * sender_worker.h for what it shares with the database thread).  It
 * takes ready messages as the token bucket and the free connections
 * allow and sends them: the file provider writes a batch at once, HTTP
 * providers get one request per message on the thread's curl multi
 * handle (keep-alive, at most `connections`); finished requests are
 * classified (provider parse) and handed back.  It sleeps in
 * epoll_wait on curl's sockets and an eventfd (sender_io_wake), and
 * drives curl with curl_multi_socket_action: only the transfer whose
 * socket is ready runs.  (curl_multi_perform ran every transfer in
 * flight and polled each one's socket, at every wake-up.)  It never
 * touches the database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "compiler.h"
#include "log.h"
#include "outbox.h"
#include "provider.h"
#include "ratelimit.h"
#include "sender.h"
#include "sender_worker.h"

/* Hand an outcome to the database thread. */
static void
hand_back(struct worker *w, struct outbox_item *item,
    struct provider_result *res)
{
	pthread_mutex_lock(&w->lock);
	sender_donelist_push(&w->done, item, res);
	pthread_cond_signal(&w->db_cond);
	pthread_mutex_unlock(&w->lock);
}

static void
fail_now(struct worker *w, struct outbox_item *item, const char *why,
    enum provider_outcome outcome)
{
	struct provider_result res;

	memset(&res, 0, sizeof(res));
	res.outcome = outcome;
	snprintf(res.error, sizeof(res.error), "%s", why);
	hand_back(w, item, &res);
}

/*
 * Take the next ready message if a token allows (the caller checked the
 * connection).  Also tells the database thread how many more it could
 * use: the queue aims at `target`, but not beyond the tokens due within
 * SENDER_HORIZON_MS, so claimed messages do not sit waiting long for
 * the bucket.
 */
static bool
take_ready(struct worker *w, int64_t now, struct outbox_item *out)
{
	size_t tokens, len;
	bool ok = false, is_full;

	pthread_mutex_lock(&w->lock);
	/* Too many outcomes wait for the database: send nothing more (and
	 * ask for nothing) until they are written. */
	is_full = sender_is_held_full(w);
	if (!is_full && sender_itemq_len(&w->ready) > 0 &&
	    ratelimit_take(&w->rl, now, NULL))
		ok = sender_itemq_pop(&w->ready, out);
	len = sender_itemq_len(&w->ready) + w->reserved;
	tokens = ratelimit_forecast(&w->rl, now,
	    SENDER_HORIZON_MS * SENDER_NS_PER_MS, w->target);
	w->want = tokens > len && !is_full ? tokens - len : 0;
	if (w->want * 2 >= w->target || (w->want > 0 && len == 0))
		pthread_cond_signal(&w->db_cond);
	pthread_mutex_unlock(&w->lock);
	return ok;
}

static void
send_file(struct worker *w, int64_t now)
{
	size_t k = 0, i;

	while (k < SENDER_BATCH && take_ready(w, now, &w->batch[k]))
		k++;
	if (k == 0)
		return;
	memset(w->results, 0, k * sizeof(*w->results));
	w->ops->send_batch(w->pctx, w->batch, k, w->results);
	pthread_mutex_lock(&w->lock);
	for (i = 0; i < k; i++)
		sender_donelist_push(&w->done, &w->batch[i], &w->results[i]);
	pthread_cond_signal(&w->db_cond);
	pthread_mutex_unlock(&w->lock);
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct slot *sl = arg;
	size_t len = size * nmemb;
	size_t room = SENDER_BODY_MAX - sl->body_len;

	/* Keep the start, which holds the id or the reason; skip the rest. */
	if (len < room)
		room = len;
	memcpy(sl->body + sl->body_len, data, room);
	sl->body_len += room;
	sl->body[sl->body_len] = '\0';
	return len;
}

static void
start_http(struct worker *w, int64_t now)
{
	struct slot *sl;
	enum fp_err err;
	size_t i;

	for (i = 0; i < w->n_slots && w->n_busy < w->n_slots; i++) {
		sl = &w->slots[i];
		if (sl->is_busy)
			continue;
		if (!take_ready(w, now, &sl->item))
			break;
		err = w->ops->build(w->pctx, &sl->item, &sl->req);
		if (err == FP_EINVAL) {
			/* No retry makes a request of it (a text with no
			 * approved template, say): failed now, with why. */
			fail_now(w, &sl->item, "the provider cannot send this "
			    "message (no approved template for its text: "
			    "provider_templates.conf)", PROVIDER_REJECTED);
			continue;
		}
		if (err != FP_OK) {
			fail_now(w, &sl->item, "out of memory", PROVIDER_RETRY);
			continue;
		}
		sl->body_len = 0;
		sl->body[0] = '\0';
		sl->errbuf[0] = '\0';
		curl_easy_setopt(sl->easy, CURLOPT_URL, sl->req.url);
		if (sl->req.body != NULL) {
			curl_easy_setopt(sl->easy, CURLOPT_POSTFIELDSIZE,
			    (long)sl->req.body_len);
			curl_easy_setopt(sl->easy, CURLOPT_POSTFIELDS,
			    sl->req.body);
		} else
			curl_easy_setopt(sl->easy, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(sl->easy, CURLOPT_HTTPHEADER,
		    sl->req.headers);
		if (curl_multi_add_handle(w->multi, sl->easy) != CURLM_OK) {
			provider_request_cleanup(&sl->req);
			fail_now(w, &sl->item, "curl: cannot add request",
			    PROVIDER_RETRY);
			continue;
		}
		sl->is_busy = true;
		w->n_busy++;
	}
}

/* "timeout: Operation timed out after 1000 ms ..." without quotes. */
static void
transport_error(struct provider_result *res, CURLcode code,
    const char *errbuf)
{
	size_t i;

	res->outcome = PROVIDER_RETRY;
	snprintf(res->error, sizeof(res->error), "%s: %.140s",
	    code == CURLE_OPERATION_TIMEDOUT ? "timeout" : "connection",
	    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(code));
	for (i = 0; res->error[i] != '\0'; i++)
		if (res->error[i] == '"' || res->error[i] == '\\' ||
		    res->error[i] == '\n' || res->error[i] == '\r')
			res->error[i] = '\'';
}

/* Hand back the transfers curl has finished. */
static void
collect(struct worker *w)
{
	struct provider_result res;
	struct slot *sl;
	CURLMsg *msg;
	CURLcode code;
	CURL *easy;
	long status;
	int left;
	char *priv;

	for (;;) {
		msg = curl_multi_info_read(w->multi, &left);
		if (msg == NULL)
			break;
		if (msg->msg != CURLMSG_DONE)
			continue;
		easy = msg->easy_handle;
		code = msg->data.result;
		priv = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
		sl = (struct slot *)(void *)priv;
		memset(&res, 0, sizeof(res));
		if (code == CURLE_OK) {
			status = 0;
			curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE,
			    &status);
			w->ops->parse(w->pctx, &sl->item, status, sl->body,
			    sl->body_len, &res);
		} else
			transport_error(&res, code, sl->errbuf);
		curl_multi_remove_handle(w->multi, easy);
		provider_request_cleanup(&sl->req);
		hand_back(w, &sl->item, &res);
		sl->is_busy = false;
		w->n_busy--;
	}
}

/*
 * The epoll set follows curl's wishes lazily.  curl drops a socket from
 * its wishes when a transfer ends and asks for it again when the next
 * one reuses the connection: two epoll_ctl calls per message, more than
 * the polls they replaced.  So a socket stays in the set while its
 * connection lives (FD_IN_SET), only a change of events is a call, and
 * a socket curl no longer wants (FD_WANTED clear) is dropped when it
 * turns out ready (a keep-alive connection the server closed) or when
 * curl closes it (on_close).
 */
#define FD_IN_SET	0x01
#define FD_WANTED	0x02
#define FD_IN		0x04
#define FD_OUT		0x08

/* The state of descriptor s, growing the table; NULL: out of memory. */
static unsigned char *
fd_state(struct worker *w, curl_socket_t s)
{
	unsigned char *grown;
	size_t n;

	if (s < 0)
		return NULL;
	if ((size_t)s >= w->n_fd_state) {
		n = w->n_fd_state > 0 ? w->n_fd_state : 64;
		while (n <= (size_t)s)
			n *= 2;
		grown = realloc(w->fd_state, n);
		if (grown == NULL)
			return NULL;
		memset(grown + w->n_fd_state, 0, n - w->n_fd_state);
		w->fd_state = grown;
		w->n_fd_state = n;
	}
	return &w->fd_state[s];
}

static void
fd_drop(struct worker *w, curl_socket_t s)
{
	if (s >= 0 && (size_t)s < w->n_fd_state) {
		if ((w->fd_state[s] & FD_IN_SET) != 0)
			epoll_ctl(w->epfd, EPOLL_CTL_DEL, s, NULL);
		w->fd_state[s] = 0;
	}
}

/* curl's CURLMOPT_SOCKETFUNCTION. */
static int
on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct worker *w = userp;
	struct epoll_event ev;
	unsigned char *st, want;
	int op;

	(void)easy;
	(void)socketp;
	st = fd_state(w, s);
	if (what == CURL_POLL_REMOVE) {
		if (st != NULL)
			*st &= (unsigned char)~FD_WANTED;
		return 0;
	}
	if (st == NULL)
		return -1;
	want = (unsigned char)(((what & CURL_POLL_IN) != 0 ? FD_IN : 0) |
	    ((what & CURL_POLL_OUT) != 0 ? FD_OUT : 0));
	if ((*st & FD_IN_SET) != 0 && (*st & (FD_IN | FD_OUT)) == want) {
		*st |= FD_WANTED;
		return 0;
	}
	memset(&ev, 0, sizeof(ev));
	ev.data.fd = s;
	ev.events = ((want & FD_IN) != 0 ? EPOLLIN : 0) |
	    ((want & FD_OUT) != 0 ? EPOLLOUT : 0);
	op = (*st & FD_IN_SET) != 0 ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(w->epfd, op, s, &ev) != 0) {
		/* Out of step with the kernel (a descriptor closed and
		 * reused): do the other. */
		op = op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
		if (epoll_ctl(w->epfd, op, s, &ev) != 0) {
			log_warn("sender.epoll provider=%s", w->p->name);
			*st = 0;
			return -1;
		}
	}
	*st = (unsigned char)(FD_IN_SET | FD_WANTED | want);
	return 0;
}

/* CURLOPT_CLOSESOCKETFUNCTION: out of the set before the number can be
 * reused. */
static int
on_close(void *arg, curl_socket_t s)
{
	fd_drop(arg, s);
	return close(s);
}

/* curl's timer, if due: timeouts, and transfers just added. */
static void
run_curl_timer(struct worker *w)
{
	int running;

	if (w->curl_due_ns >= 0 && monotime_ns() >= w->curl_due_ns) {
		w->curl_due_ns = -1;
		curl_multi_socket_action(w->multi, CURL_SOCKET_TIMEOUT, 0,
		    &running);
	}
}

/*
 * Sleep until a socket of curl's is ready, curl's timer is due, the
 * eventfd is written or wait_ns pass; then let curl act on what is
 * ready.
 */
static void
run_curl(struct worker *w, int64_t wait_ns)
{
	struct epoll_event ev[32];
	uint64_t v;
	int64_t now = monotime_ns();
	int n, i, mask, running, ms;

	if (w->curl_due_ns >= 0)
		wait_ns = min64(wait_ns, w->curl_due_ns > now ?
		    w->curl_due_ns - now : 0);
	if (wait_ns < 0)
		wait_ns = 0;
	ms = (int)((wait_ns + SENDER_NS_PER_MS - 1) / SENDER_NS_PER_MS);
	n = epoll_wait(w->epfd, ev, (int)(sizeof(ev) / sizeof(ev[0])), ms);
	for (i = 0; i < n; i++) {
		if (ev[i].data.fd == w->evfd) {
			/* Clear it (EAGAIN: another wake-up read it). */
			(void)!read(w->evfd, &v, sizeof(v));
			continue;
		}
		if ((size_t)ev[i].data.fd >= w->n_fd_state ||
		    (w->fd_state[ev[i].data.fd] & FD_WANTED) == 0) {
			/* An idle connection that changed (closed): curl
			 * looks at it again when it reuses it. */
			fd_drop(w, ev[i].data.fd);
			continue;
		}
		mask = 0;
		if ((ev[i].events & EPOLLIN) != 0)
			mask |= CURL_CSELECT_IN;
		if ((ev[i].events & EPOLLOUT) != 0)
			mask |= CURL_CSELECT_OUT;
		if ((ev[i].events & (EPOLLERR | EPOLLHUP)) != 0)
			mask |= CURL_CSELECT_ERR;
		curl_multi_socket_action(w->multi, ev[i].data.fd, mask,
		    &running);
	}
	run_curl_timer(w);
}

/* At stop: let requests in flight finish for a while, then abandon them
 * (they stay "sending" until the next start recovers them). */
static void
drain_http(struct worker *w)
{
	int64_t deadline;
	size_t i;

	deadline = monotime_ns() + min64(SENDER_GRACE_MS,
	    (int64_t)w->p->timeout_s * 1000) * SENDER_NS_PER_MS;
	while (w->n_busy > 0 && monotime_ns() < deadline) {
		run_curl(w, 50 * SENDER_NS_PER_MS);
		collect(w);
	}
	if (w->n_busy > 0)
		log_info("sender.stop provider=%s abandoned=%zu", w->p->name,
		    w->n_busy);
	for (i = 0; i < w->n_slots; i++) {
		struct slot *sl = &w->slots[i];

		if (!sl->is_busy)
			continue;
		curl_multi_remove_handle(w->multi, sl->easy);
		provider_request_cleanup(&sl->req);
		sender_item_free(&sl->item);
		sl->is_busy = false;
	}
	w->n_busy = 0;
}

void *
sender_io_main(void *arg)
{
	struct worker *w = arg;
	int64_t now, wait, token_wait;
	bool has_room, has_ready;

	while (!is_stopping(w)) {
		now = monotime_ns();
		if (w->ops->is_http) {
			start_http(w, now);
			run_curl_timer(w);	/* starts what was added */
			collect(w);
		} else
			send_file(w, now);

		/* Sleep until a request finishes (socket), a token is due
		 * for a ready message, or the database thread brings more
		 * (sender_io_wake). */
		now = monotime_ns();
		has_room = !w->ops->is_http || w->n_busy < w->n_slots;
		pthread_mutex_lock(&w->lock);
		has_ready = sender_itemq_len(&w->ready) > 0;
		token_wait = ratelimit_wait_ns(&w->rl, now);
		/* Outcomes held: the database thread wakes us once they are
		 * written. */
		if (sender_is_held_full(w))
			has_room = false;
		pthread_mutex_unlock(&w->lock);
		wait = SENDER_POLL_MS * SENDER_NS_PER_MS;
		/* With nothing ready but no token either, the database
		 * thread was told to claim nothing: look again (and tell
		 * it) when the next token is due. */
		if (has_room && (has_ready || token_wait > 0))
			wait = min64(wait, token_wait);
		/* wait 0: a token is due now; curl's sockets are still
		 * looked at (without sleeping) before the next start. */
		run_curl(w, wait > 0 ? wait : 0);
		if (w->ops->is_http)
			collect(w);
	}
	if (w->ops->is_http)
		drain_http(w);
	pthread_mutex_lock(&w->lock);
	w->is_io_finished = true;
	pthread_cond_signal(&w->db_cond);
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* ---- set up, for worker_open --------------------------------------------- */

void
sender_io_wake(struct worker *w)
{
	uint64_t one = 1;

	/* Fails only when the counter is full: then it is set anyway. */
	(void)!write(w->evfd, &one, sizeof(one));
}

/* curl's CURLMOPT_TIMERFUNCTION: when to call it back with no socket. */
static int
on_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct worker *w = userp;

	(void)multi;
	w->curl_due_ns = timeout_ms < 0 ? -1 :
	    monotime_ns() + (int64_t)timeout_ms * SENDER_NS_PER_MS;
	return 0;
}

enum fp_err
sender_io_open(struct worker *w)
{
	struct epoll_event ev;

	w->curl_due_ns = -1;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0)
		return FP_EIO;
	w->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->evfd < 0)
		return FP_EIO;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = w->evfd;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->evfd, &ev) != 0)
		return FP_EIO;
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETDATA, w);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERDATA, w);
	return FP_OK;
}

/* -fanalyzer: the slots and their bodies are the worker's, freed by
 * worker_close even after a failure here; a false "leak" (gcc 12 loses
 * stores through w->slots[i]). */
FP_ANALYZER_LEAK_OFF
enum fp_err
sender_slots_open(struct worker *w)
{
	const struct cfg_provider *p = w->p;
	struct slot *sl;
	size_t i, n;

	n = (size_t)(p->connections > 0 ? p->connections : 1);
	w->slots = calloc(n, sizeof(*w->slots));
	if (w->slots == NULL)
		return FP_ENOMEM;
	w->n_slots = n;
	for (i = 0; i < w->n_slots; i++) {
		sl = &w->slots[i];
		sl->body = malloc(SENDER_BODY_MAX + 1);
		sl->easy = curl_easy_init();
		if (sl->body == NULL || sl->easy == NULL)
			return FP_ENOMEM;
		curl_easy_setopt(sl->easy, CURLOPT_PRIVATE, (char *)sl);
		curl_easy_setopt(sl->easy, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(sl->easy, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(sl->easy, CURLOPT_WRITEDATA, sl);
		curl_easy_setopt(sl->easy, CURLOPT_ERRORBUFFER, sl->errbuf);
		curl_easy_setopt(sl->easy, CURLOPT_TIMEOUT_MS,
		    (long)p->timeout_s * 1000L);
		curl_easy_setopt(sl->easy, CURLOPT_TCP_KEEPALIVE, 1L);
		curl_easy_setopt(sl->easy, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(sl->easy, CURLOPT_USERAGENT, "fupin-gateway");
		curl_easy_setopt(sl->easy, CURLOPT_CLOSESOCKETFUNCTION,
		    on_close);
		curl_easy_setopt(sl->easy, CURLOPT_CLOSESOCKETDATA, w);
	}
	/* Keep-alive: the multi handle's cache holds the connections; the
	 * provider never sees more than `connections` of them. */
	curl_multi_setopt(w->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	    (long)w->n_slots);
	curl_multi_setopt(w->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    (long)w->n_slots);
	curl_multi_setopt(w->multi, CURLMOPT_MAXCONNECTS, (long)w->n_slots);
	return FP_OK;
}
FP_ANALYZER_LEAK_ON
