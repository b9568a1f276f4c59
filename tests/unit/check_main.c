/*
 * check_main.c: runs every unit suite (the list is generated from the
 * test_*.c files into suites.h), each in its own SRunner so that each
 * suite's result is printed in Check's summary format, then a total.
 * CK_RUN_SUITE=name runs one suite.  Exit 1 if any test failed.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "testutil.h"

#define SUITE(fn) Suite *fn(void);
#include "suites.h"
#undef SUITE

/* Appends "file:line: test: message" for each failure of sr to buf. */
static void
collect_failures(SRunner *sr, char *buf, size_t size)
{
	TestResult **tr = srunner_failures(sr);
	int i, n = srunner_ntests_failed(sr);

	for (i = 0; i < n; i++) {
		size_t used = strlen(buf);

		snprintf(buf + used, size - used, "  %s:%d: %s: %s\n",
		    tr_lfile(tr[i]), tr_lno(tr[i]), tr_tcname(tr[i]),
		    tr_msg(tr[i]));
	}
	free(tr);
}

int
main(void)
{
	static Suite *(*const suites[])(void) = {
#define SUITE(fn) fn,
#include "suites.h"
#undef SUITE
	};
	const char *only = getenv("CK_RUN_SUITE");
	int total = 0, failed = 0;
	char failures[8192] = "";
	size_t i;

	/* Expected failures log errors; keep the report readable. */
	log_init("test", (enum log_level)(LOG_LEVEL_ERROR - 1));
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		Suite *s = suites[i]();
		SRunner *sr;

		sr = srunner_create(s);
		srunner_run_all(sr, only != NULL ? CK_SILENT : CK_NORMAL);
		if (only != NULL && srunner_ntests_run(sr) > 0)
			srunner_print(sr, CK_NORMAL);
		total += srunner_ntests_run(sr);
		failed += srunner_ntests_failed(sr);
		collect_failures(sr, failures, sizeof(failures));
		srunner_free(sr);
	}
	/* Repeated at the end: CI shows only the last lines of the output. */
	if (failures[0] != '\0')
		printf("failed:\n%s", failures);
	printf("%d passed, %d failed\n", total - failed, failed);
	return failed == 0 && total > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
