/*
 * http_static.h: files of one directory over GET and HEAD (the console's
 * web/, SPEC 10), with the headers a browser application needs: a
 * strict Content-Security-Policy (no inline script, nothing from another
 * host), X-Frame-Options: DENY, X-Content-Type-Options: nosniff, an ETag
 * (304 to a matching If-None-Match) and Cache-Control: no-cache (the
 * browser keeps the file and asks each time whether it changed).
 *
 * Only plain names are served: each part of the path is [A-Za-z0-9._-]
 * and does not start with a dot ("..", ".git" and hidden files are
 * refused), only the types in the table (html, css, js, json, svg, png,
 * ico, woff2, txt, map), only regular files, and only files whose real
 * path (symlinks resolved) is inside the directory.  Anything else is a
 * 404 that says nothing more.
 */
#ifndef FP_HTTP_STATIC_H
#define FP_HTTP_STATIC_H

struct http_req;
struct http_resp;

#define HTTP_STATIC_MAX_BYTES	(8 << 20)	/* a bigger file is a 404 */

/*
 * Answer `req` with the file `rel` (a path relative to `dir`, "" for
 * index.html) or a 404, with the headers above.
 */
void http_static_serve(struct http_req *req, struct http_resp *resp,
    const char *dir, const char *rel);

/* The security headers of every console answer (CSP, frames, sniffing,
 * referrer), also for pages the gateway writes itself. */
void http_static_security_headers(struct http_resp *resp);

#endif
