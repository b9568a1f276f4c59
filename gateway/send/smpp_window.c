/*
 * smpp_window.c: the submits of an smpp link (see smpp_link.h): the
 * queue send_batch fills and waits on (smpp_link_submit), the window of
 * submit_sm in flight and their answers, the submits an ended connection
 * leaves unanswered put back at the head of the queue, and the pace
 * (`throughput`, halved on ESME_RTHROTTLED / ESME_RMSGQFUL and raised
 * again by a fifth a second without them).  smpp_link.c's thread calls
 * in with the link's lock held; smpp_link_submit takes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "smpp_link.h"

#define SMPP_PAUSE_MS		100	/* after a throttling answer */

static struct log_limit part_lines = LOG_LIMIT_INIT("smpp.part", LOG_PER_S);

/* Sent submits without an answer go back to the head of the queue, in
 * the order they were sent. */
size_t
smpp_window_requeue(struct smpp_link *l)
{
	struct smpp_job *head = NULL, *tail = NULL;
	size_t n = 0, i, best;

	for (;;) {
		best = l->n_slots;
		for (i = 0; i < l->n_slots; i++)
			if (l->slots[i].is_used && (best == l->n_slots ||
			    l->slots[i].sent_ns < l->slots[best].sent_ns))
				best = i;
		if (best == l->n_slots)
			break;
		if (l->slots[best].job != NULL) {
			struct smpp_job *j = l->slots[best].job;

			j->where = JOB_QUEUED;
			j->next = NULL;
			if (tail != NULL)
				tail->next = j;
			else
				head = j;
			tail = j;
			n++;
		}
		l->slots[best].is_used = false;
	}
	if (tail != NULL) {
		tail->next = l->head;
		if (l->head == NULL)
			l->tail = tail;
		l->head = head;
	}
	l->n_used = 0;
	atomic_store_explicit(&l->stats.window_used, 0, memory_order_relaxed);
	return n;
}

static int
burst_for(int64_t rate)
{
	return rate / 50 > 1 ? (int)(rate / 50) : 1;
}

void
smpp_pace_set(struct smpp_link *l, int64_t rate, int64_t now)
{
	l->rate = rate;
	ratelimit_init(&l->rl, (int)rate, burst_for(rate), now);
}

static void
throttled(struct smpp_link *l, int64_t now)
{
	int64_t base, elapsed;

	atomic_fetch_add_explicit(&l->stats.throttled, 1,
	    memory_order_relaxed);
	l->pause_until_ns = now + SMPP_PAUSE_MS * SMPP_NS_PER_MS;
	/* One halving per burst of throttled answers, from the rate set or
	 * else the rate seen (this second so far, at least 100 ms of it). */
	if (now - l->last_throttle_ns > SMPP_PAUSE_MS * SMPP_NS_PER_MS) {
		base = l->rate;
		if (base == 0) {
			elapsed = now - l->sec_start_ns;
			if (elapsed < SMPP_PAUSE_MS * SMPP_NS_PER_MS)
				elapsed = SMPP_PAUSE_MS * SMPP_NS_PER_MS;
			base = l->sec_count * SMPP_NS_PER_S / elapsed;
			if (l->last_sec_count > base)
				base = l->last_sec_count;
		}
		smpp_pace_set(l, base / 2 > 1 ? base / 2 : 1, now);
		log_info("smpp.throttled provider=%s rate=%lld", l->p->name,
		    (long long)l->rate);
	}
	l->last_throttle_ns = now;
	l->last_raise_ns = now;
}

void
smpp_pace_raise(struct smpp_link *l, int64_t now)
{
	int64_t max = l->p->throughput_per_s, rate;

	if (l->rate == 0 || now - l->last_raise_ns < SMPP_NS_PER_S)
		return;
	rate = l->rate + (l->rate / 5 > 1 ? l->rate / 5 : 1);
	l->last_raise_ns = now;
	if (max > 0 && rate >= max)
		rate = max;
	else if (max == 0 && rate > 2 * (l->last_sec_count + 1) && rate > 1000)
		rate = 0;	/* back to what `rate` alone allows */
	smpp_pace_set(l, rate, now);
}

static bool
may_send(struct smpp_link *l, int64_t now)
{
	if (now < l->pause_until_ns)
		return false;
	return l->rate == 0 || ratelimit_take(&l->rl, now, NULL);
}

static struct smpp_slot *
find_slot(struct smpp_link *l, uint32_t seq)
{
	size_t i;

	for (i = 0; i < l->n_slots; i++)
		if (l->slots[i].is_used && l->slots[i].seq == seq)
			return &l->slots[i];
	return NULL;
}

static void
job_done(struct smpp_link *l, struct smpp_job *j, uint32_t status,
    const char *msgid)
{
	j->where = JOB_DONE;
	j->status = status;
	snprintf(j->msgid, sizeof(j->msgid), "%s", msgid);
	l->progress++;
	pthread_cond_broadcast(&l->cond);
}

/* link_done_fn of a part's id: nothing waits for it. */
static void
part_recorded(void *arg, enum fp_err result, int64_t id)
{
	(void)arg;
	(void)id;
	if (result != FP_OK && result != FP_EBUSY && log_allow(&part_lines))
		log_warnx("smpp.part error=\"%s\"", fp_strerror(result));
}

void
smpp_window_answer(struct smpp_link *l, const uint8_t *pdu, size_t len,
    const struct smpp_header *h, int64_t now)
{
	struct smpp_slot *sl = find_slot(l, h->seq);
	struct smpp_job *j;
	char id[SMPP_MSGID_MAX], name[48];
	uint32_t status = h->status;

	if (sl == NULL)
		return;		/* not ours any more (a batch gave up) */
	j = sl->job;
	sl->is_used = false;
	l->n_used--;
	atomic_store_explicit(&l->stats.window_used, l->n_used,
	    memory_order_relaxed);
	link_stats_latency(&l->stats, (uint64_t)(now - sl->sent_ns) / 1000);
	if (h->id == SMPP_GENERIC_NACK && status == SMPP_ROK)
		status = SMPP_RINVCMDID;
	id[0] = '\0';
	if (h->id == SMPP_SUBMIT_SM_RESP && status == SMPP_ROK &&
	    smpp_parse_resp(pdu, len, id) != FP_OK)
		log_warnx("smpp.submit.resp provider=%s seq=%u error=\"no "
		    "message_id\"", l->p->name, h->seq);
	if (smpp_status_class(status) == SMPP_CLASS_THROTTLED) {
		throttled(l, now);
		if (j != NULL) {
			j->where = JOB_QUEUED;
			j->next = l->head;
			l->head = j;
			if (l->tail == NULL)
				l->tail = j;
		}
		return;
	}
	if (status != SMPP_ROK)
		log_info("smpp.submit.refused provider=%s seq=%u status=%s",
		    l->p->name, h->seq, smpp_status_name(status, name));
	if (j == NULL)
		return;		/* its batch gave up: the message is retried */
	/* Before anything after this answer on the connection is read: a
	 * receipt for this part finds it (link_inbound_part). */
	if (status == SMPP_ROK && id[0] != '\0' && j->message_id > 0)
		link_inbound_part(l->p->name, j->message_id, j->part, id,
		    (int64_t)time(NULL), part_recorded, NULL);
	job_done(l, j, status, id);
}

void
smpp_window_fill(struct smpp_link *l, int64_t now)
{
	uint8_t pdu[SMPP_SM_MAX + 128];
	struct smpp_slot *sl;
	struct smpp_job *j;
	size_t len, i;
	uint32_t seq;

	while (l->head != NULL && l->n_used < l->n_slots &&
	    SMPP_BUF - l->out_len >= sizeof(pdu) && may_send(l, now)) {
		sl = NULL;
		for (i = 0; i < l->n_slots && sl == NULL; i++)
			if (!l->slots[i].is_used)
				sl = &l->slots[i];
		if (sl == NULL)
			break;	/* n_used says there is room: cannot be */
		j = l->head;
		l->head = j->next;
		if (l->head == NULL)
			l->tail = NULL;
		j->next = NULL;
		seq = smpp_link_next_seq(l);
		len = smpp_pack_submit(pdu, sizeof(pdu), seq, &j->sm);
		if (len == 0 || !smpp_link_put(l, pdu, len)) {
			/* provider_smpp.c checked every field: not ours. */
			job_done(l, j, SMPP_RSYSERR, "");
			continue;
		}
		sl->is_used = true;
		sl->seq = seq;
		sl->job = j;
		sl->sent_ns = now;
		j->where = JOB_SENT;
		j->sends++;
		l->n_used++;
		l->sec_count++;
		atomic_fetch_add_explicit(&l->stats.submits, 1,
		    memory_order_relaxed);
	}
	atomic_store_explicit(&l->stats.window_used, l->n_used,
	    memory_order_relaxed);
}

/* Take this batch's jobs out of the queue and the window. */
static void
forget(struct smpp_link *l, struct smpp_job *jobs, size_t n)
{
	struct smpp_job **pp, *j;
	size_t i;

	l->tail = NULL;
	for (pp = &l->head; *pp != NULL;) {
		j = *pp;
		if (j >= jobs && j < jobs + n) {
			*pp = j->next;
			j->next = NULL;
			j->where = JOB_NEW;
			continue;
		}
		l->tail = j;
		pp = &j->next;
	}
	for (i = 0; i < l->n_slots; i++) {
		j = l->slots[i].job;
		if (l->slots[i].is_used && j != NULL && j >= jobs &&
		    j < jobs + n)
			l->slots[i].job = NULL;
	}
}

void
smpp_link_submit(struct smpp_link *l, struct smpp_job *jobs, size_t n,
    char *why, size_t why_len)
{
	int64_t now = monotime_ns(), timeout, start, until, t;
	uint64_t seen;
	struct timespec ts;
	size_t i, left = n;

	snprintf(why, why_len, "no answer");
	if (n == 0)
		return;
	if (atomic_load(&l->is_interrupted)) {
		snprintf(why, why_len, "smpp: the sender is stopping");
		return;
	}
	timeout = (int64_t)l->p->timeout_s * SMPP_NS_PER_S;
	pthread_mutex_lock(&l->lock);
	for (i = 0; i < n; i++) {
		jobs[i].where = JOB_QUEUED;
		jobs[i].next = NULL;
		jobs[i].sends = 0;
		if (l->tail != NULL)
			l->tail->next = &jobs[i];
		else
			l->head = &jobs[i];
		l->tail = &jobs[i];
	}
	smpp_link_wake(l);
	start = now;
	seen = l->progress;
	until = now + timeout;
	for (;;) {
		for (left = 0, i = 0; i < n; i++)
			left += jobs[i].where != JOB_DONE;
		if (left == 0)
			break;
		if (atomic_load(&l->is_stopping) ||
		    atomic_load(&l->is_interrupted)) {
			snprintf(why, why_len, "smpp: the sender is stopping");
			break;
		}
		/* Down longer than a timeout: no use waiting. */
		if (l->state != SMPP_BOUND && l->down_since_ns > 0 &&
		    now - l->down_since_ns >= timeout) {
			snprintf(why, why_len, "smpp: not bound: %s",
			    l->last_error[0] != '\0' ? l->last_error :
			    "connecting");
			break;
		}
		if (l->progress != seen) {
			seen = l->progress;
			until = now + timeout;
		}
		if (now >= until || now - start >= SMPP_MAX_WAIT_S *
		    SMPP_NS_PER_S) {
			snprintf(why, why_len, "smpp: no answer in %d s%s%s",
			    l->p->timeout_s, l->last_error[0] != '\0' ?
			    ": " : "", l->last_error);
			break;
		}
		t = until < now + 200 * SMPP_NS_PER_MS ? until :
		    now + 200 * SMPP_NS_PER_MS;
		ts.tv_sec = (time_t)(t / SMPP_NS_PER_S);
		ts.tv_nsec = (long)(t % SMPP_NS_PER_S);
		pthread_cond_timedwait(&l->cond, &l->lock, &ts);
		now = monotime_ns();
	}
	if (left > 0)
		forget(l, jobs, n);
	pthread_mutex_unlock(&l->lock);
}

void
smpp_link_interrupt(struct smpp_link *l)
{
	atomic_store(&l->is_interrupted, true);
	pthread_mutex_lock(&l->lock);
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
}
