/*
 * provider_file.c: the embedded default provider (SPEC section 8): it
 * appends one JSON object per message to a file,
 *
 *   {"id":"42","to":"+86...","from":"...","text":"...","segments":1,
 *    "encoding":"gsm7","sent_at":"2024-05-01T08:00:00.123Z"}
 *
 * and the message counts as delivered at once (a synthesised report).
 * Lines of a batch are written together and made durable with one
 * fflush + fdatasync, not one per line.  The file is opened in append
 * mode and kept open; nothing else writes to it from this process.  The
 * provider message id is the gateway's own id.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gsm.h"
#include "fs.h"
#include "compiler.h"
#include "log.h"
#include "provider.h"
#include "timefmt.h"

struct file_ctx {
	const struct cfg_provider *p;	/* borrowed */
	FILE	*fp;			/* owned */
};

static enum fp_err
file_open(const struct cfg *cfg, const struct cfg_provider *p, void **out)
{
	struct file_ctx *ctx;
	int fd = -1;

	(void)cfg;
	if (p->path == NULL || p->path[0] == '\0')
		return FP_ECONFIG;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return FP_ENOMEM;
	ctx->p = p;
	if (fs_make_parent_dirs(p->path) != 0)
		goto fail;
	/* The lines hold numbers and texts: not for other users. */
	fd = open(p->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		goto fail;
	ctx->fp = fdopen(fd, "a");
	if (ctx->fp == NULL)
		goto fail;
	*out = ctx;
	return FP_OK;
fail:
	log_warn("provider.file.open provider=%s path=%s", p->name, p->path);
	if (fd >= 0)
		close(fd);
	free(ctx);
	return FP_EIO;
}

static void
file_close(void *arg)
{
	struct file_ctx *ctx = arg;

	if (ctx == NULL)
		return;
	if (ctx->fp != NULL)
		fclose(ctx->fp);
	free(ctx);
}

static int
write_line(FILE *fp, const struct outbox_item *it, const char *sent_at)
{
	struct json_object *o;
	char id[24];
	const char *s;
	size_t len = 0;
	int rc = -1;

	snprintf(id, sizeof(id), "%lld", (long long)it->id);
	o = json_object_new_object();
	if (o == NULL)
		return -1;
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "to", json_object_new_string(it->to));
	json_object_object_add(o, "from", json_object_new_string(
	    it->from != NULL ? it->from : ""));
	json_object_object_add(o, "text", json_object_new_string(it->text));
	json_object_object_add(o, "segments",
	    json_object_new_int(it->segments));
	json_object_object_add(o, "encoding", json_object_new_string(
	    gsm_encoding_name(it->encoding)));
	json_object_object_add(o, "sent_at", json_object_new_string(sent_at));
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (s != NULL && fwrite(s, 1, len, fp) == len && putc('\n', fp) != EOF)
		rc = 0;
	json_object_put(o);
	return rc;
}

/* -fanalyzer: each msgid is the caller's (results[]), freed by the
 * sender with the outcome; a false "leak" (gcc 12 loses stores through
 * results[i]). */
FP_ANALYZER_LEAK_OFF
static void
file_send_batch(void *arg, const struct outbox_item *items, size_t n,
    struct provider_result *results)
{
	struct file_ctx *ctx = arg;
	char sent_at[TIMEFMT_MAX];
	struct timespec now;
	size_t i;
	bool ok = true;
	int saved = 0;

	clock_gettime(CLOCK_REALTIME, &now);
	timefmt_utc_ms(&now, sent_at);
	errno = 0;
	for (i = 0; i < n && ok; i++)
		ok = write_line(ctx->fp, &items[i], sent_at) == 0;
	/* One flush and one sync per batch: durable before "sent". */
	if (ok && fflush(ctx->fp) != 0)
		ok = false;
	if (ok && fdatasync(fileno(ctx->fp)) != 0)
		ok = false;
	if (!ok)
		saved = errno != 0 ? errno : EIO;
	for (i = 0; i < n; i++) {
		struct provider_result *res = &results[i];
		char id[24];

		if (!ok) {
			/* Some lines may be out already: at least once. */
			res->outcome = PROVIDER_RETRY;
			snprintf(res->error, sizeof(res->error),
			    "write %s: %s", ctx->p->path, strerror(saved));
			continue;
		}
		snprintf(id, sizeof(id), "%lld", (long long)items[i].id);
		res->outcome = PROVIDER_ACCEPTED;
		res->is_delivered = true;
		/* Out of memory leaves it NULL: sent all the same. */
		res->msgid = strdup(id);
	}
	if (!ok)
		clearerr(ctx->fp);
}
FP_ANALYZER_LEAK_ON

const struct provider_ops provider_file_ops = {
	.type = "file",
	.is_http = false,
	.open = file_open,
	.close = file_close,
	.send_batch = file_send_batch,
};
