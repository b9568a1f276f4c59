/*
 * ctl_user.c: `fupinctl user add|list|passwd|disable|enable|unlock`, the
 * console's users (SPEC 10), as actor "fupinctl".  A password is read
 * from standard input: asked twice, without echo, on a terminal; the
 * first line otherwise (a script pipes it in).  Exit 0; 64 usage (a bad
 * role, name or area too); 65 a password refused (too short, the two
 * differ) or a name already taken; 66 no such user; 69 the database is
 * unavailable or the hash could not be made.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "console_session.h"
#include "console_user.h"
#include "ctl.h"

#define LINE_MAX_BYTES	(CONSOLE_PASSWORD_MAX + 2)

static int
usage_user(void)
{
	fprintf(stderr, "usage: fupinctl user add NAME --role "
	    "admin|office|viewer [--area PREFIX]\n"
	    "       fupinctl user list [--json]\n"
	    "       fupinctl user passwd NAME\n"
	    "       fupinctl user disable NAME\n"
	    "       fupinctl user enable NAME\n"
	    "       fupinctl user unlock NAME\n"
	    "The password is read from standard input (asked twice on a "
	    "terminal).\n");
	return EX_USAGE;
}

/* One line of fp into buf, without its end; false at EOF or too long. */
static bool
read_line(FILE *fp, char *buf, size_t size)
{
	size_t n;

	if (fgets(buf, (int)size, fp) == NULL)
		return false;
	n = strlen(buf);
	if (n == size - 1 && buf[n - 1] != '\n')
		return false;	/* longer than any password we take */
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return true;
}

/* Prompt on the terminal and read a line without echo. */
static bool
ask(const char *prompt, char *buf, size_t size)
{
	struct termios old, quiet;
	bool has_tc, ok;

	fprintf(stderr, "%s", prompt);
	fflush(stderr);
	has_tc = tcgetattr(STDIN_FILENO, &old) == 0;
	if (has_tc) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	ok = read_line(stdin, buf, size);
	if (has_tc)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	return ok;
}

/*
 * The new password's hash into hash; an exit code other than EX_OK with
 * the reason printed.
 */
static int
read_password_hash(const char *cmd, char hash[CONSOLE_HASH_MAX])
{
	char a[LINE_MAX_BYTES], b[LINE_MAX_BYTES];
	const char *why;
	int rc = EX_OK;
	enum fp_err err;

	a[0] = b[0] = '\0';
	if (isatty(STDIN_FILENO)) {
		if (!ask("Password (10 characters or more): ", a, sizeof(a)) ||
		    !ask("The same password again: ", b, sizeof(b))) {
			fprintf(stderr, "fupinctl user %s: no password read\n",
			    cmd);
			rc = EX_DATAERR;
		} else if (strcmp(a, b) != 0) {
			fprintf(stderr, "fupinctl user %s: the two passwords "
			    "differ\n", cmd);
			rc = EX_DATAERR;
		}
	} else if (!read_line(stdin, a, sizeof(a))) {
		fprintf(stderr, "fupinctl user %s: no password on standard "
		    "input (one line, at most %d bytes)\n", cmd,
		    CONSOLE_PASSWORD_MAX);
		rc = EX_DATAERR;
	}
	if (rc == EX_OK) {
		why = console_password_check(a);
		if (why != NULL) {
			fprintf(stderr, "fupinctl user %s: the password %s\n",
			    cmd, why);
			rc = EX_DATAERR;
		}
	}
	if (rc == EX_OK) {
		err = console_password_hash(a, hash);
		if (err != FP_OK) {
			fprintf(stderr, "fupinctl user %s: cannot hash the "
			    "password: %s\n", cmd, fp_strerror(err));
			rc = EX_UNAVAILABLE;
		}
	}
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	return rc;
}

static int
user_add(const struct cfg *cfg, int argc, char **argv)
{
	char hash[CONSOLE_HASH_MAX];
	const char *role = NULL, *area = "", *why;
	struct console_user u;
	struct store *st = NULL;
	enum fp_err err;
	int i, rc;

	if (argc < 2)
		return usage_user();
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--role") == 0 && i + 1 < argc)
			role = argv[++i];
		else if (strcmp(argv[i], "--area") == 0 && i + 1 < argc)
			area = argv[++i];
		else
			return usage_user();
	}
	memset(&u, 0, sizeof(u));
	why = console_user_name_check(argv[1]);
	if (why != NULL) {
		fprintf(stderr, "fupinctl user add: NAME %s\n", why);
		return EX_USAGE;
	}
	if (role == NULL || !console_role_parse(role, &u.role)) {
		fprintf(stderr, "fupinctl user add: --role must be admin, "
		    "office or viewer\n");
		return EX_USAGE;
	}
	why = console_user_area_check(area);
	if (why != NULL) {
		fprintf(stderr, "fupinctl user add: --area %s\n", why);
		return EX_USAGE;
	}
	snprintf(u.name, sizeof(u.name), "%s", argv[1]);
	snprintf(u.area, sizeof(u.area), "%s", area);
	if (ctl_open_store(cfg, &st) != FP_OK)
		return EX_UNAVAILABLE;
	/* Taken already: say so before asking for a password. */
	if (console_user_get(st, u.name, &(struct console_user){ 0 }) ==
	    FP_OK) {
		fprintf(stderr, "fupinctl user add: %s exists already (user "
		    "passwd changes its password)\n", u.name);
		store_close(st);
		return EX_DATAERR;
	}
	rc = read_password_hash("add", hash);
	if (rc != EX_OK) {
		store_close(st);
		return rc;
	}
	err = store_begin(st);
	if (err == FP_OK)
		err = console_user_insert(st, &u, hash, "fupinctl",
		    (int64_t)time(NULL));
	if (err == FP_OK)
		err = store_commit(st);
	else
		store_rollback(st);
	store_close(st);
	if (err == FP_EDUP) {
		fprintf(stderr, "fupinctl user add: %s exists already\n",
		    u.name);
		return EX_DATAERR;
	}
	if (err != FP_OK) {
		fprintf(stderr, "fupinctl user add: %s\n", fp_strerror(err));
		return EX_UNAVAILABLE;
	}
	printf("user %s added: %s, area %s\n", u.name, cfg_role_name(u.role),
	    *u.area != '\0' ? u.area : "everywhere");
	return EX_OK;
}

/* o's unix time `key` as local "YYYY-MM-DD HH:MM", "-" when null. */
static void
local_minute(struct json_object *o, const char *key, char *out, size_t size)
{
	struct json_object *v;
	struct tm tm;
	time_t t;

	snprintf(out, size, "-");
	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return;
	t = (time_t)json_object_get_int64(v);
	if (localtime_r(&t, &tm) != NULL)
		strftime(out, size, "%Y-%m-%d %H:%M", &tm);
}

static int
user_list(const struct cfg *cfg, int argc, char **argv)
{
	struct json_object *arr = NULL;
	struct store *st = NULL;
	bool as_json = argc == 2 && strcmp(argv[1], "--json") == 0;
	size_t i;

	if (argc > 2 || (argc == 2 && !as_json))
		return usage_user();
	if (ctl_open_store(cfg, &st) != FP_OK)
		return EX_UNAVAILABLE;
	if (console_user_list(st, &arr) != FP_OK) {
		store_close(st);
		return EX_UNAVAILABLE;
	}
	store_close(st);
	if (as_json) {
		ctl_print_json(arr);
		json_object_put(arr);
		return EX_OK;
	}
	printf("%-20s  %-6s  %-12s  %-8s  %-16s  %s\n", "NAME", "ROLE",
	    "AREA", "STATUS", "CHANGED", "LAST SIGN-IN");
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i), *v;
		const char *area = ctl_json_str(o, "area");
		char when[32], login[32];

		local_minute(o, "changed_at", when, sizeof(when));
		local_minute(o, "last_login_at", login, sizeof(login));
		json_object_object_get_ex(o, "disabled", &v);
		printf("%-20s  %-6s  %-12s  %-8s  %-16s  %s\n", ctl_json_str(o,
		    "name"), ctl_json_str(o, "role"), *area != '\0' ? area :
		    "(all)", json_object_get_boolean(v) ? "disabled" :
		    "active", when, login);
	}
	json_object_put(arr);
	return EX_OK;
}

/* passwd, disable, enable: one NAME. */
static int
user_change(const struct cfg *cfg, int argc, char **argv)
{
	char hash[CONSOLE_HASH_MAX];
	const char *cmd = argv[0];
	struct store *st = NULL;
	int64_t now = (int64_t)time(NULL);
	enum fp_err err;
	int rc;

	if (argc != 2)
		return usage_user();
	if (ctl_open_store(cfg, &st) != FP_OK)
		return EX_UNAVAILABLE;
	if (console_user_get(st, argv[1], &(struct console_user){ 0 }) ==
	    FP_ENOTFOUND) {
		fprintf(stderr, "fupinctl user %s: no user %s\n", cmd, argv[1]);
		store_close(st);
		return EX_NOINPUT;
	}
	if (strcmp(cmd, "passwd") == 0) {
		rc = read_password_hash(cmd, hash);
		if (rc != EX_OK) {
			store_close(st);
			return rc;
		}
	}
	err = store_begin(st);
	if (err == FP_OK && strcmp(cmd, "passwd") == 0)
		err = console_user_set_password(st, argv[1], hash, "fupinctl",
		    now);
	else if (err == FP_OK)
		err = console_user_set_disabled(st, argv[1],
		    strcmp(cmd, "disable") == 0, "fupinctl", now);
	if (err == FP_OK)
		err = store_commit(st);
	else
		store_rollback(st);
	store_close(st);
	if (err == FP_ENOTFOUND) {
		fprintf(stderr, "fupinctl user %s: no user %s\n", cmd, argv[1]);
		return EX_NOINPUT;
	}
	if (err != FP_OK) {
		fprintf(stderr, "fupinctl user %s: %s\n", cmd,
		    fp_strerror(err));
		return EX_UNAVAILABLE;
	}
	printf("user %s: %s\n", argv[1], strcmp(cmd, "passwd") == 0 ?
	    "password changed, its sessions ended" : strcmp(cmd, "disable") ==
	    0 ? "disabled, its sessions ended" : "enabled");
	return EX_OK;
}

/*
 * unlock NAME: the lockout of a name after 5 failed sign-ins ends, and
 * so does that of a client whose failures were (mostly) for it
 * (console_login_unlock).  Any name: a name typed wrong locks too.
 */
static int
user_unlock(const struct cfg *cfg, int argc, char **argv)
{
	struct store *st = NULL;
	bool was_locked = false;
	int clients = 0;
	enum fp_err err;

	if (argc != 2)
		return usage_user();
	if (strlen(argv[1]) == 0 || strlen(argv[1]) > CONSOLE_NAME_MAX) {
		fprintf(stderr, "fupinctl user unlock: NAME must be 1 to %d "
		    "bytes\n", CONSOLE_NAME_MAX);
		return EX_USAGE;
	}
	if (ctl_open_store(cfg, &st) != FP_OK)
		return EX_UNAVAILABLE;
	err = store_begin(st);
	if (err == FP_OK)
		err = console_login_unlock(st, argv[1], "fupinctl",
		    (int64_t)time(NULL), &was_locked, &clients);
	if (err == FP_OK)
		err = store_commit(st);
	else
		store_rollback(st);
	store_close(st);
	if (err != FP_OK) {
		fprintf(stderr, "fupinctl user unlock: %s\n", fp_strerror(err));
		return EX_UNAVAILABLE;
	}
	printf("user %s: %s, its failed sign-ins forgotten", argv[1],
	    was_locked ? "unlocked" : "was not locked out");
	if (clients > 0)
		printf("; %d client address%s unlocked", clients, clients == 1 ?
		    "" : "es");
	printf("\n");
	return EX_OK;
}

int
ctl_user(const struct cfg *cfg, int argc, char **argv)
{
	if (argc < 2)
		return usage_user();
	if (strcmp(argv[1], "add") == 0)
		return user_add(cfg, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return user_list(cfg, argc - 1, argv + 1);
	if (strcmp(argv[1], "passwd") == 0 || strcmp(argv[1], "disable") == 0 ||
	    strcmp(argv[1], "enable") == 0)
		return user_change(cfg, argc - 1, argv + 1);
	if (strcmp(argv[1], "unlock") == 0)
		return user_unlock(cfg, argc - 1, argv + 1);
	return usage_user();
}
