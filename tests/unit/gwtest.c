/*
 * gwtest.c: helpers to run and talk to the real gateway (see gwtest.h).
 */
#include <check.h>
#include <curl/curl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gwtest.h"
#include "testutil.h"

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct tg_reply *r = arg;
	size_t len = size * n;

	if (r->len + len < sizeof(r->body)) {
		memcpy(r->body + r->len, p, len);
		r->len += len;
		r->body[r->len] = '\0';
	}
	return len;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct tg_reply *r = arg;
	size_t len = size * n;

	if (r->hlen + len < sizeof(r->headers)) {
		memcpy(r->headers + r->hlen, p, len);
		r->hlen += len;
		r->headers[r->hlen] = '\0';
	}
	return len;
}

int
tg_request(const struct tg *t, const char *method, const char *path,
    const char *content_type, const char *body, size_t body_len,
    const char *extra_header, bool chunked, struct tg_reply *r)
{
	struct curl_slist *hdrs = NULL;
	const char *h, *nl = NULL;
	char url[8192], ct[256];
	CURL *c = curl_easy_init();
	CURLcode rc;

	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", t->port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body_len);
		snprintf(ct, sizeof(ct), "Content-Type: %s", content_type !=
		    NULL ? content_type : "text/plain");
		hdrs = curl_slist_append(hdrs, ct);
		if (chunked)
			hdrs = curl_slist_append(hdrs,
			    "Transfer-Encoding: chunked");
	}
	/* Several headers: one per line. */
	for (h = extra_header; h != NULL && *h != '\0'; h = nl != NULL ?
	    nl + 1 : NULL) {
		char one[512];
		size_t n;

		nl = strchr(h, '\n');
		n = nl != NULL ? (size_t)(nl - h) : strlen(h);
		if (n >= sizeof(one))
			n = sizeof(one) - 1;
		memcpy(one, h, n);
		one[n] = '\0';
		hdrs = curl_slist_append(hdrs, one);
	}
	if (hdrs != NULL)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return rc == CURLE_OK ? 0 : -1;
}

static void
write_conf(struct tg *t, const char *extra)
{
	char text[4096], file[640];
	int n;

	snprintf(file, sizeof(file), "{ name = \"local\"; type = \"file\"; "
	    "path = \"%s/outbox.jsonl\"; rate = 5000; }", t->dir);
	n = snprintf(text, sizeof(text),
	    "database = { path = \"%s/fupin.db\"; durability = \"%s\"; "
	    "id_key_file = \"%s/id.key\"; };\n"
	    "http = { listen = \"127.0.0.1:%d\"; max_body = 2048; %s };\n"
	    "providers = ( %s );\n%s", t->dir,
	    t->durability != NULL ? t->durability : "normal", t->dir, t->port,
	    t->http_extra != NULL ? t->http_extra : "",
	    t->providers != NULL ? t->providers : file,
	    extra != NULL ? extra : "");
	ck_assert_int_lt(n, (int)sizeof(text));
	free(t->conf);
	t->conf = tu_write_file(t->dir, "fupin.conf", text, (size_t)n);
	ck_assert_ptr_nonnull(t->conf);
}

void
tg_init(struct tg *t, const char *extra)
{
	memset(t, 0, sizeof(*t));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	t->dir = tu_mkdtemp();
	ck_assert_ptr_nonnull(t->dir);
	t->port = tu_free_port();
	snprintf(t->db, sizeof(t->db), "%s/fupin.db", t->dir);
	write_conf(t, extra);
}

void
tg_reconfigure(struct tg *t, const char *extra)
{
	write_conf(t, extra);
}

pid_t
tg_spawn(const char *config, const char *log_path)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		FILE *log = fopen(log_path, "a");

		if (log != NULL) {
			dup2(fileno(log), 1);
			dup2(fileno(log), 2);
		}
		execl(tu_bin("fupin-gateway"), "fupin-gateway", "-c", config,
		    (char *)NULL);
		_exit(127);
	}
	return pid;
}

char *
tg_log(const struct tg *t)
{
	char path[600], *text;

	snprintf(path, sizeof(path), "%s/gateway.log", t->dir);
	text = tu_read_file(path, NULL);
	return text != NULL ? text : strdup("");
}

void
tg_import_demo_kinds(const struct tg *t, const char *const kinds[], size_t n)
{
	char bin[512], path[128], *out;
	size_t i;

	snprintf(bin, sizeof(bin), "%s", tu_bin("fupinctl"));
	for (i = 0; i < n; i++) {
		char *argv[] = { bin, "-c", t->conf, "import",
		    (char *)(uintptr_t)kinds[i], path, NULL };

		snprintf(path, sizeof(path), "data/demo/%s.csv", kinds[i]);
		out = NULL;
		ck_assert_msg(tu_run(argv, &out) == 0, "fupinctl import %s: %s",
		    kinds[i], out != NULL ? out : "");
		free(out);
	}
}

void
tg_import_demo(const struct tg *t)
{
	static const char *const kinds[] = { "cadres", "households",
	    "members" };

	tg_import_demo_kinds(t, kinds, sizeof(kinds) / sizeof(kinds[0]));
}

void
tg_start(struct tg *t)
{
	struct tg_reply r;
	char log[600];
	int i;

	snprintf(log, sizeof(log), "%s/gateway.log", t->dir);
	t->pid = tg_spawn(t->conf, log);
	for (i = 0; i < 200; i++) {
		if (tg_request(t, "GET", "/healthz", NULL, NULL, 0, NULL, false,
		    &r) == 0 && r.status == 200)
			return;
		usleep(50000);
	}
	ck_abort_msg("gateway did not become ready");
}

int
tg_stop(struct tg *t, int sig)
{
	int status;

	if (t->pid <= 0)
		return -1;
	kill(t->pid, sig);
	ck_assert_int_eq(waitpid(t->pid, &status, 0), t->pid);
	t->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void
tg_cleanup(struct tg *t)
{
	if (t->pid > 0)
		tg_stop(t, SIGKILL);
	tu_rmtree(t->dir);
	free(t->dir);
	free(t->conf);
	t->dir = t->conf = NULL;
	curl_global_cleanup();
}

char *
tg_query(const struct tg *t, const char *sql)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *stmt = NULL;
	char *v = NULL;

	if (sqlite3_open_v2(t->db, &h, SQLITE_OPEN_READONLY, NULL) ==
	    SQLITE_OK) {
		sqlite3_busy_timeout(h, 5000);
		if (sqlite3_prepare_v2(h, sql, -1, &stmt, NULL) == SQLITE_OK &&
		    sqlite3_step(stmt) == SQLITE_ROW &&
		    sqlite3_column_text(stmt, 0) != NULL)
			v = strdup((const char *)sqlite3_column_text(stmt, 0));
		sqlite3_finalize(stmt);
	}
	sqlite3_close(h);
	return v != NULL ? v : strdup("");
}

long long
tg_query_int(const struct tg *t, const char *sql)
{
	char *v = tg_query(t, sql);
	long long n = strtoll(v, NULL, 10);

	free(v);
	return n;
}

bool
tg_wait_int(const struct tg *t, const char *sql, long long want)
{
	int i;

	for (i = 0; i < 200; i++) {
		if (tg_query_int(t, sql) == want)
			return true;
		usleep(50000);
	}
	return false;
}
