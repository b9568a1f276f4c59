/*
 * fuzz_po.c: libFuzzer harness for the PO reader (common/po.c), the
 * parser of the files translators send back (fupinctl templates
 * import).  Besides crashes it checks what the importer relies on:
 * every entry it returns has a msgid and a msgstr that are valid UTF-8
 * without a NUL inside, every problem has a line within the input, and
 * writing an entry's strings back and reading them again gives the
 * same strings.  Built by `make fuzz` (clang) and replayed under gcc by
 * `make test`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "po.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_string(const char *s)
{
	if (s != NULL && !charset_is_utf8(s, strlen(s)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct po_file *f = NULL, *g = NULL;
	struct strbuf b = STRBUF_INIT;
	size_t i, lines = 1;
	char *field;

	for (i = 0; i < size; i++)
		if (data[i] == '\n')
			lines++;
	if (po_parse((const char *)data, size, &f) != FP_OK)
		return 0;	/* out of memory only */
	for (i = 0; i < f->n_problems; i++)
		if (f->problems[i].line < 1 || (size_t)f->problems[i].line >
		    lines || f->problems[i].msg == NULL)
			abort();
	for (i = 0; i < f->n_entries; i++) {
		const struct po_entry *e = &f->entries[i];

		if (e->msgid == NULL || e->msgstr == NULL || e->line < 1 ||
		    (size_t)e->line > lines)
			abort();
		check_string(e->msgctxt);
		check_string(e->msgid);
		check_string(e->msgstr);
		po_write_string(&b, "", "msgctxt", e->msgctxt != NULL ?
		    e->msgctxt : "");
		po_write_string(&b, "", "msgid", e->msgid);
		po_write_string(&b, "", "msgstr", e->msgstr);
		strbuf_adds(&b, "\n");
	}
	field = po_header_field(f, "Language");
	free(field);
	if (!b.failed && b.len > 0) {
		if (po_parse(b.s, b.len, &g) == FP_OK) {
			/* Entries with an empty msgid and msgctxt "" stay
			 * entries; only a msgctxt-less "" is a header. */
			if (g->n_problems != 0 || g->n_entries != f->n_entries)
				abort();
			for (i = 0; i < g->n_entries; i++)
				if (strcmp(g->entries[i].msgid,
				    f->entries[i].msgid) != 0 ||
				    strcmp(g->entries[i].msgstr,
				    f->entries[i].msgstr) != 0)
					abort();
			po_file_free(g);
		}
	}
	strbuf_free(&b);
	po_file_free(f);
	return 0;
}
