/*
 * cfg.h: the configuration of all three programs (SPEC section 8), loaded
 * from one libconfig file.  cfg_keys.c holds the table of every key with
 * its type, range and default; cfg_load.c parses, rejects unknown keys, checks
 * each value and then the fields that depend on each other.
 *
 * The result is a frozen, heap-allocated struct cfg owned by the caller
 * (cfg_free).  Nothing here touches the database or the network.
 */
#ifndef FP_CFG_H
#define FP_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define CFG_DEFAULT_PATH "config/fupin.conf"

enum cfg_durability {
	CFG_DURABILITY_NORMAL,	/* survives a process crash */
	CFG_DURABILITY_FULL,	/* also survives power loss */
};

enum cfg_route_auth {
	CFG_AUTH_LOOPBACK,
	CFG_AUTH_TOKEN,
	CFG_AUTH_HMAC,
};

struct cfg_route {
	char	*path;		/* "/sms/kannel", "/sms/inbound", "/ussd", "/dlr" */
	enum cfg_route_auth auth;
	char	*secret;	/* hmac: the shared secret, else NULL */
	char	*token;		/* token: the query token, else NULL */
};

enum cfg_provider_type {
	CFG_PROVIDER_FILE,
	CFG_PROVIDER_KANNEL,
	CFG_PROVIDER_HTTP_JSON,
	CFG_PROVIDER_CMPP,	/* SPEC 11: China Mobile CMPP 2.0 SP link */
	CFG_PROVIDER_SMPP,	/* SPEC 11: SMPP 3.4 transceiver */
	CFG_PROVIDER_ALIYUN,	/* SPEC 11: Alibaba Cloud SMS SendSms */
	CFG_PROVIDER_TENCENT,	/* SPEC 11: Tencent Cloud SMS SendSms */
};

struct cfg_provider {
	char	*name;
	enum cfg_provider_type type;
	int	 rate_per_s;		/* key "rate", default 50 */
	int	 connections;		/* default 4 */
	int	 max_attempts;		/* default 8 */
	int	 timeout_s;		/* key "timeout", default 10 */
	int	 validity_s;		/* key "validity", default 86400 */
	char	*path;			/* file: output JSONL file */
	char	*url;			/* kannel, http_json */
	char	*username;		/* kannel */
	char	*password;		/* kannel, smpp (secret) */
	char	*dlr_base;		/* kannel: base URL of our /dlr/kannel;
					 * default "http://<http.listen>" */
	char	*token;			/* http_json: bearer token (secret) */
	char	*sign_name;		/* http_json: optional, "" if unset;
					 * aliyun, tencent: required */
	char	*template_code;		/* http_json: optional, "" if unset */
	char	*id_field;		/* http_json: default "id" */
	char	*host;			/* cmpp: the ISMG's address; smpp:
					 * the SMSC's */
	int	 port;			/* cmpp: default 7890, smpp: 2775 (0
					 * in the table: the type's default) */
	char	*source_addr;		/* cmpp: the SP id (Source_Addr);
					 * smpp: the sender of every message,
					 * NULL: each message's own */
	char	*shared_secret;		/* cmpp (secret) */
	char	*service_id;		/* cmpp: Service_Id, default "" */
	char	*src_id;		/* cmpp: Src_Id, the SP's access
					 * number; default sms.shortcode */
	int	 window;		/* cmpp, smpp: unacknowledged submits,
					 * default 16, 10 (0 in the table) */
	char	*version;		/* cmpp: "2.0" */
	char	*system_id;		/* smpp: bind's system_id */
	char	*system_type;		/* smpp: bind's system_type, "" */
	int	 enquire_link_s;	/* smpp: key "enquire_link", 30 */
	int	 throughput_per_s;	/* smpp: key "throughput": submits
					 * per second the SMSC allows this
					 * bind; 0: only `rate` limits */
	char	*endpoint;		/* aliyun, tencent: the API's URL;
					 * default the cloud's public one */
	char	*region;		/* aliyun: RegionId, "cn-hangzhou";
					 * tencent: X-TC-Region,
					 * "ap-guangzhou" */
	char	*access_key_id;		/* aliyun */
	char	*access_key_secret;	/* aliyun (secret) */
	char	*secret_id;		/* tencent */
	char	*secret_key;		/* tencent (secret) */
	char	*sdk_app_id;		/* tencent: SmsSdkAppId */
	char	*failover;		/* another provider's name: where this
					 * one's due messages go once it has
					 * been down failover_after_s; NULL:
					 * none (route.h, sender.h) */
	int	 failover_after_s;	/* key "failover_after", 300 */
};

/*
 * One rule of mt_routes (issue 16): a message whose provider was not
 * chosen explicitly goes to `provider` when its number starts with one
 * of `prefixes`; the first rule that matches wins (route.h).  The load
 * checks every provider is configured, every prefix is "+" and digits,
 * no list is empty and no rule or prefix is unreachable.
 */
struct cfg_mt_route {
	char	**prefixes;	/* "+86134", ..., NULL-terminated; NULL: the
				 * last rule, every number (the default) */
	char	*provider;
};

enum cfg_role {
	CFG_ROLE_ADMIN,
	CFG_ROLE_OFFICE,
	CFG_ROLE_VIEWER,
};

struct cfg_token {
	char	*name;
	uint8_t	 sha256[32];	/* decoded from token_sha256 (64 hex) */
	enum cfg_role role;
	char	*area;		/* region code prefix, "" = everywhere */
};

enum cfg_reminder_type {
	CFG_REMINDER_TRAINING,	/* days_before each training's start */
	CFG_REMINDER_DATED,	/* on given days of the year */
};

/*
 * A reminder (issue 6): computed once a day.  "training": the members
 * enrolled in a training's program, in households under its area, get
 * `template` days_before it starts.  "dated": the audience (program,
 * enrollment, status, area, language, as a broadcast's) gets it on each
 * "MM-DD" of `on`.  Both at `at` local time, within the quiet hours and
 * daily cap rules of every notice.
 */
struct cfg_reminder {
	char	*name;		/* unique, [a-z0-9_] */
	enum cfg_reminder_type type;
	char	*template_name;	/* key "template": notices/<name> */
	int	 days_before;
	char	*at;		/* "HH:MM" */
	int	 at_min;	/* decoded */
	char	*on;		/* "03-01 09-01", dated */
	char	*program;	/* "" any */
	char	*enrollment;
	char	*status;
	char	*area;
	char	*language;
};

struct cfg_program {
	char	*code;		/* "YL", 1-8 upper-case letters/digits */
	char	*name;		/* "雨露计划" */
};

struct cfg {
	char	*file;		/* path the config was read from, or
				 * "(defaults)" when none was */
	char	*node_id;
	struct {
		char	*path;
		enum cfg_durability durability;
		char	*id_key_file;	/* the ID-number key (idkey.h) */
	} database;
	struct {
		char	*listen;	/* as written: "127.0.0.1:8080" */
		char	*listen_host;	/* "127.0.0.1", "::1" (no brackets) */
		int	 listen_port;	/* 1..65535 */
		int64_t	 max_body_bytes;	/* key "max_body" */
		int	 max_connections;
		int	 max_connections_per_ip;
		int	 connection_timeout_s;	/* key "connection_timeout" */
		bool	 behind_proxy;	/* no request counts as loopback */
	} http;
	struct {
		char	*shortcode;
		char	*provider;	/* name of the default provider: of
					 * the numbers no mt_routes rule
					 * takes (the last rule's, when it
					 * has no prefixes) */
		int	 max_per_minute;
		int	 help_interval_s;	/* key "help_interval" */
		int	 max_segments;	/* longer texts are refused (400) */
		char	**dlr_url_allow;	/* dlr-url prefixes, NULL-terminated;
					 * NULL: none allowed */
		struct cfg_route *routes;
		size_t	 n_routes;
	} sms;
	struct cfg_provider *providers;
	size_t	 n_providers;
	struct cfg_mt_route *mt_routes;	/* key "mt_routes"; default none:
					 * everything to sms.provider */
	size_t	 n_mt_routes;
	struct {
		char	*service_code;
		int	 max_chars;
		int	 max_ucs2_chars;
		int	 session_timeout_s;	/* key "session_timeout" */
		int	 lockout_s;		/* key "lockout" */
	} ussd;
	struct {
		char	*timezone;
		char	*quiet_hours;	/* as written; "" = none */
		bool	 has_quiet_hours;
		int	 quiet_start_min;	/* minutes after midnight */
		int	 quiet_end_min;
		int	 max_notices_per_day;	/* 0: no cap */
		int	 ack_timeout_s;		/* key "ack_timeout": a task
						 * alert unacknowledged this
						 * long is re-sent once, then
						 * overdue */
		int	 retention_days;	/* finished broadcasts'
						 * recipients kept */
	} schedule;
	struct {
		char	*uri;
		char	*client_id;
		char	*topic_root;
		char	*shared_group;
		bool	 include_msisdn;
		char	*username;
		char	*password;
		char	*ca_file;	/* PEM CA bundle; "" = system store */
		char	*cert_file;	/* PEM client certificate; "" = none */
		char	*key_file;	/* its private key; set with cert_file */
		int	 event_retention_s;	/* relayed events kept */
		int	 stats_interval_s;	/* bridge.stats every */
	} mqtt;
	struct {
		struct cfg_token *tokens;
		size_t	 n_tokens;
	} api;
	struct {
		char	*dir;
		char	*default_language;	/* zh, ii, bo or en */
		bool	 show_incomplete;	/* language menu offers a
						 * language whose menu texts
						 * are not all translated */
	} templates;
	struct {			/* SPEC 10: the office console */
		bool	 enabled;	/* false: /console/ and its API 404 */
		char	*dir;		/* the static files (web/) */
		int	 session_idle_s;	/* key "session_idle" */
		bool	 secure_cookie;	/* the cookie is sent over HTTPS only */
		/* The texts page's phone (POST /api/v1/console/phone): the
		 * number its sandbox calls from, "+" and 8-15 digits, by
		 * default one no Chinese number can be; and how many steps
		 * a session (or token) may take a minute. */
		char	*phone_msisdn;
		int	 phone_per_minute;
	} console;
	struct cfg_program *programs;	/* key "programs"; default YL, CY, XD */
	size_t	 n_programs;
	struct cfg_reminder *reminders;	/* key "reminders"; default none */
	size_t	 n_reminders;
};

/*
 * Load and validate the configuration at `path`; with path == NULL, the
 * built-in defaults alone.  On success *out is a new struct cfg owned by
 * the caller.  On failure returns FP_ECONFIG and, when errors != NULL,
 * sets *errors to a heap string (caller frees) holding every problem
 * found, one per line, each "FILE:LINE: message" (unknown keys, types,
 * ranges, cross-field rules).  A file that cannot be opened gives
 * "FILE: cannot open: <strerror>".  FP_ENOMEM on allocation failure.
 */
enum fp_err cfg_load(const char *path, struct cfg **out, char **errors);

/*
 * The same as cfg_load for configuration text held in memory (the fuzz
 * harness, tests): `text` is NUL-terminated libconfig syntax and `name`
 * (NULL: "(string)") stands for FILE in error lines.  An @include in the
 * text is read relative to the current directory.  In both functions the
 * error lines in *errors are separated by '\n', with none after the last.
 */
enum fp_err cfg_load_string(const char *text, const char *name,
    struct cfg **out, char **errors);

/* Free a configuration; cfg_free(NULL) is a no-op. */
void cfg_free(struct cfg *cfg);

/* The provider named `name`, or NULL.  Borrowed from cfg. */
const struct cfg_provider *cfg_provider_find(const struct cfg *cfg,
    const char *name);

/*
 * SPEC 11: whether provider p sends approved templates only (aliyun,
 * tencent, and http_json with a template_code): every text it sends
 * must be mapped in templates/provider_templates.conf (tplmap.h).
 */
bool cfg_provider_is_template(const struct cfg_provider *p);

/* The route whose path is `path`, or NULL.  Borrowed from cfg. */
const struct cfg_route *cfg_route_find(const struct cfg *cfg,
    const char *path);

/* "admin", "office", "viewer". */
const char *cfg_role_name(enum cfg_role role);

/* The provider type's name in the configuration ("file", "aliyun"...). */
const char *cfg_provider_type_name(enum cfg_provider_type type);

#endif
