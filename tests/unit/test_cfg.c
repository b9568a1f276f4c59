/*
 * test_cfg.c: the configuration module (common/cfg_load.c, cfg_keys.c) against
 * SPEC section 8: the built-in defaults, the shipped config/fupin.conf,
 * good files in tests/data/good_*.conf, and every tests/data/bad_*.conf,
 * whose leading "# expect: LINE: fragment" lines name each error it must
 * give (as "FILE:LINE: fragment") and, by their number, how many.
 * Runs from the repository root.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "testutil.h"

#define DATA_DIR "tests/data"

Suite *cfg_suite(void);

#define MAX_BAD 200

static char *bad_files[MAX_BAD];
static int n_bad;

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collect tests/data/bad_*.conf, sorted, once for the loop test. */
static void
find_bad_files(void)
{
	DIR *d = opendir(DATA_DIR);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL && n_bad < MAX_BAD) {
		size_t n = strlen(de->d_name);
		char *p;

		if (strncmp(de->d_name, "bad_", 4) != 0 || n < 5 ||
		    strcmp(de->d_name + n - 5, ".conf") != 0)
			continue;
		p = malloc(sizeof(DATA_DIR) + n + 1);
		if (p == NULL)
			break;
		snprintf(p, sizeof(DATA_DIR) + n + 1, "%s/%s", DATA_DIR,
		    de->d_name);
		bad_files[n_bad++] = p;
	}
	closedir(d);
	qsort(bad_files, (size_t)n_bad, sizeof(bad_files[0]), cmp_str);
}

static struct cfg *
load_ok(const char *path)
{
	struct cfg *cfg = NULL;
	char *errors = NULL;
	enum fp_err err;

	err = cfg_load(path, &cfg, &errors);
	ck_assert_msg(err == FP_OK, "%s: %s", path != NULL ? path : "NULL",
	    errors != NULL ? errors : fp_strerror(err));
	ck_assert_ptr_nonnull(cfg);
	ck_assert_ptr_null(errors);
	return cfg;
}

static size_t
count_lines(const char *s)
{
	size_t n = 1;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

/* ---- defaults ---- */

START_TEST(no_file_gives_the_builtin_defaults)
{
	struct cfg *cfg = load_ok(NULL);

	ck_assert_str_eq(cfg->file, "(defaults)");
	ck_assert_str_eq(cfg->node_id, "gw1");
	ck_assert_str_eq(cfg->database.path, "var/fupin.db");
	ck_assert_int_eq(cfg->database.durability, CFG_DURABILITY_NORMAL);
	ck_assert_str_eq(cfg->http.listen, "127.0.0.1:8080");
	ck_assert_str_eq(cfg->http.listen_host, "127.0.0.1");
	ck_assert_int_eq(cfg->http.listen_port, 8080);
	ck_assert_int_eq(cfg->http.max_body_bytes, 65536);
	ck_assert_str_eq(cfg->sms.shortcode, "10690001");
	ck_assert_str_eq(cfg->sms.provider, "local");
	ck_assert_int_eq(cfg->sms.max_per_minute, 10);
	ck_assert_int_eq(cfg->sms.help_interval_s, 3600);
	ck_assert_str_eq(cfg->ussd.service_code, "*123#");
	ck_assert_int_eq(cfg->ussd.max_chars, 182);
	ck_assert_int_eq(cfg->ussd.max_ucs2_chars, 80);
	ck_assert_int_eq(cfg->ussd.session_timeout_s, 180);
	ck_assert_int_eq(cfg->ussd.lockout_s, 3600);
	ck_assert_str_eq(cfg->schedule.timezone, "Asia/Shanghai");
	ck_assert_str_eq(cfg->schedule.quiet_hours, "21:00-08:00");
	ck_assert(cfg->schedule.has_quiet_hours);
	ck_assert_int_eq(cfg->schedule.quiet_start_min, 21 * 60);
	ck_assert_int_eq(cfg->schedule.quiet_end_min, 8 * 60);
	ck_assert_int_eq(cfg->schedule.max_notices_per_day, 3);
	ck_assert_str_eq(cfg->mqtt.uri, "tcp://127.0.0.1:1883");
	ck_assert_str_eq(cfg->mqtt.client_id, "fupin-gw1");
	ck_assert_str_eq(cfg->mqtt.topic_root, "fupin/v1");
	ck_assert_str_eq(cfg->mqtt.shared_group, "");
	ck_assert(!cfg->mqtt.include_msisdn);
	ck_assert_str_eq(cfg->mqtt.username, "");
	ck_assert_str_eq(cfg->mqtt.password, "");
	ck_assert_uint_eq(cfg->api.n_tokens, 0);
	ck_assert_str_eq(cfg->templates.dir, "templates");
	ck_assert_str_eq(cfg->templates.default_language, "zh");
	ck_assert(cfg->console.enabled);
	ck_assert_str_eq(cfg->console.dir, "web");
	ck_assert_int_eq(cfg->console.session_idle_s, 1800);
	ck_assert(!cfg->console.secure_cookie);
	cfg_free(cfg);
}
END_TEST

START_TEST(default_routes_are_both_paths_on_loopback)
{
	struct cfg *cfg = load_ok(NULL);
	const struct cfg_route *r;

	ck_assert_uint_eq(cfg->sms.n_routes, 2);
	r = cfg_route_find(cfg, "/sms/kannel");
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->auth, CFG_AUTH_LOOPBACK);
	ck_assert_ptr_null(r->secret);
	ck_assert_ptr_null(r->token);
	r = cfg_route_find(cfg, "/sms/inbound");
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->auth, CFG_AUTH_LOOPBACK);
	ck_assert_ptr_null(cfg_route_find(cfg, "/sms/other"));
	cfg_free(cfg);
}
END_TEST

START_TEST(default_provider_is_the_local_file)
{
	struct cfg *cfg = load_ok(NULL);
	const struct cfg_provider *p;

	ck_assert_uint_eq(cfg->n_providers, 1);
	p = cfg_provider_find(cfg, "local");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->type, CFG_PROVIDER_FILE);
	ck_assert_str_eq(p->path, "var/outbox.jsonl");
	ck_assert_int_eq(p->rate_per_s, 50);
	ck_assert_int_eq(p->connections, 4);
	ck_assert_int_eq(p->max_attempts, 8);
	ck_assert_int_eq(p->timeout_s, 10);
	ck_assert_int_eq(p->validity_s, 86400);
	ck_assert_ptr_null(p->url);
	ck_assert_ptr_null(p->dlr_base);
	ck_assert_ptr_null(cfg_provider_find(cfg, "kannel"));
	cfg_free(cfg);
}
END_TEST

START_TEST(default_programs_are_the_three_of_the_spec)
{
	struct cfg *cfg = load_ok(NULL);

	ck_assert_uint_eq(cfg->n_programs, 3);
	ck_assert_str_eq(cfg->programs[0].code, "YL");
	ck_assert_str_eq(cfg->programs[0].name, "雨露计划");
	ck_assert_str_eq(cfg->programs[1].code, "CY");
	ck_assert_str_eq(cfg->programs[1].name, "返乡创业");
	ck_assert_str_eq(cfg->programs[2].code, "XD");
	ck_assert_str_eq(cfg->programs[2].name, "扶贫小额信贷");
	cfg_free(cfg);
}
END_TEST

START_TEST(free_null_and_role_names)
{
	cfg_free(NULL);
	ck_assert_str_eq(cfg_role_name(CFG_ROLE_ADMIN), "admin");
	ck_assert_str_eq(cfg_role_name(CFG_ROLE_OFFICE), "office");
	ck_assert_str_eq(cfg_role_name(CFG_ROLE_VIEWER), "viewer");
}
END_TEST

/* ---- the shipped file ---- */

START_TEST(shipped_config_loads_with_the_demo_values)
{
	static const uint8_t demo_sha[32] = {
		0x91, 0xc1, 0x6f, 0x0d, 0x6c, 0xc1, 0xbe, 0xc3, 0xc3, 0x60,
		0x39, 0x72, 0x18, 0x2a, 0x07, 0xc6, 0x6f, 0xf4, 0xfa, 0x71,
		0x61, 0x8a, 0x97, 0x5e, 0x96, 0x3d, 0x6d, 0xbe, 0x42, 0xb6,
		0xdd, 0x37 };
	struct cfg *cfg = load_ok(CFG_DEFAULT_PATH);
	const struct cfg_provider *p;

	ck_assert_str_eq(cfg->file, CFG_DEFAULT_PATH);
	ck_assert_str_eq(cfg->node_id, "gw1");
	ck_assert_str_eq(cfg->database.path, "var/fupin.db");
	ck_assert_str_eq(cfg->http.listen_host, "127.0.0.1");
	ck_assert_int_eq(cfg->http.listen_port, 8080);
	ck_assert_int_eq(cfg->http.max_body_bytes, 65536);
	ck_assert_str_eq(cfg->sms.provider, "local");
	ck_assert_uint_eq(cfg->sms.n_routes, 3);
	ck_assert_int_eq(cfg_route_find(cfg, "/sms/kannel")->auth,
	    CFG_AUTH_LOOPBACK);
	ck_assert_int_eq(cfg_route_find(cfg, "/ussd")->auth,
	    CFG_AUTH_LOOPBACK);
	ck_assert_int_eq(cfg_route_find(cfg, "/sms/inbound")->auth,
	    CFG_AUTH_LOOPBACK);
	ck_assert_uint_eq(cfg->n_providers, 1);
	p = cfg_provider_find(cfg, "local");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->type, CFG_PROVIDER_FILE);
	ck_assert_str_eq(p->path, "var/outbox.jsonl");
	ck_assert_uint_eq(cfg->api.n_tokens, 1);
	ck_assert_str_eq(cfg->api.tokens[0].name, "demo");
	ck_assert_int_eq(cfg->api.tokens[0].role, CFG_ROLE_ADMIN);
	ck_assert_str_eq(cfg->api.tokens[0].area, "");
	ck_assert_mem_eq(cfg->api.tokens[0].sha256, demo_sha, 32);
	ck_assert_str_eq(cfg->schedule.quiet_hours, "21:00-08:00");
	ck_assert_str_eq(cfg->mqtt.uri, "tcp://127.0.0.1:1883");
	ck_assert_uint_eq(cfg->n_programs, 3);
	cfg_free(cfg);
}
END_TEST

/* ---- good files ---- */

START_TEST(time_spans_take_units)
{
	struct cfg *cfg = load_ok(DATA_DIR "/good_spans.conf");

	ck_assert_int_eq(cfg->sms.help_interval_s, 2 * 86400);
	ck_assert_int_eq(cfg->ussd.session_timeout_s, 90);
	ck_assert_int_eq(cfg->ussd.lockout_s, 3600);
	ck_assert_int_eq(cfg->providers[0].timeout_s, 180);
	ck_assert_int_eq(cfg->providers[0].validity_s, 7200);
	cfg_free(cfg);
}
END_TEST

START_TEST(ipv6_listen_and_kannel_dlr_base)
{
	struct cfg *cfg = load_ok(DATA_DIR "/good_ipv6.conf");
	const struct cfg_provider *p;

	ck_assert_str_eq(cfg->http.listen, "[::1]:8443");
	ck_assert_str_eq(cfg->http.listen_host, "::1");
	ck_assert_int_eq(cfg->http.listen_port, 8443);
	ck_assert_int_eq(cfg->http.max_body_bytes, 1048576);
	p = cfg_provider_find(cfg, "kannel");
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->dlr_base, "http://[::1]:8443");
	ck_assert_str_eq(p->username, "fupin");
	ck_assert_str_eq(p->password, "kannel-pw");
	ck_assert_str_eq(cfg->sms.provider, "kannel");
	ck_assert_ptr_null(cfg_provider_find(cfg, "local")->dlr_base);
	cfg_free(cfg);
}
END_TEST

START_TEST(single_provider_becomes_the_default)
{
	struct cfg *cfg = load_ok(DATA_DIR "/good_single_provider.conf");

	ck_assert_uint_eq(cfg->n_providers, 1);
	ck_assert_str_eq(cfg->sms.provider, "kannel1");
	ck_assert_str_eq(cfg->http.listen_host, "127.0.0.1");
	ck_assert_int_eq(cfg->http.listen_port, 9090);
	ck_assert_str_eq(cfg->providers[0].dlr_base, "http://127.0.0.1:9090");
	cfg_free(cfg);
}
END_TEST

START_TEST(programs_add_to_the_builtin_ones)
{
	struct cfg *cfg = load_ok(DATA_DIR "/good_programs.conf");

	ck_assert_uint_eq(cfg->n_programs, 4);
	ck_assert_str_eq(cfg->programs[0].code, "YL");
	ck_assert_str_eq(cfg->programs[0].name, "雨露计划（职业教育）");
	ck_assert_str_eq(cfg->programs[1].code, "CY");
	ck_assert_str_eq(cfg->programs[2].code, "XD");
	ck_assert_str_eq(cfg->programs[3].code, "JY");
	ck_assert_str_eq(cfg->programs[3].name, "就业帮扶");
	cfg_free(cfg);
}
END_TEST

START_TEST(empty_file_gives_the_defaults)
{
	struct cfg *cfg = load_ok(DATA_DIR "/good_empty.conf");

	ck_assert_str_eq(cfg->file, DATA_DIR "/good_empty.conf");
	ck_assert_str_eq(cfg->sms.provider, "local");
	ck_assert_uint_eq(cfg->sms.n_routes, 2);
	ck_assert_uint_eq(cfg->n_programs, 3);
	cfg_free(cfg);
}
END_TEST

START_TEST(every_key_can_be_set)
{
	struct cfg *cfg = load_ok(DATA_DIR "/good_full.conf");
	const struct cfg_provider *p;
	const struct cfg_route *r;

	ck_assert_str_eq(cfg->node_id, "gw-east.2");
	ck_assert_int_eq(cfg->database.durability, CFG_DURABILITY_FULL);
	ck_assert_str_eq(cfg->http.listen_host, "0.0.0.0");
	ck_assert_int_eq(cfg->http.listen_port, 8000);
	ck_assert_int_eq(cfg->http.max_body_bytes, 16777216);
	ck_assert_str_eq(cfg->sms.shortcode, "1069000188");
	ck_assert_str_eq(cfg->sms.provider, "agg");
	ck_assert_int_eq(cfg->sms.max_per_minute, 30);
	ck_assert_int_eq(cfg->sms.help_interval_s, 0);
	r = cfg_route_find(cfg, "/sms/inbound");
	ck_assert_int_eq(r->auth, CFG_AUTH_HMAC);
	ck_assert_str_eq(r->secret, "hmac-secret-0123456789");
	ck_assert_ptr_null(r->token);
	r = cfg_route_find(cfg, "/sms/kannel");
	ck_assert_int_eq(r->auth, CFG_AUTH_TOKEN);
	ck_assert_str_eq(r->token, "kannel-token-0123456789");
	ck_assert_ptr_null(r->secret);
	p = cfg_provider_find(cfg, "agg");
	ck_assert_int_eq(p->type, CFG_PROVIDER_HTTP_JSON);
	ck_assert_str_eq(p->url, "https://api.example.com/v1/sms");
	ck_assert_str_eq(p->token, "bearer-token");
	ck_assert_str_eq(p->sign_name, "扶贫办");
	ck_assert_str_eq(p->template_code, "SMS_1234");
	ck_assert_str_eq(p->id_field, "bizId");
	ck_assert_int_eq(p->rate_per_s, 200);
	ck_assert_int_eq(p->connections, 16);
	ck_assert_int_eq(p->max_attempts, 3);
	ck_assert_int_eq(p->timeout_s, 30);
	ck_assert_int_eq(p->validity_s, 86400);
	p = cfg_provider_find(cfg, "kannel");
	ck_assert_str_eq(p->dlr_base, "https://gw.example.com");
	ck_assert_str_eq(cfg->ussd.service_code, "*123*4#");
	ck_assert_int_eq(cfg->ussd.max_chars, 160);
	ck_assert_int_eq(cfg->ussd.max_ucs2_chars, 70);
	ck_assert_int_eq(cfg->ussd.session_timeout_s, 300);
	ck_assert_int_eq(cfg->ussd.lockout_s, 86400);
	ck_assert_str_eq(cfg->schedule.timezone, "Asia/Urumqi");
	ck_assert(!cfg->schedule.has_quiet_hours);
	ck_assert_int_eq(cfg->schedule.max_notices_per_day, 0);
	ck_assert_str_eq(cfg->mqtt.uri, "wss://[2001:db8::1]:443/mqtt");
	ck_assert_str_eq(cfg->mqtt.shared_group, "gateways");
	ck_assert(cfg->mqtt.include_msisdn);
	ck_assert_str_eq(cfg->mqtt.username, "bridge");
	ck_assert_uint_eq(cfg->api.n_tokens, 2);
	ck_assert_int_eq(cfg->api.tokens[0].role, CFG_ROLE_OFFICE);
	ck_assert_str_eq(cfg->api.tokens[0].area, "513401");
	ck_assert_uint_eq(cfg->api.tokens[0].sha256[0], 0x00);
	ck_assert_uint_eq(cfg->api.tokens[0].sha256[10], 0xaa);
	ck_assert_uint_eq(cfg->api.tokens[0].sha256[31], 0xff);
	ck_assert_int_eq(cfg->api.tokens[1].role, CFG_ROLE_VIEWER);
	ck_assert_str_eq(cfg->templates.default_language, "ii");
	ck_assert(!cfg->console.enabled);
	ck_assert_str_eq(cfg->console.dir, "/usr/local/share/fupin/web");
	ck_assert_int_eq(cfg->console.session_idle_s, 900);
	ck_assert(cfg->console.secure_cookie);
	cfg_free(cfg);
}
END_TEST

START_TEST(quiet_hours_may_cross_midnight_or_not)
{
	struct cfg *cfg = NULL;
	char *errors = NULL;

	ck_assert_int_eq(cfg_load_string("schedule = { quiet_hours = "
	    "\"12:30-13:45\"; };", "mem", &cfg, &errors), FP_OK);
	ck_assert(cfg->schedule.has_quiet_hours);
	ck_assert_int_eq(cfg->schedule.quiet_start_min, 12 * 60 + 30);
	ck_assert_int_eq(cfg->schedule.quiet_end_min, 13 * 60 + 45);
	cfg_free(cfg);
	ck_assert_int_eq(cfg_load_string("schedule = { quiet_hours = "
	    "\"23:59-00:00\"; };", "mem", &cfg, &errors), FP_OK);
	ck_assert_int_eq(cfg->schedule.quiet_start_min, 23 * 60 + 59);
	ck_assert_int_eq(cfg->schedule.quiet_end_min, 0);
	cfg_free(cfg);
}
END_TEST

/* ---- bad files ---- */

START_TEST(there_is_a_bad_file_for_every_error_path)
{
	ck_assert_int_ge(n_bad, 35);
}
END_TEST

/* Each bad file fails with exactly the errors its "# expect:" lines name. */
START_TEST(bad_file_gives_its_expected_errors)
{
	const char *path;
	char *text, *line, *save = NULL, *errors = NULL, want[512];
	struct cfg *cfg = NULL;
	size_t n_expect = 0;

	ck_assert_int_lt(_i, n_bad);
	path = bad_files[_i];
	text = tu_read_file(path, NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(cfg_load(path, &cfg, &errors), FP_ECONFIG);
	ck_assert_ptr_null(cfg);
	ck_assert_ptr_nonnull(errors);
	for (line = strtok_r(text, "\n", &save); line != NULL &&
	    line[0] == '#'; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# expect: ", 10) != 0)
			continue;
		snprintf(want, sizeof(want), "%s:%s", path, line + 10);
		ck_assert_msg(strstr(errors, want) != NULL,
		    "%s: expected \"%s\" in:\n%s", path, want, errors);
		n_expect++;
	}
	ck_assert_msg(n_expect > 0, "%s has no '# expect:' line", path);
	ck_assert_msg(count_lines(errors) == n_expect,
	    "%s: %zu errors expected, got:\n%s", path, n_expect, errors);
	free(errors);
	free(text);
}
END_TEST

START_TEST(all_three_errors_are_reported_in_line_order)
{
	const char *path = DATA_DIR "/bad_three_errors.conf";
	struct cfg *cfg = NULL;
	char *errors = NULL, *a, *b, *c;

	ck_assert_int_eq(cfg_load(path, &cfg, &errors), FP_ECONFIG);
	ck_assert_uint_eq(count_lines(errors), 3);
	a = strstr(errors, "unknown key 'colour'");
	b = strstr(errors, "'ussd.max_chars'");
	c = strstr(errors, "'mqtt.include_msisdn'");
	ck_assert(a != NULL && b != NULL && c != NULL);
	ck_assert(a < b && b < c);
	ck_assert(errors[strlen(errors) - 1] != '\n');
	free(errors);
}
END_TEST

START_TEST(missing_file_cannot_be_opened)
{
	struct cfg *cfg = NULL;
	char *errors = NULL;

	ck_assert_int_eq(cfg_load(DATA_DIR "/no_such.conf", &cfg, &errors),
	    FP_ECONFIG);
	ck_assert_ptr_null(cfg);
	ck_assert_str_eq(errors, DATA_DIR "/no_such.conf: cannot open: "
	    "No such file or directory");
	free(errors);
	ck_assert_int_eq(cfg_load(DATA_DIR, &cfg, &errors), FP_ECONFIG);
	ck_assert_str_eq(errors, DATA_DIR ": cannot open: Is a directory");
	free(errors);
	/* errors == NULL: the caller only wants the code */
	ck_assert_int_eq(cfg_load(DATA_DIR "/no_such.conf", &cfg, NULL),
	    FP_ECONFIG);
	ck_assert_int_eq(cfg_load(DATA_DIR "/bad_parse.conf", &cfg, NULL),
	    FP_ECONFIG);
	ck_assert_int_eq(cfg_load(DATA_DIR "/bad_role.conf", &cfg, NULL),
	    FP_ECONFIG);
}
END_TEST

START_TEST(text_in_memory_is_named_in_errors)
{
	struct cfg *cfg = NULL;
	char *errors = NULL;

	ck_assert_int_eq(cfg_load_string("node_id = \"gw9\";", NULL, &cfg,
	    &errors), FP_OK);
	ck_assert_str_eq(cfg->file, "(string)");
	ck_assert_str_eq(cfg->node_id, "gw9");
	cfg_free(cfg);
	ck_assert_int_eq(cfg_load_string("a = 1;\nb = ;\n", "mem.conf", &cfg,
	    &errors), FP_ECONFIG);
	ck_assert_str_eq(errors, "mem.conf:2: syntax error");
	free(errors);
	ck_assert_int_eq(cfg_load_string("\nhttp = { max_body = 1; };",
	    "mem.conf", &cfg, &errors), FP_ECONFIG);
	ck_assert_str_eq(errors, "mem.conf:2: 'http.max_body' must be "
	    "between 1024 and 16777216");
	free(errors);
}
END_TEST

START_TEST(include_is_relative_to_the_including_file)
{
	static const char main_text[] = "node_id = \"gw2\";\n"
	    "@include \"part.conf\"\n";
	static const char part_text[] = "http = {\n  max_body = 2048;\n"
	    "  nope = 1;\n};\n";
	char *dir = tu_mkdtemp(), *main_path, *part_path;
	struct cfg *cfg = NULL;
	char *errors = NULL;

	ck_assert_ptr_nonnull(dir);
	main_path = tu_write_file(dir, "main.conf", main_text,
	    sizeof(main_text) - 1);
	part_path = tu_write_file(dir, "part.conf", part_text,
	    sizeof(part_text) - 1);
	ck_assert_int_eq(cfg_load(main_path, &cfg, &errors), FP_ECONFIG);
	/* the unknown key is blamed on the included file's line */
	ck_assert_msg(strstr(errors, "part.conf:3: unknown key 'nope' in "
	    "group 'http'") != NULL, "%s", errors);
	free(errors);
	free(part_path);
	part_path = tu_write_file(dir, "part.conf", "http = { max_body = "
	    "2048; };\n", 29);
	ck_assert_int_eq(cfg_load(main_path, &cfg, &errors), FP_OK);
	ck_assert_str_eq(cfg->node_id, "gw2");
	ck_assert_int_eq(cfg->http.max_body_bytes, 2048);
	cfg_free(cfg);
	free(main_path);
	free(part_path);
	tu_rmtree(dir);
	free(dir);
}
END_TEST

/* Secrets from their own files (systemd's LoadCredential=). */
START_TEST(secrets_may_come_from_files)
{
	char *dir = tu_mkdtemp(), *sec, *pw, text[1024], *errors = NULL;
	struct cfg *cfg = NULL;
	const struct cfg_route *r;

	sec = tu_write_file(dir, "hmac", "s3cret-from-a-file-0001\n", 24);
	pw = tu_write_file(dir, "pw", "kannel-pw\n", 10);
	snprintf(text, sizeof(text), "sms = { routes = ( { path = "
	    "\"/sms/inbound\"; auth = \"hmac\"; secret_file = \"%s\"; } ); };\n"
	    "providers = ( { name = \"k\"; type = \"kannel\"; url = "
	    "\"http://127.0.0.1:13013/cgi-bin/sendsms\"; username = \"u\"; "
	    "password_file = \"%s\"; } );\n", sec, pw);
	ck_assert_msg(cfg_load_string(text, "t.conf", &cfg, &errors) == FP_OK,
	    "%s", errors != NULL ? errors : "");
	r = cfg_route_find(cfg, "/sms/inbound");
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->secret, "s3cret-from-a-file-0001");
	ck_assert_str_eq(cfg->providers[0].password, "kannel-pw");
	cfg_free(cfg);
	free(sec);
	free(pw);
	tu_rmtree(dir);
	free(dir);
}
END_TEST

Suite *
cfg_suite(void)
{
	Suite *s = suite_create("cfg");
	TCase *tc;

	if (n_bad == 0)
		find_bad_files();

	tc = tcase_create("defaults");
	tcase_add_test(tc, secrets_may_come_from_files);
	tcase_add_test(tc, no_file_gives_the_builtin_defaults);
	tcase_add_test(tc, default_routes_are_both_paths_on_loopback);
	tcase_add_test(tc, default_provider_is_the_local_file);
	tcase_add_test(tc, default_programs_are_the_three_of_the_spec);
	tcase_add_test(tc, free_null_and_role_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("shipped");
	tcase_add_test(tc, shipped_config_loads_with_the_demo_values);
	suite_add_tcase(s, tc);

	tc = tcase_create("good");
	tcase_add_test(tc, time_spans_take_units);
	tcase_add_test(tc, ipv6_listen_and_kannel_dlr_base);
	tcase_add_test(tc, single_provider_becomes_the_default);
	tcase_add_test(tc, programs_add_to_the_builtin_ones);
	tcase_add_test(tc, empty_file_gives_the_defaults);
	tcase_add_test(tc, every_key_can_be_set);
	tcase_add_test(tc, quiet_hours_may_cross_midnight_or_not);
	suite_add_tcase(s, tc);

	tc = tcase_create("bad");
	tcase_add_test(tc, there_is_a_bad_file_for_every_error_path);
	tcase_add_loop_test(tc, bad_file_gives_its_expected_errors, 0,
	    n_bad > 0 ? n_bad : 1);
	tcase_add_test(tc, all_three_errors_are_reported_in_line_order);
	tcase_add_test(tc, missing_file_cannot_be_opened);
	tcase_add_test(tc, text_in_memory_is_named_in_errors);
	tcase_add_test(tc, include_is_relative_to_the_including_file);
	suite_add_tcase(s, tc);
	return s;
}
