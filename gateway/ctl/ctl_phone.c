/*
 * ctl_phone.c: fupinctl phone NUMBER [CODE]: a basic phone on the
 * terminal, against the running gateway's POST /ussd (SPEC 3.3), so
 * that program staff can try a menu before it goes live.  Each screen is
 * drawn in a phone-sized box; the digits typed are sent as the
 * aggregator would (all inputs so far, joined by '*'); CON waits for the
 * next input, END ends the call, and so does ussd.session_timeout
 * without an answer.  "q" hangs up.
 *
 * Exit 0 when the call ended (END, hang-up or timeout), 64 usage, 69
 * when the gateway cannot be reached or refuses the request.
 */
#include <curl/curl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "hex.h"
#include "msisdn.h"
#include "sha256.h"
#include "strbuf.h"

#define SCREEN_COLS	20	/* a basic phone's line, in columns */
#define INPUTS_MAX	2048

/* libcurl's write callback: the answer into a struct strbuf. */
static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
	struct strbuf *a = arg;

	strbuf_add(a, p, size * n);
	return a->failed ? 0 : size * n;
}

/* Columns a code point takes on a terminal: wide scripts 2, marks 0. */
static int
columns(unsigned cp)
{
	if ((cp >= 0x0F71 && cp <= 0x0F84) || (cp >= 0x0F8D && cp <= 0x0FBC) ||
	    (cp >= 0x0300 && cp <= 0x036F))
		return 0;
	if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
	    (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	    (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
	    (cp >= 0xFFE0 && cp <= 0xFFE6) || cp >= 0x1F300)
		return 2;
	return 1;
}

/* One UTF-8 character at s: its length; *cp its code point. */
static size_t
next_char(const char *s, unsigned *cp)
{
	const unsigned char *u = (const unsigned char *)s;

	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if ((u[0] & 0xE0) == 0xC0 && u[1] != 0) {
		*cp = ((u[0] & 0x1Fu) << 6) | (u[1] & 0x3Fu);
		return 2;
	}
	if ((u[0] & 0xF0) == 0xE0 && u[1] != 0 && u[2] != 0) {
		*cp = ((u[0] & 0x0Fu) << 12) | ((u[1] & 0x3Fu) << 6) |
		    (u[2] & 0x3Fu);
		return 3;
	}
	if (u[1] != 0 && u[2] != 0 && u[3] != 0) {
		*cp = ((u[0] & 0x07u) << 18) | ((u[1] & 0x3Fu) << 12) |
		    ((u[2] & 0x3Fu) << 6) | (u[3] & 0x3Fu);
		return 4;
	}
	*cp = '?';
	return 1;
}

static void
border(const char *left, const char *right)
{
	int i;

	fputs(left, stdout);
	for (i = 0; i < SCREEN_COLS + 2; i++)
		fputs("─", stdout);
	fputs(right, stdout);
	fputc('\n', stdout);
}

/* The screen in a box, lines wrapped at SCREEN_COLS columns. */
static void
draw(const char *screen, bool end)
{
	const char *p = screen;

	border("┌", "┐");
	while (*p != '\0') {
		int used = 0;

		fputs("│ ", stdout);
		while (*p != '\0' && *p != '\n') {
			unsigned cp;
			size_t n = next_char(p, &cp);
			int w = columns(cp);

			if (used + w > SCREEN_COLS)
				break;
			fwrite(p, 1, n, stdout);
			used += w;
			p += n;
		}
		if (*p == '\n')
			p++;
		printf("%*s │\n", SCREEN_COLS - used, "");
	}
	border("└", "┘");
	printf("%s\n", end ? "(call ended)" : "(type digits and Enter; "
	    "q hangs up)");
	fflush(stdout);
}

/* The URL of POST /ussd on the configured listen address. */
static void
ussd_url(const struct cfg *cfg, const struct cfg_route *route, char *url,
    size_t len)
{
	const char *host = cfg->http.listen_host;

	if (strcmp(host, "0.0.0.0") == 0)
		host = "127.0.0.1";
	else if (strcmp(host, "::") == 0)
		host = "::1";
	snprintf(url, len, "http://%s%s%s:%d/ussd%s%s",
	    strchr(host, ':') != NULL ? "[" : "", host,
	    strchr(host, ':') != NULL ? "]" : "", cfg->http.listen_port,
	    route != NULL && route->auth == CFG_AUTH_TOKEN ? "?token=" : "",
	    route != NULL && route->auth == CFG_AUTH_TOKEN ? route->token : "");
}

/* One request; EX_UNAVAILABLE (with a message) when it failed. */
static int
send_step(CURL *curl, const struct cfg *cfg, const char *url,
    const char *body, struct strbuf *a)
{
	const struct cfg_route *route = cfg_route_find(cfg, "/ussd");
	struct curl_slist *hdrs = NULL;
	char sig[96];
	long status = 0;
	CURLcode rc;

	strbuf_free(a);
	hdrs = curl_slist_append(hdrs,
	    "Content-Type: application/x-www-form-urlencoded");
	if (route != NULL && route->auth == CFG_AUTH_HMAC) {
		struct hmac_sha256_key key;
		uint8_t mac[SHA256_LEN];
		char hex[2 * SHA256_LEN + 1];

		hmac_sha256_key_init(&key, route->secret, strlen(route->secret));
		hmac_sha256(&key, body, strlen(body), mac);
		hex_encode(mac, SHA256_LEN, hex);
		snprintf(sig, sizeof(sig), "X-Fupin-Signature: sha256=%s", hex);
		hdrs = curl_slist_append(hdrs, sig);
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
	rc = curl_easy_perform(curl);
	curl_slist_free_all(hdrs);
	if (rc != CURLE_OK) {
		fprintf(stderr, "fupinctl phone: %s: %s\n", url,
		    curl_easy_strerror(rc));
		return EX_UNAVAILABLE;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200 || a->s == NULL || (strncmp(a->s, "CON ", 4) != 0 &&
	    strncmp(a->s, "END ", 4) != 0)) {
		fprintf(stderr, "fupinctl phone: the gateway answered %ld: %s\n",
		    status, strbuf_str(a));
		return EX_UNAVAILABLE;
	}
	return EX_OK;
}

/*
 * Read one line of input within timeout_s; NULL on EOF or timeout
 * (*timed_out says which).
 */
static char *
read_input(char *buf, size_t len, int timeout_s, bool *timed_out)
{
	struct pollfd pfd = { STDIN_FILENO, POLLIN, 0 };
	int r;

	*timed_out = false;
	printf("> ");
	fflush(stdout);
	r = poll(&pfd, 1, timeout_s * 1000);
	if (r == 0) {
		*timed_out = true;
		return NULL;
	}
	if (fgets(buf, (int)len, stdin) == NULL)
		return NULL;
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf;
}

static int
call(const struct cfg *cfg, const char *e164, const char *code)
{
	char url[512], sid[64], inputs[INPUTS_MAX] = "", line[256];
	struct strbuf a = STRBUF_INIT, body = STRBUF_INIT;
	CURL *curl;
	int rc = EX_OK;

	curl = curl_easy_init();
	if (curl == NULL)
		return EX_SOFTWARE;
	ussd_url(cfg, cfg_route_find(cfg, "/ussd"), url, sizeof(url));
	snprintf(sid, sizeof(sid), "phone-%ld-%ld", (long)getpid(),
	    (long)time(NULL));
	printf("Calling %s from %s (gateway %s)\n", code, e164, url);
	for (;;) {
		bool timed_out;
		size_t n;

		strbuf_printf(&body, "sessionId=%s&serviceCode=", sid);
		strbuf_add_urlenc(&body, code);
		strbuf_adds(&body, "&phoneNumber=");
		strbuf_add_urlenc(&body, e164);
		strbuf_adds(&body, "&text=");
		strbuf_add_urlenc(&body, inputs);
		if (body.failed) {
			strbuf_free(&body);
			rc = EX_SOFTWARE;
			break;
		}
		rc = send_step(curl, cfg, url, body.s, &a);
		strbuf_free(&body);
		if (rc != EX_OK)
			break;
		draw(a.s + 4, strncmp(a.s, "END ", 4) == 0);
		if (strncmp(a.s, "END ", 4) == 0)
			break;
		if (read_input(line, sizeof(line), cfg->ussd.session_timeout_s,
		    &timed_out) == NULL) {
			printf("\n%s\n", timed_out ? "(session timed out)" :
			    "(hung up)");
			break;
		}
		if (strcmp(line, "q") == 0) {
			printf("(hung up)\n");
			break;
		}
		n = strlen(inputs);
		if (n + strlen(line) + 2 >= sizeof(inputs)) {
			printf("(too many inputs: hung up)\n");
			break;
		}
		/* The first answer after the dial screen has no leading '*'. */
		snprintf(inputs + n, sizeof(inputs) - n, "%s%s",
		    *inputs != '\0' ? "*" : "", line);
	}
	strbuf_free(&a);
	curl_easy_cleanup(curl);
	return rc;
}

int
ctl_phone(const struct cfg *cfg, int argc, char **argv)
{
	char e164[MSISDN_MAX];
	const char *why = NULL;
	int rc;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: fupinctl phone NUMBER [CODE]\n");
		return EX_USAGE;
	}
	if (msisdn_normalize(argv[1], e164, &why) != FP_OK) {
		fprintf(stderr, "fupinctl phone: %s: %s\n", argv[1], why);
		return EX_USAGE;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = call(cfg, e164, argc == 3 ? argv[2] : cfg->ussd.service_code);
	curl_global_cleanup();
	return rc;
}
