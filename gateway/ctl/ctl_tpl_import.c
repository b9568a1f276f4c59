/*
 * ctl_tpl_import.c: fupinctl templates import FILE.po [--dry-run]
 * (SPEC 11, issue 17): a translator's PO file back into templates.dir.
 * Every entry is checked before anything changes: the file reads as PO
 * (common/po.c), its Language is one we translate into, each msgctxt
 * names a text, once, its msgid is still the Chinese, and a translated
 * text keeps the rules (ctl_tpl_rules: variables, keywords, menu
 * numbers) and the page limits of every screen it is on (ctl_tpl_fit,
 * measured with the new texts in place).  Any problem: each is printed
 * as "FILE:LINE: msgctxt "key": why", exit 65, nothing written.
 *
 * Otherwise each changed text is written to <dir>/<lang>/<group>/
 * <name>.txt: all the new files are written first beside their targets
 * (".<name>.txt.XXXXXX", which the loader skips) and synced, and only
 * then renamed over them, so a failure before the renames changes
 * nothing.  A file keeps its byte order mark, line ends and final
 * newline.  Fuzzy entries (Poedit's "needs work"), empty ones and ones
 * still equal to the Chinese are not imported: the text stays as it
 * was.  A machine draft sent back not fuzzy is taken off
 * templates/<lang>/STATUS (reviewed), changed or not.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "ctl_tpl.h"
#include "po.h"

#define PO_MAX_BYTES	(4 * 1024 * 1024)

struct change {
	const struct ctl_tpl_entry	*e;
	const struct po_entry		*pe;	/* borrowed from the file */
	bool				 text_changed;
	char				*path;	/* owned: the target */
	char				*tmp;	/* owned: written, not renamed */
};

struct problem {
	long	 line;
	size_t	 seq;		/* keeps the order of one line's problems */
	char	*text;		/* owned */
};

struct import {
	struct problem		*list;
	size_t			 n_list;
	const char		*file;
	const char		*lang;
	struct ctl_tpl		*cat;
	struct templates_status	*st;
	struct change		*ch;
	size_t			 n_ch;
	int			 problems;
	int			 warnings;
	int			 fuzzy, empty, chinese, same;
	int			 reviewed;	/* drafts sent back not fuzzy */
};

/* Problems are kept and printed in line order at the end. */
static void
report(struct import *im, long line, const char *ctxt, const char *msg)
{
	struct problem *np;
	struct strbuf b = STRBUF_INIT;

	im->problems++;
	if (ctxt != NULL)
		strbuf_printf(&b, "%s:%ld: msgctxt \"%s\": %s", im->file, line,
		    ctxt, msg);
	else
		strbuf_printf(&b, "%s:%ld: %s", im->file, line, msg);
	np = realloc(im->list, (im->n_list + 1) * sizeof(*np));
	if (np == NULL || b.failed) {
		/* Out of memory: at least it is said. */
		printf("%s\n", b.failed ? msg : strbuf_str(&b));
		strbuf_free(&b);
		if (np != NULL)
			im->list = np;
		return;
	}
	im->list = np;
	np[im->n_list].line = line;
	np[im->n_list].seq = im->n_list;
	np[im->n_list].text = strbuf_take(&b, NULL);
	im->n_list++;
}

static int
cmp_problem(const void *a, const void *b)
{
	const struct problem *pa = a, *pb = b;

	if (pa->line != pb->line)
		return pa->line < pb->line ? -1 : 1;
	return pa->seq < pb->seq ? -1 : pa->seq > pb->seq;
}

static void
print_problems(struct import *im)
{
	size_t i;

	if (im->n_list > 1)
		qsort(im->list, im->n_list, sizeof(im->list[0]), cmp_problem);
	for (i = 0; i < im->n_list; i++) {
		printf("%s\n", im->list[i].text != NULL ? im->list[i].text :
		    "(out of memory)");
		free(im->list[i].text);
	}
	free(im->list);
	im->list = NULL;
	im->n_list = 0;
}

static enum fp_err
read_all(const char *path, char **out, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	size_t n;

	if (fp == NULL)
		return errno == ENOENT ? FP_ENOTFOUND : FP_EIO;
	buf = malloc(PO_MAX_BYTES + 1);
	if (buf == NULL) {
		fclose(fp);
		return FP_ENOMEM;
	}
	n = fread(buf, 1, PO_MAX_BYTES + 1, fp);
	if (ferror(fp)) {
		fclose(fp);
		free(buf);
		return FP_EIO;
	}
	fclose(fp);
	if (n > PO_MAX_BYTES) {
		free(buf);
		return FP_ETOOBIG;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return FP_OK;
}

/* The Language header's code: "ii", "ii_CN", "bo-CN" give ii, bo. */
static bool
header_language(struct import *im, const struct po_file *f, char *lang,
    size_t size)
{
	char *v, *cs;
	size_t n;

	if (f->header == NULL) {
		report(im, 1, NULL, "no header entry (msgid \"\" with "
		    "\"Language: ...\"): was this file made by fupinctl "
		    "templates export?");
		return false;
	}
	cs = po_header_field(f, "Content-Type");
	for (n = 0; cs != NULL && cs[n] != '\0'; n++)
		if (cs[n] >= 'A' && cs[n] <= 'Z')
			cs[n] = (char)(cs[n] - 'A' + 'a');
	if (cs != NULL && strstr(cs, "charset=") != NULL &&
	    strstr(cs, "charset=utf-8") == NULL) {
		report(im, f->header_line, NULL, "the file must be UTF-8 "
		    "(Content-Type: text/plain; charset=UTF-8)");
	}
	free(cs);
	v = po_header_field(f, "Language");
	if (v == NULL || v[0] == '\0') {
		report(im, f->header_line, NULL, "the header has no "
		    "\"Language:\" (in Poedit: Translation > Properties)");
		free(v);
		return false;
	}
	n = strcspn(v, "_-@.");
	if (n >= size) {
		n = 0;
	}
	memcpy(lang, v, n);
	lang[n] = '\0';
	if (!ctl_tpl_is_target(lang)) {
		char msg[160];

		snprintf(msg, sizeof(msg), "Language \"%.40s\" is not one the "
		    "texts are translated into (ii, bo, en)", v);
		report(im, f->header_line, NULL, msg);
		free(v);
		return false;
	}
	free(v);
	return true;
}

struct rule_ctx {
	struct import		*im;
	const struct po_entry	*pe;
	int			 n;
};

static void
rule_problem(void *arg, const char *msg)
{
	struct rule_ctx *r = arg;

	report(r->im, r->pe->msgstr_line, r->pe->msgctxt, msg);
	r->n++;
}

static enum fp_err
add_change(struct import *im, const struct ctl_tpl_entry *e,
    const struct po_entry *pe, bool text_changed)
{
	struct change *nc;

	nc = realloc(im->ch, (im->n_ch + 1) * sizeof(*nc));
	if (nc == NULL)
		return FP_ENOMEM;
	im->ch = nc;
	nc[im->n_ch++] = (struct change){ e, pe, text_changed, NULL, NULL };
	return FP_OK;
}

/* One entry: checked, and its text put in the overlay when good. */
static enum fp_err
take_entry(struct import *im, const struct po_file *f, size_t idx)
{
	const struct po_entry *pe = &f->entries[idx];
	const struct ctl_tpl_entry *e;
	struct rule_ctx r = { im, pe, 0 };
	const char *src, *cur, *why = NULL;
	char msg[320];
	size_t k;
	bool drafted;

	if (pe->is_obsolete)
		return FP_OK;
	if (pe->msgctxt == NULL) {
		snprintf(msg, sizeof(msg), "an entry without msgctxt (msgid "
		    "\"%.60s\"): each text is named by its msgctxt", pe->msgid);
		report(im, pe->line, NULL, msg);
		return FP_OK;
	}
	for (k = 0; k < idx; k++)
		if (!f->entries[k].is_obsolete && f->entries[k].msgctxt !=
		    NULL && strcmp(f->entries[k].msgctxt, pe->msgctxt) == 0) {
			snprintf(msg, sizeof(msg), "appears twice (first on "
			    "line %ld)", f->entries[k].line);
			report(im, pe->line, pe->msgctxt, msg);
			return FP_OK;
		}
	e = ctl_tpl_find(im->cat, pe->msgctxt);
	if (e == NULL || !e->in_source) {
		report(im, pe->line, pe->msgctxt, "unknown key: no such text "
		    "in templates (export again to get the current list)");
		return FP_OK;
	}
	if (e->is_fixed) {
		report(im, pe->line, pe->msgctxt, "is not translated: it is "
		    "the same in every language");
		return FP_OK;
	}
	if (pe->msgid_plural != NULL) {
		report(im, pe->line, pe->msgctxt, "plural forms are not used "
		    "by these texts");
		return FP_OK;
	}
	src = templates_text(im->cat->tpl, TEMPLATES_SOURCE_LANG, e->group,
	    e->name, NULL);
	if (src == NULL || strcmp(src, pe->msgid) != 0) {
		report(im, pe->line, pe->msgctxt, "the Chinese text (msgid) has "
		    "changed since this file was exported: export again (in "
		    "Poedit: Translation > Update from POT file) and check "
		    "this translation");
		return FP_OK;
	}
	if (pe->is_fuzzy) {
		im->fuzzy++;
		return FP_OK;
	}
	if (pe->msgstr[0] == '\0') {
		im->empty++;
		return FP_OK;
	}
	if (strcmp(pe->msgstr, src) == 0) {
		im->chinese++;
		return FP_OK;
	}
	ctl_tpl_rules(im->cat, e, pe->msgstr, strlen(pe->msgstr), src,
	    rule_problem, &r);
	if (r.n > 0)
		return FP_OK;
	drafted = templates_status_is_drafted(im->st, e->key);
	cur = templates_text(im->cat->tpl, im->lang, e->group, e->name, NULL);
	if (drafted)
		im->reviewed++;
	if (cur != NULL && strcmp(cur, pe->msgstr) == 0) {
		if (!drafted) {
			im->same++;
			return FP_OK;
		}
		return add_change(im, e, pe, false);	/* reviewed as is */
	}
	if (templates_set(im->cat->tpl, im->lang, e->group, e->name,
	    pe->msgstr, strlen(pe->msgstr), &why) != FP_OK) {
		report(im, pe->msgstr_line, pe->msgctxt, why != NULL ? why :
		    "out of memory");
		return why != NULL ? FP_OK : FP_ENOMEM;
	}
	return add_change(im, e, pe, true);
}

struct fit_ctx {
	struct import	*im;
};

/*
 * A page problem: named at the longest text this file changed on that
 * screen (the likeliest cause), the other changed ones listed after.
 */
static void
fit_problem(void *arg, const char *const *keys, size_t n_keys,
    const char *msg)
{
	struct fit_ctx *fc = arg;
	struct import *im = fc->im;
	struct strbuf others = STRBUF_INIT;
	const struct change *worst = NULL;
	size_t i, j, worst_len = 0;

	for (i = 0; i < n_keys; i++) {
		const char *key = keys[i];
		char full[CTL_TPL_KEY_MAX];

		if (strchr(key, '/') == NULL) {
			snprintf(full, sizeof(full), "ussd/%s", key);
			key = full;
		}
		for (j = 0; j < im->n_ch; j++) {
			const struct change *c = &im->ch[j];

			if (!c->text_changed || strcmp(c->e->key, key) != 0)
				continue;
			if (worst == NULL || strlen(c->pe->msgstr) > worst_len) {
				if (worst != NULL)
					strbuf_printf(&others, ", %s (line %ld)",
					    worst->e->key,
					    worst->pe->msgstr_line);
				worst = c;
				worst_len = strlen(c->pe->msgstr);
			} else
				strbuf_printf(&others, ", %s (line %ld)",
				    c->e->key, c->pe->msgstr_line);
		}
	}
	if (worst == NULL) {
		/* As it was before this file: not this file's doing. */
		printf("%s: warning: %s/%s: %s (already so before this "
		    "file)\n", im->file, im->lang, keys[0], msg);
		im->warnings++;
	} else if (others.len > 0) {
		char *m = NULL;
		size_t n = strlen(msg) + others.len + 64;

		m = malloc(n);
		if (m != NULL) {
			snprintf(m, n, "%s; also changed on it: %s", msg,
			    strbuf_str(&others) + 2);
			report(im, worst->pe->msgstr_line, worst->pe->msgctxt, m);
			free(m);
		} else
			report(im, worst->pe->msgstr_line, worst->pe->msgctxt,
			    msg);
	} else
		report(im, worst->pe->msgstr_line, worst->pe->msgctxt, msg);
	strbuf_free(&others);
}

/* ---- writing ---------------------------------------------------------- */

/* The new bytes of the file at path, in its old format. */
static enum fp_err
file_bytes(const char *path, const char *text, struct strbuf *b)
{
	char *old = NULL;
	size_t len = 0;
	bool bom = false, crlf = false, final_nl = true;
	const char *p;
	enum fp_err err;

	err = read_all(path, &old, &len);
	if (err == FP_OK) {
		bom = len >= 3 && memcmp(old, "\xEF\xBB\xBF", 3) == 0;
		crlf = strstr(old, "\r\n") != NULL;
		final_nl = len > 0 && old[len - 1] == '\n';
		free(old);
	} else if (err != FP_ENOTFOUND)
		return err;
	/* The loader drops one final newline: keep a text's own. */
	if (text[0] != '\0' && text[strlen(text) - 1] == '\n')
		final_nl = true;
	if (bom)
		strbuf_adds(b, "\xEF\xBB\xBF");
	for (p = text; *p != '\0'; p++) {
		if (*p == '\n' && crlf && (p == text || p[-1] != '\r'))
			strbuf_add(b, "\r", 1);
		strbuf_add(b, p, 1);
	}
	if (final_nl)
		strbuf_adds(b, crlf ? "\r\n" : "\n");
	return b->failed ? FP_ENOMEM : FP_OK;
}

static int
mkdirs(const char *dir)
{
	char buf[4096], *p;

	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf))
		return -1;
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* Write bytes to a new temporary file beside path; *tmp its name. */
static enum fp_err
write_tmp(const char *path, const char *data, size_t len, char **tmp)
{
	char dir[4096], base[256], *t, *slash;
	struct stat st;
	mode_t mode = 0644;
	size_t n;
	int fd, r;

	*tmp = NULL;
	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return FP_EINVAL;
	slash = strrchr(dir, '/');
	if (slash == NULL || snprintf(base, sizeof(base), "%s", slash + 1) >=
	    (int)sizeof(base))
		return FP_EINVAL;
	*slash = '\0';
	if (mkdirs(dir) != 0)
		return FP_EIO;
	n = strlen(dir) + strlen(base) + 16;
	t = malloc(n);
	if (t == NULL)
		return FP_ENOMEM;
	r = snprintf(t, n, "%s/.%s.XXXXXX", dir, base);
	if (r < 0 || (size_t)r >= n) {
		free(t);
		return FP_EINVAL;
	}
	fd = mkstemp(t);
	if (fd < 0) {
		free(t);
		return FP_EIO;
	}
	if (stat(path, &st) == 0)
		mode = st.st_mode & 07777;
	if (fchmod(fd, mode) != 0 || (len > 0 && write(fd, data, len) !=
	    (ssize_t)len) || fsync(fd) != 0) {
		close(fd);
		unlink(t);
		free(t);
		return FP_EIO;
	}
	if (close(fd) != 0) {
		unlink(t);
		free(t);
		return FP_EIO;
	}
	*tmp = t;
	return FP_OK;
}

static void
sync_dir(const char *path)
{
	char dir[4096], *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		return;
	*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

static void
drop_tmps(struct import *im, char **status_tmp)
{
	size_t i;

	for (i = 0; i < im->n_ch; i++)
		if (im->ch[i].tmp != NULL) {
			unlink(im->ch[i].tmp);
			free(im->ch[i].tmp);
			im->ch[i].tmp = NULL;
		}
	if (*status_tmp != NULL) {
		unlink(*status_tmp);
		free(*status_tmp);
		*status_tmp = NULL;
	}
}

/* Write every change, or nothing. */
static int
write_all(struct import *im, const struct cfg *cfg)
{
	char *status_tmp = NULL, *status_bytes = NULL, status_path[4096];
	size_t i, len, reviewed = 0;
	enum fp_err err = FP_OK;

	errno = 0;

	for (i = 0; i < im->n_ch && err == FP_OK; i++) {
		struct change *c = &im->ch[i];
		struct strbuf b = STRBUF_INIT;
		size_t n = strlen(cfg->templates.dir) + strlen(im->lang) +
		    strlen(c->e->key) + 16;

		if (templates_status_set_reviewed(im->st, c->e->key))
			reviewed++;
		if (!c->text_changed)
			continue;
		c->path = malloc(n);
		if (c->path == NULL) {
			err = FP_ENOMEM;
			break;
		}
		snprintf(c->path, n, "%s/%s/%s.txt", cfg->templates.dir,
		    im->lang, c->e->key);
		err = file_bytes(c->path, c->pe->msgstr, &b);
		if (err == FP_OK)
			err = write_tmp(c->path, b.s != NULL ? b.s : "", b.len,
			    &c->tmp);
		strbuf_free(&b);
		if (err != FP_OK)
			fprintf(stderr, "fupinctl: %s: %s\n", c->path,
			    err == FP_EIO ? strerror(errno) :
			    fp_strerror(err));
	}
	snprintf(status_path, sizeof(status_path), "%s/%s/STATUS",
	    cfg->templates.dir, im->lang);
	if (err == FP_OK && reviewed > 0) {
		err = templates_status_format(im->st, &status_bytes, &len);
		if (err == FP_OK)
			err = write_tmp(status_path, status_bytes, len,
			    &status_tmp);
		free(status_bytes);
		if (err != FP_OK)
			fprintf(stderr, "fupinctl: %s: %s\n", status_path,
			    err == FP_EIO ? strerror(errno) :
			    fp_strerror(err));
	}
	if (err != FP_OK) {
		drop_tmps(im, &status_tmp);
		fprintf(stderr, "fupinctl: nothing changed\n");
		return EX_IOERR;
	}
	/* Every new file is on disk: now they replace the old ones. */
	for (i = 0; i < im->n_ch; i++) {
		struct change *c = &im->ch[i];

		if (c->tmp == NULL)
			continue;
		if (rename(c->tmp, c->path) != 0) {
			fprintf(stderr, "fupinctl: %s: %s (the texts before it "
			    "were written)\n", c->path, strerror(errno));
			drop_tmps(im, &status_tmp);
			return EX_IOERR;
		}
		free(c->tmp);
		c->tmp = NULL;
		sync_dir(c->path);
	}
	if (status_tmp != NULL) {
		if (rename(status_tmp, status_path) != 0) {
			fprintf(stderr, "fupinctl: %s: %s\n", status_path,
			    strerror(errno));
			drop_tmps(im, &status_tmp);
			return EX_IOERR;
		}
		free(status_tmp);
		sync_dir(status_path);
	}
	return EX_OK;
}

static void
summary(const struct import *im, bool dry_run)
{
	size_t i, changed = 0;

	for (i = 0; i < im->n_ch; i++)
		if (im->ch[i].text_changed)
			changed++;
	printf("%s: %s%zu text%s %s, %d draft%s marked reviewed; not "
	    "imported: %d fuzzy (needs work), %d empty, %d still Chinese; %d "
	    "unchanged\n", im->file, dry_run ? "dry run: " : "", changed,
	    changed == 1 ? "" : "s", dry_run ? "would be written" :
	    "written", im->reviewed, im->reviewed == 1 ? "" : "s", im->fuzzy,
	    im->empty, im->chinese, im->same);
	if (!dry_run && changed > 0)
		printf("restart the gateway to use them; `fupinctl templates "
		    "check` shows the coverage\n");
}

static int
usage(void)
{
	fprintf(stderr, "usage: fupinctl templates import FILE.po "
	    "[--dry-run]\n");
	return EX_USAGE;
}

int
ctl_tpl_import(const struct cfg *cfg, int argc, char **argv)
{
	struct import im;
	struct po_file *f = NULL;
	struct fit_ctx fc;
	char *data = NULL, *why = NULL, lang[16];
	size_t len = 0, i;
	bool dry_run = false;
	int rc = EX_DATAERR;
	enum fp_err err;

	memset(&im, 0, sizeof(im));
	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0)
			dry_run = true;
		else if (argv[i][0] == '-' || im.file != NULL)
			return usage();
		else
			im.file = argv[i];
	}
	if (im.file == NULL)
		return usage();
	err = read_all(im.file, &data, &len);
	if (err != FP_OK) {
		fprintf(stderr, "fupinctl: %s: %s\n", im.file,
		    err == FP_ETOOBIG ? "larger than 4 MiB" :
		    err == FP_EIO || err == FP_ENOTFOUND ? strerror(errno) :
		    fp_strerror(err));
		return err == FP_ENOTFOUND || err == FP_EIO ? EX_NOINPUT :
		    EX_DATAERR;
	}
	err = po_parse(data, len, &f);
	if (err != FP_OK) {
		free(data);
		fprintf(stderr, "fupinctl: out of memory\n");
		return EX_OSERR;
	}
	for (i = 0; i < f->n_problems; i++)
		report(&im, f->problems[i].line, NULL, f->problems[i].msg);
	if (!header_language(&im, f, lang, sizeof(lang)))
		goto done;
	im.lang = lang;
	err = ctl_tpl_open(cfg, &im.cat, &why);
	if (err == FP_OK)
		err = templates_status_load(cfg->templates.dir, lang, &im.st,
		    &why);
	if (err != FP_OK) {
		printf("%s\n", why != NULL ? why : fp_strerror(err));
		im.problems++;
		goto done;
	}
	for (i = 0; i < f->n_entries; i++) {
		err = take_entry(&im, f, i);
		if (err != FP_OK) {
			fprintf(stderr, "fupinctl: out of memory\n");
			rc = EX_OSERR;
			goto done;
		}
	}
	/* Page fit with every new text in place (ctl_tpl.h). */
	fc.im = &im;
	(void)ctl_tpl_fit(im.cat, lang, fit_problem, &fc);
	if (im.problems > 0)
		goto done;
	if (!dry_run) {
		rc = write_all(&im, cfg);
		if (rc != EX_OK)
			goto done;
	}
	summary(&im, dry_run);
	rc = EX_OK;
done:
	print_problems(&im);
	if (im.problems > 0)
		printf("%s: %d problem%s: nothing changed\n", im.file,
		    im.problems, im.problems == 1 ? "" : "s");
	for (i = 0; i < im.n_ch; i++) {
		free(im.ch[i].path);
		free(im.ch[i].tmp);
	}
	free(im.ch);
	free(why);
	templates_status_free(im.st);
	ctl_tpl_close(im.cat);
	po_file_free(f);
	free(data);
	return rc;
}
