/*
 * cfg_keys.c: the table of every configuration key (SPEC section 8): its
 * name, type, range and default, and the offset of the field it fills in
 * struct cfg or in a list element.  The table is the parser, the validator
 * and the defaults; config/fupin.conf documents the same rows, so a key
 * added here is added there.  Also the checks of string values that need
 * more than a length or a list of names (addresses, URIs, time zones).
 *
 * cfg_load.c walks these tables; nothing here reads a file.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "cfg_keys.h"
#include "hex.h"
#include "parse.h"

#define ZONEINFO_DIR "/usr/share/zoneinfo"

const char cfg_check_enomem[] = "out of memory";

/* ---- names of enum values (index = enum value) ---- */

static const char *const durability_names[] = {
	[CFG_DURABILITY_NORMAL] = "normal",
	[CFG_DURABILITY_FULL] = "full",
	NULL
};

static const char *const auth_names[] = {
	[CFG_AUTH_LOOPBACK] = "loopback",
	[CFG_AUTH_TOKEN] = "token",
	[CFG_AUTH_HMAC] = "hmac",
	NULL
};

static const char *const provider_type_names[] = {
	[CFG_PROVIDER_FILE] = "file",
	[CFG_PROVIDER_KANNEL] = "kannel",
	[CFG_PROVIDER_HTTP_JSON] = "http_json",
	[CFG_PROVIDER_CMPP] = "cmpp",
	[CFG_PROVIDER_SMPP] = "smpp",
	[CFG_PROVIDER_ALIYUN] = "aliyun",
	[CFG_PROVIDER_TENCENT] = "tencent",
	NULL
};

static const char *const role_names[] = {
	[CFG_ROLE_ADMIN] = "admin",
	[CFG_ROLE_OFFICE] = "office",
	[CFG_ROLE_VIEWER] = "viewer",
	NULL
};

static const char *const language_names[] = { "zh", "ii", "bo", "en", NULL };

static const char *const route_path_names[] = {
	"/sms/kannel", "/sms/inbound", "/ussd", "/dlr", "/dlr/aliyun",
	"/dlr/tencent", NULL
};

/* CFG_ENUM rows write the index through an int. */
_Static_assert(sizeof(enum cfg_role) == sizeof(int), "enum is int-sized");
_Static_assert(sizeof(enum cfg_route_auth) == sizeof(int), "enum size");
_Static_assert(sizeof(enum cfg_provider_type) == sizeof(int), "enum size");
_Static_assert(sizeof(enum cfg_durability) == sizeof(int), "enum size");

const char *
cfg_provider_type_name(enum cfg_provider_type type)
{
	if ((int)type < 0 || (int)type > CFG_PROVIDER_TENCENT)
		return "unknown";
	return provider_type_names[type];
}

const char *
cfg_role_name(enum cfg_role role)
{
	if ((int)role < 0 || (int)role > CFG_ROLE_VIEWER)
		return "unknown";
	return role_names[role];
}

/* ---- checks of string values ---- */

static bool
all_of(const char *s, const char *set)
{
	for (; *s != '\0'; s++)
		if (strchr(set, *s) == NULL)
			return false;
	return true;
}

#define DIGITS "0123456789"
#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" DIGITS

static const char *
check_node_id(const char *v, void *base)
{
	size_t n = strlen(v);

	(void)base;
	if (n < 1 || n > 64 || !all_of(v, ALNUM "._-"))
		return "must be 1 to 64 characters of A-Z a-z 0-9 . _ -";
	return NULL;
}

static const char *
check_shortcode(const char *v, void *base)
{
	size_t n = strlen(v);

	(void)base;
	if (n < 3 || n > 20 || !all_of(v, DIGITS))
		return "must be 3 to 20 digits";
	return NULL;
}

/*
 * Secrets kept in their own file (systemd's LoadCredential, a file only
 * the service can read; "${CREDENTIALS_DIRECTORY}/name" names one of the
 * unit's credentials): the file's content, less a final newline, goes
 * into the secret's field.  Given with the inline key too: refused.
 */
#define SECRET_FILE_MAX 4096

#define CRED_PREFIX "${CREDENTIALS_DIRECTORY}/"

static const char *
read_secret_file(const char *path, char **field, size_t min)
{
	char buf[SECRET_FILE_MAX + 2], full[4096], *dup;
	size_t n;
	FILE *fp;

	if (*field != NULL && **field != '\0')
		return "conflicts with the secret given inline: give one";
	/* Under systemd the unit's credentials directory differs per
	 * unit; one config names it for both programs. */
	if (strncmp(path, CRED_PREFIX, strlen(CRED_PREFIX)) == 0) {
		const char *dir = getenv("CREDENTIALS_DIRECTORY");
		int r;

		if (dir == NULL || *dir == '\0')
			return "names ${CREDENTIALS_DIRECTORY} but it is not set "
			    "(LoadCredential= in the unit)";
		r = snprintf(full, sizeof(full), "%s/%s", dir,
		    path + strlen(CRED_PREFIX));
		if (r < 0 || (size_t)r >= sizeof(full))
			return "names a path that is too long";
		path = full;
	}
	fp = fopen(path, "re");
	if (fp == NULL)
		return "names a file that cannot be read";
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	if (n > SECRET_FILE_MAX)
		return "names a file longer than 4096 bytes";
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	if (n < min || memchr(buf, '\0', n) != NULL) {
		memset(buf, 0, sizeof(buf));
		return min > 1 ? "names a file whose secret is shorter than 16 "
		    "bytes" : "names an empty file";
	}
	dup = strdup(buf);
	memset(buf, 0, sizeof(buf));
	if (dup == NULL)
		return CFG_CHECK_ENOMEM;
	free(*field);
	*field = dup;
	return NULL;
}

static const char *
check_route_secret_file(const char *v, void *base)
{
	return read_secret_file(v, &((struct cfg_route *)base)->secret, 16);
}

static const char *
check_route_token_file(const char *v, void *base)
{
	return read_secret_file(v, &((struct cfg_route *)base)->token, 16);
}

static const char *
check_provider_password_file(const char *v, void *base)
{
	return read_secret_file(v, &((struct cfg_provider *)base)->password,
	    1);
}

static const char *
check_provider_token_file(const char *v, void *base)
{
	return read_secret_file(v, &((struct cfg_provider *)base)->token, 1);
}

/* SMPP 3.4 5.2.4: the bind's password is a C-octet string of 9. */
static const char *
check_provider_password(const char *v, void *base)
{
	if (((struct cfg_provider *)base)->type == CFG_PROVIDER_SMPP &&
	    strlen(v) > 8)
		return "must be at most 8 characters for an smpp provider "
		    "(SMPP 3.4)";
	return NULL;
}

/* CMPP 2.0: Source_Addr is the 6-character SP id; SMPP 3.4 allows 20. */
static const char *
check_source_addr(const char *v, void *base)
{
	if (((struct cfg_provider *)base)->type == CFG_PROVIDER_CMPP &&
	    strlen(v) > 6)
		return "must be at most 6 characters for a cmpp provider "
		    "(the SP id)";
	return NULL;
}

static const char *
check_provider_shared_secret_file(const char *v, void *base)
{
	return read_secret_file(v,
	    &((struct cfg_provider *)base)->shared_secret, 1);
}

static const char *
check_provider_access_key_secret_file(const char *v, void *base)
{
	return read_secret_file(v,
	    &((struct cfg_provider *)base)->access_key_secret, 1);
}

static const char *
check_provider_secret_key_file(const char *v, void *base)
{
	return read_secret_file(v, &((struct cfg_provider *)base)->secret_key,
	    1);
}

static const char *
check_mqtt_password_file(const char *v, void *base)
{
	return read_secret_file(v, &((struct cfg *)base)->mqtt.password, 1);
}

/* Copy v[0..n) into buf (size bufsz) as a string; false when too long. */
static bool
copy_part(char *buf, size_t bufsz, const char *v, size_t n)
{
	if (n >= bufsz)
		return false;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return true;
}

/*
 * Split "host:port" or "[v6]:port" into host (no brackets) and port.
 * `is_v6` says whether the host was bracketed; its syntax is checked.
 */
static bool
split_hostport(const char *v, char *host, size_t hostsz, bool *is_v6,
    int *port)
{
	const char *colon;
	unsigned char addr[16];

	*is_v6 = v[0] == '[';
	if (*is_v6) {
		const char *close = strchr(v, ']');

		if (close == NULL || close[1] != ':' ||
		    !copy_part(host, hostsz, v + 1, (size_t)(close - v - 1)) ||
		    inet_pton(AF_INET6, host, addr) != 1)
			return false;
		colon = close + 1;
	} else {
		colon = strrchr(v, ':');
		if (colon == NULL || colon == v ||
		    !copy_part(host, hostsz, v, (size_t)(colon - v)) ||
		    strchr(host, ':') != NULL)
			return false;
	}
	return parse_int(colon + 1, 1, 65535, port) == FP_OK;
}

/* http.listen: also fills http.listen_host and http.listen_port. */
static const char *
check_listen(const char *v, void *base)
{
	struct cfg *cfg = base;
	char host[64];
	unsigned char addr[4];
	bool is_v6;
	int port;
	char *dup;

	if (!split_hostport(v, host, sizeof(host), &is_v6, &port))
		goto bad;
	if (!is_v6) {
		if (strcmp(host, "localhost") == 0)
			memcpy(host, "127.0.0.1", sizeof("127.0.0.1"));
		else if (inet_pton(AF_INET, host, addr) != 1)
			goto bad;
	}
	dup = strdup(host);
	if (dup == NULL)
		return CFG_CHECK_ENOMEM;
	free(cfg->http.listen_host);
	cfg->http.listen_host = dup;
	cfg->http.listen_port = port;
	return NULL;
bad:
	return "must be \"host:port\" with host an IPv4 address, "
	    "\"[IPv6]\" or localhost and port 1 to 65535";
}

static const char *
check_service_code(const char *v, void *base)
{
	size_t n = strlen(v);
	char mid[64];

	(void)base;
	if (n < 3 || v[0] != '*' || v[n - 1] != '#' ||
	    !copy_part(mid, sizeof(mid), v + 1, n - 2) ||
	    !all_of(mid, DIGITS "*"))
		return "must be a USSD code like \"*123#\" (* then digits "
		    "and *, then #)";
	return NULL;
}

/* A zone name, as a file under ZONEINFO_DIR that starts "TZif". */
static const char *
check_timezone(const char *v, void *base)
{
	static const char msg[] = "must name a time zone file under "
	    ZONEINFO_DIR ", like \"Asia/Shanghai\"";
	char path[256], magic[4] = { 0 };
	struct stat st;
	int fd, n;
	ssize_t r;

	(void)base;
	if (v[0] == '\0' || v[0] == '/' || strstr(v, "..") != NULL ||
	    !all_of(v, ALNUM "/_+-"))
		return msg;
	n = snprintf(path, sizeof(path), "%s/%s", ZONEINFO_DIR, v);
	if (n < 0 || (size_t)n >= sizeof(path))
		return msg;
	fd = open(path, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return msg;
	r = -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		r = read(fd, magic, sizeof(magic));
	close(fd);
	if (r != (ssize_t)sizeof(magic) || memcmp(magic, "TZif", 4) != 0)
		return msg;
	return NULL;
}

/* "HH:MM" → minutes after midnight, or -1. */
static int
hhmm(const char *s)
{
	int i;

	for (i = 0; i < 5; i++) {
		if (i == 2 ? s[i] != ':' : (s[i] < '0' || s[i] > '9'))
			return -1;
	}
	if ((s[0] - '0') * 10 + (s[1] - '0') > 23 || s[3] > '5')
		return -1;
	return ((s[0] - '0') * 10 + (s[1] - '0')) * 60 +
	    (s[3] - '0') * 10 + (s[4] - '0');
}

/* schedule.quiet_hours: also fills has_quiet_hours and start/end. */
static const char *
check_quiet_hours(const char *v, void *base)
{
	struct cfg *cfg = base;
	int start, end;

	if (v[0] == '\0') {
		cfg->schedule.has_quiet_hours = false;
		cfg->schedule.quiet_start_min = 0;
		cfg->schedule.quiet_end_min = 0;
		return NULL;
	}
	if (strlen(v) != 11 || v[5] != '-')
		goto bad;
	start = hhmm(v);
	end = hhmm(v + 6);
	if (start < 0 || end < 0)
		goto bad;
	if (start == end)
		return "must not start and end at the same time";
	cfg->schedule.has_quiet_hours = true;
	cfg->schedule.quiet_start_min = start;
	cfg->schedule.quiet_end_min = end;
	return NULL;
bad:
	return "must be \"HH:MM-HH:MM\" (00:00 to 23:59; may cross midnight) "
	    "or \"\" for none";
}

/* scheme://host:port, with a path only for the websocket schemes. */
static const char *
check_mqtt_uri(const char *v, void *base)
{
	static const char *const schemes[] = { "tcp://", "ssl://",
	    "mqtt://", "mqtts://", "ws://", "wss://", NULL };
	char hostport[256], host[256];
	const char *rest = NULL, *slash;
	bool is_v6;
	int i, port;

	(void)base;
	for (i = 0; schemes[i] != NULL; i++) {
		size_t n = strlen(schemes[i]);

		if (strncmp(v, schemes[i], n) == 0) {
			rest = v + n;
			break;
		}
	}
	if (rest == NULL)
		return "must start with tcp://, ssl://, mqtt://, mqtts://, "
		    "ws:// or wss://";
	slash = strchr(rest, '/');
	if (slash != NULL && v[0] != 'w')
		goto bad;
	if (!copy_part(hostport, sizeof(hostport), rest,
	    slash != NULL ? (size_t)(slash - rest) : strlen(rest)) ||
	    !split_hostport(hostport, host, sizeof(host), &is_v6, &port))
		goto bad;
	if (!is_v6 && !all_of(host, ALNUM ".-_"))
		goto bad;
	if (slash != NULL && !all_of(slash, ALNUM "/._-~"))
		goto bad;
	return NULL;
bad:
	return "must be scheme://host:port (a path only after ws:// or "
	    "wss://)";
}

/* Whether the uri (NULL when it was bad: already reported) uses TLS. */
static bool
uri_is_tls(const char *uri)
{
	return uri == NULL || strncmp(uri, "ssl://", 6) == 0 ||
	    strncmp(uri, "mqtts://", 8) == 0 || strncmp(uri, "wss://", 6) == 0;
}

/* mqtt.ca_file, mqtt.cert_file: only with a TLS uri (the row after
 * mqtt.uri in the table, so the uri is already set).  Whether the file
 * can be read is the bridge's check: the other programs never open it. */
static const char *
check_mqtt_tls_file(const char *v, void *base)
{
	const struct cfg *cfg = base;

	if (v[0] != '\0' && !uri_is_tls(cfg->mqtt.uri))
		return "needs an ssl://, mqtts:// or wss:// uri";
	return NULL;
}

/* mqtt.key_file: as above, and given exactly when mqtt.cert_file is. */
static const char *
check_mqtt_key_file(const char *v, void *base)
{
	const struct cfg *cfg = base;
	bool has_cert = cfg->mqtt.cert_file != NULL &&
	    cfg->mqtt.cert_file[0] != '\0';

	if (has_cert && v[0] == '\0')
		return "must be set when mqtt.cert_file is (the client "
		    "certificate's private key)";
	if (!has_cert && v[0] != '\0')
		return "needs mqtt.cert_file (the client certificate)";
	return check_mqtt_tls_file(v, base);
}

static const char *
check_topic_root(const char *v, void *base)
{
	size_t n = strlen(v);

	(void)base;
	if (n == 0 || strpbrk(v, "+#") != NULL || v[0] == '/' ||
	    v[n - 1] == '/')
		return "must be a non-empty topic without '+' or '#' and "
		    "without a leading or trailing '/'";
	return NULL;
}

static const char *
check_shared_group(const char *v, void *base)
{
	(void)base;
	if (strpbrk(v, "/+#") != NULL)
		return "must not contain '/', '+' or '#'";
	return NULL;
}

static const char *
check_url(const char *v, void *base)
{
	const char *rest = NULL;
	const unsigned char *p;

	(void)base;
	if (strncmp(v, "http://", 7) == 0)
		rest = v + 7;
	else if (strncmp(v, "https://", 8) == 0)
		rest = v + 8;
	if (rest == NULL || rest[0] == '\0' || rest[0] == '/')
		goto bad;
	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f)
			goto bad;
	return NULL;
bad:
	return "must be a URL starting with http:// or https://";
}

/* api.tokens[].token_sha256: decoded into struct cfg_token.sha256. */
static const char *
check_token_sha256(const char *v, void *base)
{
	struct cfg_token *tok = base;
	uint8_t out[32];

	if (hex_decode(v, out, sizeof(out)) != FP_OK)
		return "must be 64 hexadecimal digits (sha256 of the token)";
	memcpy(tok->sha256, out, sizeof(out));
	return NULL;
}

static const char *
check_area(const char *v, void *base)
{
	size_t n = strlen(v);

	(void)base;
	if (n != 0 && (n < 2 || n > 12 || !all_of(v, DIGITS)))
		return "must be \"\" (everywhere) or a region code of 2 to 12 "
		    "digits";
	return NULL;
}

static const char *
check_program_code(const char *v, void *base)
{
	size_t n = strlen(v);

	(void)base;
	if (n < 1 || n > 8 || !all_of(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ" DIGITS))
		return "must be 1 to 8 characters of A-Z 0-9";
	return NULL;
}

/* A number in E.164 form: "+" and 8 to 15 digits. */
static const char *
check_e164(const char *v, void *base)
{
	size_t n = strlen(v);

	(void)base;
	if (n < 9 || n > 16 || v[0] != '+' || v[1] == '0' ||
	    !all_of(v + 1, DIGITS))
		return "must be a number in E.164 form, \"+\" and 8 to 15 "
		    "digits";
	return NULL;
}

static const char *
check_reminder_name(const char *v, void *base)
{
	(void)base;
	if (*v == '\0' || strlen(v) > 32 ||
	    !all_of(v, "abcdefghijklmnopqrstuvwxyz_" DIGITS))
		return "must be 1 to 32 characters of a-z 0-9 _";
	return NULL;
}

static const char *
check_reminder_at(const char *v, void *base)
{
	struct cfg_reminder *r = base;

	if (strlen(v) != 5 || hhmm(v) < 0)
		return "must be a time HH:MM";
	r->at_min = hhmm(v);
	return NULL;
}

/* "MM-DD MM-DD ...": days of the year. */
static const char *
check_reminder_on(const char *v, void *base)
{
	(void)base;
	while (*v != '\0') {
		int m, d;

		if (strlen(v) < 5 || v[2] != '-' || !isdigit((unsigned char)v[0])
		    || !isdigit((unsigned char)v[1]) ||
		    !isdigit((unsigned char)v[3]) ||
		    !isdigit((unsigned char)v[4]))
			return "must be days of the year \"MM-DD MM-DD ...\"";
		m = (v[0] - '0') * 10 + (v[1] - '0');
		d = (v[3] - '0') * 10 + (v[4] - '0');
		if (m < 1 || m > 12 || d < 1 || d > 31)
			return "must be days of the year \"MM-DD MM-DD ...\"";
		v += 5;
		if (*v == ' ')
			v++;
		else if (*v != '\0')
			return "must be days of the year \"MM-DD MM-DD ...\"";
	}
	return NULL;
}

static const char *
check_optional_program(const char *v, void *base)
{
	return *v == '\0' ? NULL : check_program_code(v, base);
}

/* ---- the tables ---- */

#define F(m)	offsetof(struct cfg, m)
#define R(m)	offsetof(struct cfg_route, m)
#define P(m)	offsetof(struct cfg_provider, m)
#define T(m)	offsetof(struct cfg_token, m)
#define G(m)	offsetof(struct cfg_program, m)
#define M(m)	offsetof(struct cfg_reminder, m)
#define MR(m)	offsetof(struct cfg_mt_route, m)
#define KIND(k)	(1u << (k))
#define WEEK	604800

static const struct cfg_key database_keys[] = {
	{ .name = "path", .type = CFG_STR, .min = 1, .def.s = "var/fupin.db",
	  .off = F(database.path) },
	{ .name = "durability", .type = CFG_ENUM, .def.s = "normal",
	  .off = F(database.durability), .names = durability_names },
	{ .name = "id_key_file", .type = CFG_STR, .min = 1,
	  .def.s = "var/id.key", .off = F(database.id_key_file) },
	{ 0 }
};

static const struct cfg_key http_keys[] = {
	{ .name = "listen", .type = CFG_STR, .def.s = "127.0.0.1:8080",
	  .off = F(http.listen), .check = check_listen },
	{ .name = "max_body", .type = CFG_INT64, .min = 1024, .max = 16 << 20,
	  .def.i = 65536, .off = F(http.max_body_bytes) },
	{ .name = "max_connections", .type = CFG_INT, .min = 16,
	  .max = 100000, .def.i = 1000, .off = F(http.max_connections) },
	{ .name = "max_connections_per_ip", .type = CFG_INT, .min = 1,
	  .max = 100000, .def.i = 64, .off = F(http.max_connections_per_ip) },
	{ .name = "connection_timeout", .type = CFG_SPAN, .min = 1,
	  .max = 3600, .def.i = 30, .off = F(http.connection_timeout_s) },
	{ .name = "behind_proxy", .type = CFG_BOOL, .def.b = false,
	  .off = F(http.behind_proxy) },
	{ 0 }
};

static const struct cfg_key route_keys[] = {
	{ .name = "path", .type = CFG_STR, .flags = CFG_REQUIRED | CFG_UNIQUE,
	  .off = R(path), .names = route_path_names },
	{ .name = "auth", .type = CFG_ENUM, .flags = CFG_KIND,
	  .def.s = "loopback", .off = R(auth), .names = auth_names },
	/* SPEC 3.1: a secret or token shorter than 16 bytes is guessable. */
	{ .name = "secret", .type = CFG_STR, .min = 16, .max = 4096,
	  .off = R(secret),
	  .kinds = KIND(CFG_AUTH_HMAC), .needs = KIND(CFG_AUTH_HMAC) },
	{ .name = "token", .type = CFG_STR, .min = 16, .max = 4096,
	  .off = R(token),
	  .kinds = KIND(CFG_AUTH_TOKEN), .needs = KIND(CFG_AUTH_TOKEN) },
	{ .name = "secret_file", .type = CFG_STR, .min = 1,
	  .off = CFG_NOFIELD, .check = check_route_secret_file,
	  .kinds = KIND(CFG_AUTH_HMAC) },
	{ .name = "token_file", .type = CFG_STR, .min = 1,
	  .off = CFG_NOFIELD, .check = check_route_token_file,
	  .kinds = KIND(CFG_AUTH_TOKEN) },
	{ 0 }
};

static const struct cfg_list route_list = {
	.elem_size = sizeof(struct cfg_route), .off_n = F(sms.n_routes),
	.noun = "route",
	.def = "( { path = \"/sms/kannel\"; auth = \"loopback\"; },"
	    " { path = \"/sms/inbound\"; auth = \"loopback\"; } )",
};

static const struct cfg_key sms_keys[] = {
	{ .name = "shortcode", .type = CFG_STR, .def.s = "10690001",
	  .off = F(sms.shortcode), .check = check_shortcode },
	{ .name = "provider", .type = CFG_STR, .min = 1, .def.s = "local",
	  .off = F(sms.provider) },
	{ .name = "max_per_minute", .type = CFG_INT, .min = 1, .max = 10000,
	  .def.i = 10, .off = F(sms.max_per_minute) },
	{ .name = "help_interval", .type = CFG_SPAN, .min = 0, .max = WEEK,
	  .def.i = 3600, .off = F(sms.help_interval_s) },
	{ .name = "max_segments", .type = CFG_INT, .min = 1, .max = 255,
	  .def.i = 8, .off = F(sms.max_segments) },
	{ .name = "dlr_url_allow", .type = CFG_STRS, .min = 8,
	  .off = F(sms.dlr_url_allow) },
	{ .name = "routes", .type = CFG_LIST, .off = F(sms.routes),
	  .sub = route_keys, .list = &route_list },
	{ 0 }
};

#define K_FILE	KIND(CFG_PROVIDER_FILE)
#define K_KANNEL	KIND(CFG_PROVIDER_KANNEL)
#define K_JSON	KIND(CFG_PROVIDER_HTTP_JSON)
#define K_CMPP	KIND(CFG_PROVIDER_CMPP)
#define K_SMPP	KIND(CFG_PROVIDER_SMPP)
#define K_LINK	(K_CMPP | K_SMPP)
#define K_ALIYUN	KIND(CFG_PROVIDER_ALIYUN)
#define K_TENCENT	KIND(CFG_PROVIDER_TENCENT)
#define K_CLOUD	(K_ALIYUN | K_TENCENT)

static const char *const cmpp_version_names[] = { "2.0", NULL };

static const struct cfg_key provider_keys[] = {
	{ .name = "name", .type = CFG_STR, .flags = CFG_REQUIRED | CFG_UNIQUE,
	  .min = 1, .off = P(name) },
	{ .name = "type", .type = CFG_ENUM, .flags = CFG_REQUIRED | CFG_KIND,
	  .off = P(type), .names = provider_type_names },
	{ .name = "rate", .type = CFG_INT, .min = 1, .max = 100000,
	  .def.i = 50, .off = P(rate_per_s) },
	{ .name = "connections", .type = CFG_INT, .min = 1, .max = 64,
	  .def.i = 4, .off = P(connections) },
	{ .name = "max_attempts", .type = CFG_INT, .min = 1, .max = 100,
	  .def.i = 8, .off = P(max_attempts) },
	{ .name = "timeout", .type = CFG_SPAN, .min = 1, .max = 300,
	  .def.i = 10, .off = P(timeout_s) },
	{ .name = "validity", .type = CFG_SPAN, .min = 60, .max = WEEK,
	  .def.i = 86400, .off = P(validity_s) },
	{ .name = "path", .type = CFG_STR, .off = P(path),
	  .kinds = K_FILE, .needs = K_FILE },
	{ .name = "url", .type = CFG_STR, .off = P(url), .check = check_url,
	  .kinds = K_KANNEL | K_JSON, .needs = K_KANNEL | K_JSON },
	{ .name = "username", .type = CFG_STR, .off = P(username),
	  .kinds = K_KANNEL, .needs = K_KANNEL },
	{ .name = "password", .type = CFG_STR, .off = P(password),
	  .check = check_provider_password, .kinds = K_KANNEL | K_SMPP,
	  .needs = K_KANNEL | K_SMPP },
	{ .name = "password_file", .type = CFG_STR, .min = 1,
	  .off = CFG_NOFIELD, .check = check_provider_password_file,
	  .kinds = K_KANNEL | K_SMPP },
	/* default "http://" + http.listen: set in cfg_load.c's cross-field pass */
	{ .name = "dlr_base", .type = CFG_STR, .off = P(dlr_base),
	  .check = check_url, .kinds = K_KANNEL },
	{ .name = "token", .type = CFG_STR, .off = P(token),
	  .kinds = K_JSON, .needs = K_JSON },
	{ .name = "token_file", .type = CFG_STR, .min = 1,
	  .off = CFG_NOFIELD, .check = check_provider_token_file,
	  .kinds = K_JSON },
	{ .name = "sign_name", .type = CFG_STR, .def.s = "",
	  .off = P(sign_name), .kinds = K_JSON | K_CLOUD, .needs = K_CLOUD },
	{ .name = "template_code", .type = CFG_STR, .def.s = "",
	  .off = P(template_code), .kinds = K_JSON },
	{ .name = "id_field", .type = CFG_STR, .min = 1, .def.s = "id",
	  .off = P(id_field), .kinds = K_JSON },
	/* SPEC 11: operator links.  port and window 0: the type's default,
	 * set in cfg_load.c's cross-field pass. */
	{ .name = "host", .type = CFG_STR, .min = 1, .max = 255,
	  .off = P(host), .kinds = K_LINK, .needs = K_LINK },
	{ .name = "port", .type = CFG_INT, .min = 1, .max = 65535,
	  .off = P(port), .kinds = K_LINK },
	{ .name = "source_addr", .type = CFG_STR, .min = 1, .max = 20,
	  .off = P(source_addr), .check = check_source_addr,
	  .kinds = K_LINK, .needs = K_CMPP },
	{ .name = "shared_secret", .type = CFG_STR, .max = 4096,
	  .off = P(shared_secret), .kinds = K_CMPP, .needs = K_CMPP },
	{ .name = "shared_secret_file", .type = CFG_STR, .min = 1,
	  .off = CFG_NOFIELD, .check = check_provider_shared_secret_file,
	  .kinds = K_CMPP },
	{ .name = "service_id", .type = CFG_STR, .max = 10, .def.s = "",
	  .off = P(service_id), .kinds = K_CMPP },
	{ .name = "src_id", .type = CFG_STR, .max = 21, .off = P(src_id),
	  .kinds = K_CMPP },
	{ .name = "window", .type = CFG_INT, .min = 1, .max = 1024,
	  .off = P(window), .kinds = K_LINK },
	{ .name = "version", .type = CFG_STR, .def.s = "2.0",
	  .off = P(version), .names = cmpp_version_names, .kinds = K_CMPP },
	/* SMPP 3.4 5.2.1, 5.2.3: C-octet strings of 16 and 13 octets. */
	{ .name = "system_id", .type = CFG_STR, .min = 1, .max = 15,
	  .off = P(system_id), .kinds = K_SMPP, .needs = K_SMPP },
	{ .name = "system_type", .type = CFG_STR, .max = 12, .def.s = "",
	  .off = P(system_type), .kinds = K_SMPP },
	{ .name = "enquire_link", .type = CFG_SPAN, .min = 5, .max = 3600,
	  .def.i = 30, .off = P(enquire_link_s), .kinds = K_SMPP },
	{ .name = "throughput", .type = CFG_INT, .min = 0, .max = 100000,
	  .def.i = 0, .off = P(throughput_per_s), .kinds = K_SMPP },
	/* SPEC 11: the clouds' SMS APIs.  endpoint and region default per
	 * type in cfg_load.c's cross-field pass. */
	{ .name = "endpoint", .type = CFG_STR, .off = P(endpoint),
	  .check = check_url, .kinds = K_CLOUD },
	{ .name = "region", .type = CFG_STR, .min = 1, .max = 64,
	  .off = P(region), .kinds = K_CLOUD },
	{ .name = "access_key_id", .type = CFG_STR, .max = 128,
	  .off = P(access_key_id), .kinds = K_ALIYUN, .needs = K_ALIYUN },
	{ .name = "access_key_secret", .type = CFG_STR, .max = 4096,
	  .off = P(access_key_secret), .kinds = K_ALIYUN,
	  .needs = K_ALIYUN },
	{ .name = "access_key_secret_file", .type = CFG_STR, .min = 1,
	  .off = CFG_NOFIELD, .check = check_provider_access_key_secret_file,
	  .kinds = K_ALIYUN },
	{ .name = "secret_id", .type = CFG_STR, .max = 128,
	  .off = P(secret_id), .kinds = K_TENCENT, .needs = K_TENCENT },
	{ .name = "secret_key", .type = CFG_STR, .max = 4096,
	  .off = P(secret_key), .kinds = K_TENCENT, .needs = K_TENCENT },
	{ .name = "secret_key_file", .type = CFG_STR, .min = 1,
	  .off = CFG_NOFIELD, .check = check_provider_secret_key_file,
	  .kinds = K_TENCENT },
	{ .name = "sdk_app_id", .type = CFG_STR, .max = 32,
	  .off = P(sdk_app_id), .kinds = K_TENCENT, .needs = K_TENCENT },
	/* Issue 16: failover; checked against the other providers in
	 * cfg_mt.c. */
	{ .name = "failover", .type = CFG_STR, .min = 1, .off = P(failover) },
	{ .name = "failover_after", .type = CFG_SPAN, .min = 1, .max = 86400,
	  .def.i = 300, .off = P(failover_after_s) },
	{ 0 }
};

static const struct cfg_list provider_list = {
	.elem_size = sizeof(struct cfg_provider), .off_n = F(n_providers),
	.noun = "provider",
	.def = "( { name = \"local\"; type = \"file\";"
	    " path = \"var/outbox.jsonl\"; } )",
};

/* Issue 16: routing by number prefix; checked in cfg_mt.c. */
static const struct cfg_key mt_route_keys[] = {
	{ .name = "prefixes", .type = CFG_STRS, .min = 2,
	  .off = MR(prefixes) },
	{ .name = "provider", .type = CFG_STR, .flags = CFG_REQUIRED, .min = 1,
	  .off = MR(provider) },
	{ 0 }
};

static const struct cfg_list mt_route_list = {
	.elem_size = sizeof(struct cfg_mt_route), .off_n = F(n_mt_routes),
	.noun = "rule",
};

static const struct cfg_key ussd_keys[] = {
	{ .name = "service_code", .type = CFG_STR, .def.s = "*123#",
	  .off = F(ussd.service_code), .check = check_service_code },
	{ .name = "max_chars", .type = CFG_INT, .min = 20, .max = 500,
	  .def.i = 182, .off = F(ussd.max_chars) },
	{ .name = "max_ucs2_chars", .type = CFG_INT, .min = 10, .max = 250,
	  .def.i = 80, .off = F(ussd.max_ucs2_chars) },
	{ .name = "session_timeout", .type = CFG_SPAN, .min = 10, .max = 3600,
	  .def.i = 180, .off = F(ussd.session_timeout_s) },
	{ .name = "lockout", .type = CFG_SPAN, .min = 60, .max = WEEK,
	  .def.i = 3600, .off = F(ussd.lockout_s) },
	{ 0 }
};

static const struct cfg_key schedule_keys[] = {
	{ .name = "timezone", .type = CFG_STR, .def.s = "Asia/Shanghai",
	  .off = F(schedule.timezone), .check = check_timezone },
	{ .name = "quiet_hours", .type = CFG_STR, .def.s = "21:00-08:00",
	  .off = F(schedule.quiet_hours), .check = check_quiet_hours },
	{ .name = "max_notices_per_day", .type = CFG_INT, .min = 0,
	  .max = 100, .def.i = 3, .off = F(schedule.max_notices_per_day) },
	{ .name = "ack_timeout", .type = CFG_SPAN, .min = 60, .max = WEEK,
	  .def.i = 7200, .off = F(schedule.ack_timeout_s) },
	/* Finished broadcasts' recipient rows are pruned after this many
	 * days (their counts are kept). */
	{ .name = "retention_days", .type = CFG_INT, .min = 1, .max = 3650,
	  .def.i = 90, .off = F(schedule.retention_days) },
	{ 0 }
};

static const struct cfg_key mqtt_keys[] = {
	{ .name = "uri", .type = CFG_STR, .def.s = "tcp://127.0.0.1:1883",
	  .off = F(mqtt.uri), .check = check_mqtt_uri },
	/* Relayed events are kept this long, then pruned. */
	{ .name = "event_retention", .type = CFG_SPAN, .min = 3600,
	  .max = 365 * 86400, .def.i = 7 * 86400,
	  .off = F(mqtt.event_retention_s) },
	/* How often the bridge logs its bridge.stats line. */
	{ .name = "stats_interval", .type = CFG_SPAN, .min = 1, .max = 86400,
	  .def.i = 60, .off = F(mqtt.stats_interval_s) },
	{ .name = "client_id", .type = CFG_STR, .min = 1, .max = 64,
	  .def.s = "fupin-gw1", .off = F(mqtt.client_id) },
	{ .name = "topic_root", .type = CFG_STR, .def.s = "fupin/v1",
	  .off = F(mqtt.topic_root), .check = check_topic_root },
	{ .name = "shared_group", .type = CFG_STR, .def.s = "",
	  .off = F(mqtt.shared_group), .check = check_shared_group },
	{ .name = "include_msisdn", .type = CFG_BOOL, .def.b = false,
	  .off = F(mqtt.include_msisdn) },
	{ .name = "username", .type = CFG_STR, .def.s = "",
	  .off = F(mqtt.username) },
	{ .name = "password", .type = CFG_STR, .def.s = "",
	  .off = F(mqtt.password) },
	{ .name = "password_file", .type = CFG_STR, .min = 1,
	  .off = CFG_NOFIELD, .check = check_mqtt_password_file },
	/* TLS; ca_file "" = the system's CA store.  In this order: each
	 * check reads the rows before it. */
	{ .name = "ca_file", .type = CFG_STR, .def.s = "",
	  .off = F(mqtt.ca_file), .check = check_mqtt_tls_file },
	{ .name = "cert_file", .type = CFG_STR, .def.s = "",
	  .off = F(mqtt.cert_file), .check = check_mqtt_tls_file },
	{ .name = "key_file", .type = CFG_STR, .def.s = "",
	  .off = F(mqtt.key_file), .check = check_mqtt_key_file },
	{ 0 }
};

static const struct cfg_key token_keys[] = {
	{ .name = "name", .type = CFG_STR, .flags = CFG_REQUIRED | CFG_UNIQUE,
	  .min = 1, .off = T(name) },
	{ .name = "token_sha256", .type = CFG_STR, .flags = CFG_REQUIRED,
	  .off = CFG_NOFIELD, .check = check_token_sha256 },
	{ .name = "role", .type = CFG_ENUM, .def.s = "viewer",
	  .off = T(role), .names = role_names },
	{ .name = "area", .type = CFG_STR, .def.s = "", .off = T(area),
	  .check = check_area },
	{ 0 }
};

static const struct cfg_list token_list = {
	.elem_size = sizeof(struct cfg_token), .off_n = F(api.n_tokens),
	.noun = "token",
};

static const struct cfg_key api_keys[] = {
	{ .name = "tokens", .type = CFG_LIST, .off = F(api.tokens),
	  .sub = token_keys, .list = &token_list },
	{ 0 }
};

static const struct cfg_key templates_keys[] = {
	{ .name = "dir", .type = CFG_STR, .min = 1, .def.s = "templates",
	  .off = F(templates.dir) },
	{ .name = "default_language", .type = CFG_STR, .def.s = "zh",
	  .off = F(templates.default_language), .names = language_names },
	{ .name = "show_incomplete", .type = CFG_BOOL, .def.b = false,
	  .off = F(templates.show_incomplete) },
	{ 0 }
};

/* SPEC 10: the program offices' console. */
static const struct cfg_key console_keys[] = {
	{ .name = "enabled", .type = CFG_BOOL, .def.b = true,
	  .off = F(console.enabled) },
	{ .name = "dir", .type = CFG_STR, .min = 1, .def.s = "web",
	  .off = F(console.dir) },
	{ .name = "session_idle", .type = CFG_SPAN, .min = 60, .max = 43200,
	  .def.i = 1800, .off = F(console.session_idle_s) },
	{ .name = "secure_cookie", .type = CFG_BOOL, .def.b = false,
	  .off = F(console.secure_cookie) },
	/* +86 100 0000 0000: no mobile prefix is 10x and a Beijing line
	 * has 10 digits, so no number that enters the gateway (webhooks,
	 * imports, the API: msisdn_normalize) can ever be this one. */
	{ .name = "phone_msisdn", .type = CFG_STR, .def.s = "+8610000000000",
	  .off = F(console.phone_msisdn), .check = check_e164 },
	{ .name = "phone_per_minute", .type = CFG_INT, .min = 1, .max = 600,
	  .def.i = 30, .off = F(console.phone_per_minute) },
	{ 0 }
};

static const struct cfg_key program_keys[] = {
	{ .name = "code", .type = CFG_STR, .flags = CFG_REQUIRED | CFG_UNIQUE,
	  .off = G(code), .check = check_program_code },
	{ .name = "name", .type = CFG_STR, .flags = CFG_REQUIRED, .min = 1,
	  .off = G(name) },
	{ 0 }
};

/* SPEC section 9: the three programs; the file may add more. */
static const struct cfg_list program_list = {
	.elem_size = sizeof(struct cfg_program), .off_n = F(n_programs),
	.noun = "program", .adds = true,
	.def = "( { code = \"YL\"; name = \"雨露计划\"; },"
	    " { code = \"CY\"; name = \"返乡创业\"; },"
	    " { code = \"XD\"; name = \"扶贫小额信贷\"; } )",
};

static const char *const reminder_type_names[] = { "training", "dated",
    NULL };
static const char *const enrollment_names[] = { "", "enrolled", "requested",
    "completed", NULL };
static const char *const hh_status_names[] = { "", "poor", "exited",
    "monitored", NULL };
static const char *const language_or_any_names[] = { "", "zh", "ii", "bo",
    "en", NULL };

static const struct cfg_key reminder_keys[] = {
	{ .name = "name", .type = CFG_STR, .flags = CFG_REQUIRED | CFG_UNIQUE,
	  .off = M(name), .check = check_reminder_name },
	{ .name = "type", .type = CFG_ENUM, .def.s = "training",
	  .off = M(type), .names = reminder_type_names },
	{ .name = "template", .type = CFG_STR, .flags = CFG_REQUIRED,
	  .off = M(template_name), .check = check_reminder_name },
	{ .name = "days_before", .type = CFG_INT, .min = 0, .max = 60,
	  .def.i = 3, .off = M(days_before) },
	{ .name = "at", .type = CFG_STR, .def.s = "09:00", .off = M(at),
	  .check = check_reminder_at },
	{ .name = "on", .type = CFG_STR, .def.s = "", .off = M(on),
	  .check = check_reminder_on },
	{ .name = "program", .type = CFG_STR, .def.s = "", .off = M(program),
	  .check = check_optional_program },
	{ .name = "enrollment", .type = CFG_STR, .def.s = "",
	  .off = M(enrollment), .names = enrollment_names },
	{ .name = "status", .type = CFG_STR, .def.s = "", .off = M(status),
	  .names = hh_status_names },
	{ .name = "area", .type = CFG_STR, .def.s = "", .off = M(area),
	  .check = check_area },
	{ .name = "language", .type = CFG_STR, .def.s = "",
	  .off = M(language), .names = language_or_any_names },
	{ 0 }
};

static const struct cfg_list reminder_list = {
	.elem_size = sizeof(struct cfg_reminder), .off_n = F(n_reminders),
	.noun = "reminder",
};

const struct cfg_key cfg_keys_root[] = {
	{ .name = "node_id", .type = CFG_STR, .def.s = "gw1",
	  .off = F(node_id), .check = check_node_id },
	{ .name = "database", .type = CFG_GROUP, .sub = database_keys },
	{ .name = "http", .type = CFG_GROUP, .sub = http_keys },
	{ .name = "sms", .type = CFG_GROUP, .sub = sms_keys },
	{ .name = "providers", .type = CFG_LIST, .off = F(providers),
	  .sub = provider_keys, .list = &provider_list },
	{ .name = "mt_routes", .type = CFG_LIST, .off = F(mt_routes),
	  .sub = mt_route_keys, .list = &mt_route_list },
	{ .name = "ussd", .type = CFG_GROUP, .sub = ussd_keys },
	{ .name = "schedule", .type = CFG_GROUP, .sub = schedule_keys },
	{ .name = "mqtt", .type = CFG_GROUP, .sub = mqtt_keys },
	{ .name = "api", .type = CFG_GROUP, .sub = api_keys },
	{ .name = "templates", .type = CFG_GROUP, .sub = templates_keys },
	{ .name = "console", .type = CFG_GROUP, .sub = console_keys },
	{ .name = "programs", .type = CFG_LIST, .off = F(programs),
	  .sub = program_keys, .list = &program_list },
	{ .name = "reminders", .type = CFG_LIST, .off = F(reminders),
	  .sub = reminder_keys, .list = &reminder_list },
	{ 0 }
};
