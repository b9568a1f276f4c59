/*
 * test_templates_coverage.c: the texts to translate and what a language
 * has of them (templates_coverage.h), the one count behind `fupinctl
 * templates check` and the console's texts page: the catalog's order
 * (the menu's texts first, then the source's by group), what counts
 * (the source's texts but the fixed ones), missing / drafted /
 * translated with STATUS, the menu complete or not.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "templates.h"
#include "templates_coverage.h"
#include "templates_status.h"
#include "testutil.h"

Suite *templates_coverage_suite(void);

static char *dir;
static struct templates *tpl;

/*
 * The source has a menu (main, its option, a list line that is only
 * placeholders: fixed), an SMS reply and a notice; ii has the menu
 * title, a copy of the Chinese option and the reply; bo has all three
 * menu texts, one a draft; ii also has a text the source lacks.
 */
static void
setup(void)
{
	char *bad = NULL;

	dir = tu_mkdtemp();
	ck_assert_ptr_nonnull(dir);
	tu_put_file(dir, "zh/ussd/main.txt", "主菜单\n");
	tu_put_file(dir, "zh/ussd/opt_status.txt", "查询状态\n");
	tu_put_file(dir, "zh/ussd/item.txt", "{task} {task_text}\n");
	tu_put_file(dir, "zh/ussd/extra.txt", "另一屏\n");
	tu_put_file(dir, "zh/sms/fk_ok.txt", "已收到，编号{ticket}。\n");
	tu_put_file(dir, "zh/notices/general_notice.txt", "{text} 回TD退订\n");
	tu_put_file(dir, "ii/ussd/main.txt", "ꆈꌠꉙ\n");
	tu_put_file(dir, "ii/ussd/opt_status.txt",
	    "查询状态\n");	/* still Chinese */
	tu_put_file(dir, "ii/sms/fk_ok.txt", "ꀋꅉ{ticket}\n");
	tu_put_file(dir, "ii/sms/only_ii.txt", "ꂷꄉ\n");
	tu_put_file(dir, "bo/ussd/main.txt", "བཀྲ་ཤིས།\n");
	tu_put_file(dir, "bo/ussd/opt_status.txt", "ཁྱིམ་ཚང་\n");
	tu_put_file(dir, "bo/ussd/extra.txt", "བདེ་ལེགས།\n");
	tu_put_file(dir, "bo/STATUS", "# drafts\nussd/opt_status drafted\n");
	ck_assert_msg(templates_load(dir, "zh", &tpl, &bad) == FP_OK, "%s",
	    bad != NULL ? bad : "-");
}

static void
teardown(void)
{
	templates_free(tpl);
	tu_rmtree(dir);
	free(dir);
}

static const char *const menu[] = { "opt_status", "main", "item" };

static const struct templates_key *
find(const struct templates_key *k, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(k[i].key, key) == 0)
			return &k[i];
	return NULL;
}

START_TEST(the_catalog_lists_the_menu_first_then_the_source_by_group)
{
	struct templates_key *k = NULL;
	size_t n = 0;

	ck_assert_int_eq(templates_keys_list(tpl, menu, 3, &k, &n), FP_OK);
	ck_assert_uint_eq(n, 7);
	ck_assert_str_eq(k[0].key, "ussd/opt_status");	/* the menu's order */
	ck_assert_str_eq(k[1].key, "ussd/main");
	ck_assert_str_eq(k[2].key, "ussd/item");
	ck_assert_str_eq(k[3].key, "ussd/extra");	/* then ussd, sms, */
	ck_assert_str_eq(k[4].key, "sms/fk_ok");	/* notices */
	ck_assert_str_eq(k[5].key, "notices/general_notice");
	ck_assert_str_eq(k[6].key, "sms/only_ii");	/* not the source's */
	ck_assert(k[0].in_menu && k[2].in_menu && !k[3].in_menu);
	ck_assert_str_eq(k[4].group, "sms");
	ck_assert_str_eq(k[4].name, "fk_ok");
	ck_assert(k[2].is_fixed);
	ck_assert(!k[6].in_source);
	ck_assert(templates_key_counts(&k[0]));
	ck_assert(!templates_key_counts(&k[2]));
	ck_assert(!templates_key_counts(&k[6]));
	free(k);
}
END_TEST

START_TEST(a_language_counts_translated_drafted_and_missing)
{
	struct templates_key *k = NULL;
	struct templates_status *st = NULL;
	struct templates_coverage c;
	char *why = NULL;
	size_t n = 0;

	ck_assert_int_eq(templates_keys_list(tpl, menu, 3, &k, &n), FP_OK);
	/* ii: main and fk_ok translated; opt_status (a copy), extra and the
	 * notice missing; the fixed list line and only_ii not counted. */
	ck_assert_int_eq(templates_coverage_count(tpl, "ii", NULL, k, n, &c),
	    FP_OK);
	ck_assert_int_eq(c.total, 5);
	ck_assert_int_eq(c.translated, 2);
	ck_assert_int_eq(c.drafted, 0);
	ck_assert_int_eq(c.missing, 3);
	ck_assert_uint_eq(c.n_missing, 3);
	ck_assert_str_eq(c.missing_keys[0], "ussd/opt_status");
	ck_assert_str_eq(c.missing_keys[1], "ussd/extra");
	ck_assert_str_eq(c.missing_keys[2], "notices/general_notice");
	ck_assert_int_eq(c.menu_missing, 1);
	templates_coverage_cleanup(&c);
	/* bo with its STATUS: one draft, the menu complete. */
	ck_assert_int_eq(templates_status_load(dir, "bo", &st, &why), FP_OK);
	ck_assert_int_eq(templates_coverage_count(tpl, "bo", st, k, n, &c),
	    FP_OK);
	ck_assert_int_eq(c.translated, 2);
	ck_assert_int_eq(c.drafted, 1);
	ck_assert_int_eq(c.missing, 2);
	ck_assert_int_eq(c.total, c.translated + c.drafted + c.missing);
	ck_assert_int_eq(c.menu_missing, 0);
	ck_assert_int_eq(templates_state_of(tpl, "bo", "ussd", "opt_status",
	    st), TEMPLATES_DRAFTED);
	ck_assert_int_eq(templates_state_of(tpl, "bo", "ussd", "main", st),
	    TEMPLATES_TRANSLATED);
	ck_assert_int_eq(templates_state_of(tpl, "bo", "sms", "fk_ok", st),
	    TEMPLATES_MISSING);
	ck_assert_str_eq(templates_state_name(TEMPLATES_DRAFTED), "drafted");
	templates_coverage_cleanup(&c);
	templates_status_free(st);
	/* The source has everything. */
	ck_assert_int_eq(templates_coverage_count(tpl, "zh", NULL, k, n, &c),
	    FP_OK);
	ck_assert_int_eq(c.translated, 5);
	ck_assert_int_eq(c.missing, 0);
	ck_assert_ptr_null(find(k, n, "ussd/nothing"));
	templates_coverage_cleanup(&c);
	free(k);
}
END_TEST

Suite *
templates_coverage_suite(void)
{
	Suite *s = suite_create("templates_coverage");
	TCase *tc = tcase_create("coverage");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, the_catalog_lists_the_menu_first_then_the_source_by_group);
	tcase_add_test(tc, a_language_counts_translated_drafted_and_missing);
	suite_add_tcase(s, tc);
	return s;
}
