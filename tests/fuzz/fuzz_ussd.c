/*
 * fuzz_ussd.c: libFuzzer harness for the menu engine (ussd_engine.c)
 * and the pager (ussd_page.c).  The first byte picks the caller (a
 * household member, a cadre, an unknown number) and the channel; the
 * rest is the request's text, as POST /ussd would pass it (valid UTF-8
 * without NUL: the HTTP layer refuses anything else with a 400).  Each
 * input runs in a transaction that is rolled back, so inputs do not see
 * each other.  Besides crashes it checks the contract: the engine always
 * answers with a screen that fits the page limits, and a ussd request
 * sent twice gets the same answer the second time.  The same bytes also
 * go through ussd_page with small limits.  Built by `make fuzz` (clang)
 * and replayed under gcc by `make test`.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "charset.h"
#include "gsm.h"
#include "log.h"
#include "migrate.h"
#include "sha256.h"
#include "store.h"
#include "templates.h"
#include "ussd_engine.h"
#include "ussd_menu.h"
#include "ussd_page.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct store *st;
static struct cfg *cfg;
static struct templates *tpl;
static struct ussd_menu *menu;
static struct svc_ctx ctx;
static struct hmac_sha256_key id_key;

static void
init(void)
{
	char *errors = NULL, *bad = NULL;

	log_init("fuzz", (enum log_level)(LOG_LEVEL_ERROR - 1));
	if (cfg_load(NULL, &cfg, &errors) != FP_OK ||
	    templates_load("templates", "zh", &tpl, &bad) != FP_OK ||
	    ussd_menu_load("templates/menu.conf", &menu, &bad) != FP_OK ||
	    store_open(":memory:", STORE_DURABILITY_NORMAL, &st) != FP_OK ||
	    migrate_to(st, migrate_latest(), NULL, NULL) != FP_OK ||
	    store_exec(st, "INSERT INTO cadres(cadre_id, name, phone, "
	    "area_code, updated_at) VALUES ('C1', '李明辉', '+8619908349001', "
	    "'513431100', 0);"
	    "INSERT INTO households(household_id, area_code, head_name, "
	    "status, cadre_id, language, updated_at) VALUES ('HH1', "
	    "'513431100201', '吉克阿木', 'poor', 'C1', 'zh', 0);"
	    "INSERT INTO members(member_id, household_id, name, phone, "
	    "updated_at) VALUES ('M1', 'HH1', '吉克阿木', '+8613908340107', 0);"
	    "INSERT INTO trainings(training_id, program, title, area_code, "
	    "location, starts_on, updated_at) VALUES ('T1', 'YL', '彝绣技能培训',"
	    " '5134', '昭觉县城', '2099-12-05', 0);"
	    "INSERT INTO tasks(task_number, cadre_id, text, created_at) VALUES "
	    "('T12', 'C1', '走访', 0);") != FP_OK)
		abort();
	/* A key as the gateway always has one: the challenge is checked. */
	hmac_sha256_key_init(&id_key, "fuzz", 4);
	ctx.cfg = cfg;
	ctx.tpl = tpl;
	ctx.menu = menu;
	ctx.id_key = &id_key;
}

static void
engine(const char *text, uint8_t pick)
{
	static const char *const callers[] = { "+8613908340107",
	    "+8619908349001", "+8613800000001" };
	struct ussd_request rq;
	struct ussd_reply r;

	memset(&rq, 0, sizeof(rq));
	rq.channel = (pick & 4) != 0 ? "sms" : "ussd";
	rq.session_id = (pick & 4) != 0 ? NULL : "fuzz";
	rq.msisdn = callers[(pick & 3) % 3];
	rq.text = text;
	rq.restart = (pick & 12) == 12;
	if (store_begin(st) != FP_OK)
		abort();
	if (ussd_handle(st, &ctx, &rq, 1790000000, &r) != FP_OK ||
	    r.screen == NULL)
		abort();
	if (!gsm_screen_fits(r.screen, strlen(r.screen),
	    (pick & 4) != 0 ? 160 : (size_t)cfg->ussd.max_chars,
	    (pick & 4) != 0 ? 70 : (size_t)cfg->ussd.max_ucs2_chars))
		abort();
	if ((pick & 4) == 0) {
		struct ussd_reply again;

		/* The aggregator's retry: the same answer, run once. */
		if (ussd_handle(st, &ctx, &rq, 1790000000, &again) != FP_OK ||
		    again.screen == NULL || again.end != r.end ||
		    strcmp(again.screen, r.screen) != 0)
			abort();
		free(again.screen);
	}
	free(r.screen);
	store_rollback(st);
}

static void
pager(const char *text, uint8_t pick)
{
	struct ussd_nav nav = { "98 更多", "0 返回", "00 主菜单",
	    (pick & 16) != 0, (pick & 32) != 0 };
	struct ussd_limits lim = { 40 + (pick & 63), 20 + (pick & 31) };
	char *page = NULL;
	int n = 0, i;

	for (i = 0; i < 4; i++) {
		if (ussd_page(text, &nav, &lim, i, &page, &n) != FP_OK)
			return;	/* navigation without room: refused */
		if (!ussd_page_fits(page, &lim))
			abort();
		free(page);
		page = NULL;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (st == NULL)
		init();
	if (size == 0 || size > 4096)
		return 0;
	if (memchr(data + 1, '\0', size - 1) != NULL ||
	    !charset_is_utf8((const char *)data + 1, size - 1))
		return 0;	/* a 400 at the HTTP layer */
	text = malloc(size);
	if (text == NULL)
		abort();
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	engine(text, data[0]);
	pager(text, data[0]);
	free(text);
	return 0;
}
