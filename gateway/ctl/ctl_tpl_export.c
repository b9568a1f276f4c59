/*
 * ctl_tpl_export.c: fupinctl templates export --lang L [--format po|pot]
 * (SPEC 11, issue 17): every text of language L, the Chinese source
 * beside it, as a gettext PO file on standard output, for a translator
 * to open in Poedit.  Each entry: notes for the translator ("#." lines:
 * where the text appears, its variables, its page limit and the room
 * it has), the file it comes from ("#:"), msgctxt = the text's key
 * ("ussd/main"), msgid = the Chinese, msgstr = the L text.  A text
 * that is still the Chinese (or has no L file) is written with the
 * Chinese as msgstr and marked fuzzy: Poedit shows it as "needs work"
 * and the import leaves it alone until a translator changes it.  A
 * machine draft (templates/<L>/STATUS) is fuzzy too, with a note, so
 * that only a person clearing the flag makes it reviewed.  --format pot
 * writes the template: every msgstr empty, no flags.  No dates in the
 * output: exporting twice gives the same bytes (templates/po/ii.pot is
 * committed and checked against a fresh export).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "ctl_tpl.h"
#include "po.h"

/* Plural-Forms per language (none of our texts has a plural). */
static const struct {
	const char	*lang;
	const char	*name;
	const char	*plural;
} langs[] = {
	{ "ii", "Nuosu Yi (Sichuan Yi) ꆈꌠꉙ", "nplurals=1; plural=0;" },
	{ "bo", "Tibetan བོད་ཡིག", "nplurals=1; plural=0;" },
	{ "en", "English", "nplurals=2; plural=(n != 1);" },
};
#define N_LANGS (sizeof(langs) / sizeof(langs[0]))

static int
usage(void)
{
	fprintf(stderr, "usage: fupinctl templates export --lang LANG "
	    "[--format po|pot]\n  LANG: ii, bo or en (zh is the source)\n");
	return EX_USAGE;
}

static void
header(const struct ctl_tpl *c, const char *lang, bool pot,
    const int *counts, struct strbuf *b)
{
	struct strbuf h = STRBUF_INIT;
	size_t i;

	for (i = 0; i + 1 < N_LANGS; i++)	/* checked by the caller */
		if (strcmp(langs[i].lang, lang) == 0)
			break;
	strbuf_printf(b, "# Fupin Gateway: the texts villagers and cadres "
	    "read, %s (%s).\n", langs[i].name, lang);
	strbuf_printf(b, "# Made by `fupinctl templates export --lang %s%s`; "
	    "how to translate it: templates/TRANSLATIONS.md.\n", lang,
	    pot ? " --format pot" : "");
	strbuf_adds(b, "# msgctxt is the text's key, msgid the Chinese, "
	    "msgstr yours. Keep every {variable}.\n");
	if (!pot)
		strbuf_printf(b, "# At export: %d translated, %d machine-drafted "
		    "(marked fuzzy, \"needs work\"), %d missing (fuzzy, still "
		    "the Chinese).\n", counts[TEMPLATES_TRANSLATED],
		    counts[TEMPLATES_DRAFTED], counts[TEMPLATES_MISSING]);
	strbuf_printf(&h, "Project-Id-Version: fupin-gateway %s\n"
	    "Language: %s\nMIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=UTF-8\n"
	    "Content-Transfer-Encoding: 8bit\nPlural-Forms: %s\n"
	    "X-Source-Language: zh\n", FP_VERSION, lang, langs[i].plural);
	if (!pot)
		strbuf_printf(&h, "X-Fupin-Coverage: translated %d, "
		    "machine-drafted %d, missing %d\n",
		    counts[TEMPLATES_TRANSLATED], counts[TEMPLATES_DRAFTED],
		    counts[TEMPLATES_MISSING]);
	(void)c;
	po_write_string(b, "", "msgid", "");
	po_write_string(b, "", "msgstr", strbuf_str(&h));
	strbuf_free(&h);
}

static void
entry(const struct ctl_tpl *c, const struct ctl_tpl_entry *e,
    const char *lang, bool pot, const struct templates_status *st,
    struct strbuf *b)
{
	const char *src, *text;
	enum templates_state s = ctl_tpl_state(c, e, lang, st);

	src = templates_text(c->tpl, TEMPLATES_SOURCE_LANG, e->group, e->name,
	    NULL);
	text = s == TEMPLATES_MISSING ? src : templates_text(c->tpl, lang,
	    e->group, e->name, NULL);
	strbuf_adds(b, "\n");
	ctl_tpl_describe(c, e, lang, b);
	if (!pot && s == TEMPLATES_DRAFTED)
		strbuf_adds(b, "#. Machine draft, not reviewed by a native "
		    "speaker 机器草稿，未经审校: correct it, then clear \"Needs "
		    "work\" (fuzzy) to mark it reviewed.\n");
	if (!pot && s == TEMPLATES_MISSING)
		strbuf_adds(b, "#. Not translated yet 未翻译: the Chinese is "
		    "shown meanwhile.\n");
	strbuf_printf(b, "#: %s/%s/%s.txt\n", TEMPLATES_SOURCE_LANG, e->group,
	    e->name);
	if (!pot && s != TEMPLATES_TRANSLATED)
		strbuf_adds(b, "#, fuzzy\n");
	po_write_string(b, "", "msgctxt", e->key);
	po_write_string(b, "", "msgid", src);
	po_write_string(b, "", "msgstr", pot || text == NULL ? "" : text);
}

int
ctl_tpl_export(const struct cfg *cfg, int argc, char **argv)
{
	const char *lang = NULL, *format = "po";
	struct templates_status *st = NULL;
	struct templates_coverage cov;
	struct ctl_tpl *c = NULL;
	struct strbuf b = STRBUF_INIT;
	int i, counts[3] = { 0, 0, 0 }, rc = EX_OK;
	char *why = NULL;
	bool pot;
	size_t k;
	enum fp_err err;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc)
			lang = argv[++i];
		else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			format = argv[++i];
		else
			return usage();
	}
	if (lang == NULL || !ctl_tpl_is_target(lang) ||
	    (strcmp(format, "po") != 0 && strcmp(format, "pot") != 0))
		return usage();
	pot = strcmp(format, "pot") == 0;
	err = ctl_tpl_open(cfg, &c, &why);
	if (err == FP_OK)
		err = templates_status_load(cfg->templates.dir, lang, &st, &why);
	if (err != FP_OK) {
		fprintf(stderr, "fupinctl: %s\n", why != NULL ? why :
		    fp_strerror(err));
		free(why);
		ctl_tpl_close(c);
		return EX_DATAERR;
	}
	err = templates_coverage_count(c->tpl, lang, st, c->keys, c->n_entries,
	    &cov);
	if (err != FP_OK) {
		fprintf(stderr, "fupinctl: %s\n", fp_strerror(err));
		templates_status_free(st);
		ctl_tpl_close(c);
		return EX_OSERR;
	}
	counts[TEMPLATES_TRANSLATED] = cov.translated;
	counts[TEMPLATES_DRAFTED] = cov.drafted;
	counts[TEMPLATES_MISSING] = cov.missing;
	templates_coverage_cleanup(&cov);
	header(c, lang, pot, counts, &b);
	for (k = 0; k < c->n_entries; k++)
		if (c->entries[k].in_source && !c->entries[k].is_fixed)
			entry(c, &c->entries[k], lang, pot, st, &b);
	if (b.failed) {
		fprintf(stderr, "fupinctl: out of memory\n");
		rc = EX_OSERR;
	} else if (fwrite(b.s, 1, b.len, stdout) != b.len ||
	    fflush(stdout) != 0) {
		fprintf(stderr, "fupinctl: writing standard output failed\n");
		rc = EX_IOERR;
	}
	strbuf_free(&b);
	templates_status_free(st);
	ctl_tpl_close(c);
	return rc;
}
