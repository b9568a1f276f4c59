/*
 * testutil.c: helpers for the unit suites (see testutil.h).
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <sqlite3.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "migrate.h"
#include "outbox.h"
#include "sha256.h"
#include "store.h"
#include "testutil.h"

/* What the waits below sleep between two looks. */
#define TU_POLL_MS	20

void
tu_token_sha256(const char *token, char out[65])
{
	uint8_t h[SHA256_LEN];

	sha256(token, strlen(token), h);
	sha256_hex(h, SHA256_LEN, out);
}

char *
tu_mkdtemp(void)
{
	char tmpl[] = "/tmp/fupin-test-XXXXXX";

	if (mkdtemp(tmpl) == NULL)
		return NULL;
	return strdup(tmpl);
}

char *
tu_write_file(const char *dir, const char *name, const void *data, size_t len)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *path = malloc(n);
	FILE *fp;

	if (path == NULL)
		return NULL;
	snprintf(path, n, "%s/%s", dir, name);
	fp = fopen(path, "wb");
	if (fp == NULL) {
		free(path);
		return NULL;
	}
	if (len > 0 && fwrite(data, 1, len, fp) != len) {
		fclose(fp);
		free(path);
		return NULL;
	}
	fclose(fp);
	return path;
}

char *
tu_read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (fp == NULL)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			char *nb;

			cap = cap == 0 ? 8192 : cap * 2;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				free(buf);
				fclose(fp);
				return NULL;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, 4096, fp);
		n += r;
		if (r < 4096)
			break;
	}
	fclose(fp);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

void
tu_put_file(const char *dir, const char *rel, const char *text)
{
	char path[4096], *p;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (p = path + strlen(dir) + 1; *p != '\0'; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	fp = fopen(path, "wb");
	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(text, 1, strlen(text), fp), strlen(text));
	fclose(fp);
}

void
tu_rmtree(const char *dir)
{
	char *argv[] = { "rm", "-rf", NULL, NULL };
	pid_t pid;
	int status;

	if (dir == NULL || strncmp(dir, "/tmp/", 5) != 0)
		return;
	argv[2] = (char *)(uintptr_t)dir;
	pid = fork();
	if (pid == 0) {
		execvp("rm", argv);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
}

const char *
tu_bin(const char *name)
{
	static char path[512];
	const char *dir = getenv("FUPIN_BIN");

	snprintf(path, sizeof(path), "%s/%s", dir != NULL ? dir : "bin", name);
	return path;
}

int
tu_run(char *const argv[], char **out)
{
	int fds[2];
	pid_t pid;
	int status;
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (pipe(fds) != 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		ssize_t r;

		if (n + 4097 > cap) {
			char *nb;

			cap = cap == 0 ? 8192 : cap * 2;
			nb = realloc(buf, cap);
			if (nb == NULL)
				break;
			buf = nb;
		}
		r = read(fds[0], buf + n, 4096);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fds[0]);
	if (buf != NULL)
		buf[n] = '\0';
	if (out != NULL)
		*out = buf != NULL ? buf : strdup("");
	else
		free(buf);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int
tu_free_port(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int port = -1;

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static sqlite3_stmt *
prepare_bound(sqlite3 *db, const char *sql, long long arg)
{
	sqlite3_stmt *stmt = NULL;

	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) ==
	    SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_bind_parameter_count(stmt) > 0)
		sqlite3_bind_int64(stmt, 1, arg);
	return stmt;
}

long long
tu_query_int(sqlite3 *db, const char *sql, long long arg)
{
	sqlite3_stmt *stmt = prepare_bound(db, sql, arg);
	long long v = -1;

	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

const char *
tu_query_text(sqlite3 *db, const char *sql, long long arg)
{
	static char buf[4096];
	sqlite3_stmt *stmt = prepare_bound(db, sql, arg);
	const unsigned char *s;

	buf[0] = '\0';
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		s = sqlite3_column_text(stmt, 0);
		snprintf(buf, sizeof(buf), "%s",
		    s != NULL ? (const char *)s : "NULL");
	}
	sqlite3_finalize(stmt);
	return buf;
}

bool
tu_wait_int(sqlite3 *db, const char *sql, long long arg, long long want,
    int timeout_ms)
{
	int64_t end = tu_mono_ms() + timeout_ms;

	while (tu_mono_ms() < end) {
		if (tu_query_int(db, sql, arg) == want)
			return true;
		tu_sleep_ms(TU_POLL_MS);
	}
	return tu_query_int(db, sql, arg) == want;
}

sqlite3 *
tu_open_sqlite(const char *path)
{
	sqlite3 *db = NULL;

	ck_assert_msg(sqlite3_open(path, &db) == SQLITE_OK, "%s: %s", path,
	    db != NULL ? sqlite3_errmsg(db) : "out of memory");
	sqlite3_busy_timeout(db, 5000);
	return db;
}

long long
tu_query_int_at(const char *path, const char *sql, long long arg)
{
	sqlite3 *db = tu_open_sqlite(path);
	long long v = tu_query_int(db, sql, arg);

	sqlite3_close(db);
	return v;
}

bool
tu_wait_int_at(const char *path, const char *sql, long long arg,
    long long want, int timeout_ms)
{
	sqlite3 *db = tu_open_sqlite(path);
	bool ok = tu_wait_int(db, sql, arg, want, timeout_ms);

	sqlite3_close(db);
	return ok;
}

int
tu_slow(void)
{
	return getenv("FUPIN_VALGRIND") != NULL ? 10 : 1;
}

int64_t
tu_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
tu_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int
tu_count_in(const char *path, const char *needle)
{
	char *text = tu_read_file(path, NULL), *p;
	int n = 0;

	if (text == NULL)
		return 0;
	for (p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle))
		n++;
	free(text);
	return n;
}

bool
tu_wait_count_in(const char *path, const char *needle, int want,
    int timeout_ms)
{
	int64_t end = tu_mono_ms() + timeout_ms;

	while (tu_mono_ms() < end) {
		if (tu_count_in(path, needle) >= want)
			return true;
		tu_sleep_ms(TU_POLL_MS);
	}
	return tu_count_in(path, needle) >= want;
}

struct cfg *
tu_load_cfg(const char *text)
{
	struct cfg *cfg = NULL;
	char *errors = NULL;

	/* On failure the test ends here, the errors not freed. */
	if (cfg_load_string(text, "test.conf", &cfg, &errors) != FP_OK)
		ck_abort_msg("config: %s", errors != NULL ? errors : "?");
	return cfg;
}

struct store *
tu_open_store(const char *path)
{
	struct store *st = NULL;

	ck_assert_int_eq(store_open(path, STORE_DURABILITY_NORMAL, &st),
	    FP_OK);
	ck_assert_int_eq(migrate_to(st, migrate_latest(), NULL, NULL), FP_OK);
	return st;
}

/* The registry reads a record's columns through this: values[col]. */
static const char *
reg_column(void *values, size_t col)
{
	const char *const *v = values;

	return v[col];
}

void
tu_reg_put(struct registry *reg, enum reg_kind kind,
    const char *const *values)
{
	struct reg_source src = { reg_column, (void *)(uintptr_t)values };
	char reason[REG_REASON_MAX];
	enum reg_outcome o;

	ck_assert_msg(registry_upsert(reg, kind, &src, TU_T0, &o, reason) ==
	    FP_OK, "%s", reason);
}

int64_t
tu_enqueue(struct store *st, const struct cfg *cfg, const char *provider,
    const char *to, const char *text, int64_t now)
{
	struct outbox_msg m;
	int64_t id = 0;

	memset(&m, 0, sizeof(m));
	m.to = to;
	m.text = text;
	m.kind = "api";
	m.provider = provider;
	ck_assert_int_eq(outbox_enqueue(st, cfg, &m, now, &id), FP_OK);
	return id;
}

size_t
tu_utf8_put(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

const struct hmac_sha256_key *
tu_id_key(void)
{
	static struct hmac_sha256_key key;
	static int ready;

	if (!ready) {
		hmac_sha256_key_init(&key, "fupin-test-id-key-0123456789abcd",
		    32);
		ready = 1;
	}
	return &key;
}
