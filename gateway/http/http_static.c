/*
 * http_static.c: a directory's files over GET and HEAD (see
 * http_static.h).  Called by the console's route (console_http.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_server.h"
#include "http_static.h"

#define REL_MAX	255	/* bytes of a path under the directory */

/*
 * SPEC 10: no inline script or style, nothing from another host, no
 * framing.  img data: for small icons written in CSS.
 */
#define CSP "default-src 'self'; script-src 'self'; style-src 'self'; " \
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; " \
    "object-src 'none'; base-uri 'none'; form-action 'self'; " \
    "frame-ancestors 'none'"

static const struct {
	const char	*ext;
	const char	*type;
} types[] = {
	{ "html", "text/html; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "json", "application/json" },
	{ "map", "application/json" },
	{ "svg", "image/svg+xml" },
	{ "png", "image/png" },
	{ "ico", "image/x-icon" },
	{ "woff2", "font/woff2" },
	{ "txt", "text/plain; charset=utf-8" },
};

void
http_static_security_headers(struct http_resp *resp)
{
	http_resp_header(resp, "Content-Security-Policy", CSP);
	http_resp_header(resp, "X-Frame-Options", "DENY");
	http_resp_header(resp, "X-Content-Type-Options", "nosniff");
	http_resp_header(resp, "Referrer-Policy", "same-origin");
}

/* Each part of rel plain: [A-Za-z0-9._-], not empty, no leading dot. */
static bool
is_plain_path(const char *rel)
{
	const char *p;
	bool at_start = true;

	if (strlen(rel) > REL_MAX)
		return false;
	for (p = rel; *p != '\0'; p++) {
		char c = *p;

		if (c == '/') {
			if (at_start)
				return false;	/* "//", or a leading '/' */
			at_start = true;
			continue;
		}
		if (at_start && c == '.')
			return false;	/* "..", ".git", ".htpasswd" */
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
		at_start = false;
	}
	return !at_start;	/* not "" and no trailing '/' */
}

static const char *
type_of(const char *rel)
{
	const char *dot = strrchr(rel, '.');
	size_t i;

	if (dot == NULL || strchr(dot, '/') != NULL)
		return NULL;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot + 1, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

/* Does the If-None-Match list hold etag (or "*")? */
static bool
none_match(const char *inm, const char *etag)
{
	size_t n = strlen(etag);
	const char *p = inm;

	while (*p != '\0') {
		size_t len;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		len = strcspn(p, ",");
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if ((len == 1 && *p == '*') || (len == n &&
		    memcmp(p, etag, n) == 0))
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

static void
not_found(struct http_resp *resp)
{
	http_resp_error(resp, 404, "not_found", "no such file");
}

/* The whole of fd (size bytes) into a new buffer; NULL on error. */
static char *
read_all(int fd, size_t size)
{
	char *buf = malloc(size + 1);
	size_t got = 0;

	if (buf == NULL)
		return NULL;
	while (got < size) {
		ssize_t r = read(fd, buf + got, size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(buf);
			return NULL;
		}
		got += (size_t)r;
	}
	return buf;
}

void
http_static_serve(struct http_req *req, struct http_resp *resp,
    const char *dir, const char *rel)
{
	char want[PATH_MAX + REL_MAX + 2], root[PATH_MAX], real[PATH_MAX];
	char etag[96];
	const char *type, *inm;
	struct stat sb;
	size_t rootlen;
	char *body;
	int fd;

	if (*rel == '\0')
		rel = "index.html";
	type = type_of(rel);
	if (!is_plain_path(rel) || type == NULL) {
		not_found(resp);
		return;
	}
	/* The real path, symlinks resolved, must stay under the real
	 * directory: a link out of it (to /etc, to the database) is a 404. */
	if (realpath(dir, root) == NULL ||
	    snprintf(want, sizeof(want), "%s/%s", root, rel) >=
	    (int)sizeof(want) || realpath(want, real) == NULL) {
		not_found(resp);
		return;
	}
	rootlen = strlen(root);
	if (strncmp(real, root, rootlen) != 0 || real[rootlen] != '/') {
		not_found(resp);
		return;
	}
	fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		not_found(resp);
		return;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > HTTP_STATIC_MAX_BYTES) {
		close(fd);
		not_found(resp);
		return;
	}
	/* Changes with the file's content in practice (size, time, inode:
	 * an editor that writes a new file), and costs no read. */
	snprintf(etag, sizeof(etag), "\"%llx-%llx-%llx\"",
	    (unsigned long long)sb.st_ino, (unsigned long long)sb.st_size,
	    (unsigned long long)sb.st_mtim.tv_sec * 1000000000ULL +
	    (unsigned long long)sb.st_mtim.tv_nsec);
	http_resp_header(resp, "ETag", etag);
	http_resp_header(resp, "Cache-Control", "no-cache");
	inm = http_req_header(req, "If-None-Match");
	if (inm != NULL && none_match(inm, etag)) {
		close(fd);
		http_resp_set(resp, 304, NULL, "", 0);
		return;
	}
	body = read_all(fd, (size_t)sb.st_size);
	close(fd);
	if (body == NULL) {
		http_resp_error(resp, 500, "internal", "the file could not be "
		    "read");
		return;
	}
	http_resp_set(resp, 200, type, body, (size_t)sb.st_size);
	free(body);
}
