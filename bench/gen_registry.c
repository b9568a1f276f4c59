/*
 * gen_registry.c: writes a synthetic registry for the import benchmark
 * (bench/import_bench.sh).  `gen_registry OUTDIR HOUSEHOLDS` writes
 * OUTDIR/households.csv with HOUSEHOLDS rows, OUTDIR/members.csv with
 * exactly three members per household, and OUTDIR/cadres.csv with the 150
 * cadres the households name, in the columns of SPEC section 9.
 *
 * The data look like the real thing where the importer looks: households
 * are spread over three counties (a Yi, a Tibetan and a Han county) with
 * their village codes, statuses and languages; every member has a valid
 * 18-character resident ID number (GB 11643-1999 check digit, a birth
 * date that fits the relation) that no other member has; the first two
 * members of each household have a mobile number that no other person
 * has.  The output is deterministic: a fixed seed drives our own xorshift
 * generator, so two runs give byte-identical files.
 *
 * It links only libc, formats numbers by hand and writes through large
 * buffers, because it must produce a million households and three million
 * members in a few seconds.  It is a benchmark tool, not part of the
 * gateway; nothing else calls it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#define GEN_MAX_HOUSEHOLDS	4000000L	/* keeps ID numbers unique */
#define GEN_OUT_BUF		(4u << 20)	/* bytes buffered per file */
#define GEN_CADRES_PER_COUNTY	50
#define GEN_N_COUNTIES		3
#define GEN_SEED		UINT64_C(0x9E3779B97F4A7C15)

/*
 * Birth dates come from a table of "YYYYMMDD" strings for every day
 * from GEN_FIRST_YEAR-01-01 to GEN_LAST_YEAR-12-31.
 */
#define GEN_FIRST_YEAR		1930
#define GEN_LAST_YEAR		2024
#define GEN_MAX_DAYS		((GEN_LAST_YEAR - GEN_FIRST_YEAR + 1) * 366)

/*
 * Relations, each with its own block of 200 ID sequence numbers (digits
 * 15-17) and its own range of birth years.  A member's ID is made from a
 * per-county, per-relation counter n: the birth day is a permutation of
 * n over the relation's range, and n / days picks the sequence number in
 * the block (odd for men, even for women, as the standard has it).  No
 * two members can get the same (date, sequence) pair, so IDs are unique
 * as long as n / days stays below GEN_SEQ_PER_SEX.
 */
enum rel {
	REL_HEAD,
	REL_SPOUSE,
	REL_PARENT,
	REL_CHILD,
	REL_GRANDCHILD,
	REL_COUNT
};
#define GEN_SEQ_PER_SEX		99

struct rel_info {
	const char	*name;		/* as in the relation column */
	int		 first_year;	/* birth years, inclusive */
	int		 last_year;
	long		 first_day;	/* filled in: index into the date table */
	long		 n_days;
	long		 stride;	/* coprime with n_days */
};

static struct rel_info rels[REL_COUNT] = {
	[REL_HEAD] =       { "户主",   1950, 1995, 0, 0, 0 },
	[REL_SPOUSE] =     { "配偶",   1952, 1998, 0, 0, 0 },
	[REL_PARENT] =     { "父母",   1930, 1960, 0, 0, 0 },
	[REL_CHILD] =      { "子女",   1990, 2024, 0, 0, 0 },
	[REL_GRANDCHILD] = { "孙子女", 2010, 2024, 0, 0, 0 },
};

struct name_pool {
	const char * const	*first;		/* clan, surname or first part */
	size_t			 n_first;
	const char * const	*male;
	size_t			 n_male;
	const char * const	*female;
	size_t			 n_female;
	int			 child_keeps_first; /* children inherit first[] */
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char * const yi_clan[] = {
	"吉克", "阿苏", "沙马", "海来", "马海", "曲比", "勒尔", "俄地",
	"阿的", "吉伍", "日火", "苏布", "吉木", "阿说", "瓦扎", "比子",
};
static const char * const yi_male[] = {
	"阿木", "拉则", "伍各", "木呷", "曲布", "日古", "阿支", "伍牛",
	"石且", "依作", "拉哈", "日哈", "尔古", "子体", "木且", "阿牛",
};
static const char * const yi_female[] = {
	"阿呷", "么么", "阿果", "阿衣", "史惹", "阿依", "日莫", "阿芝",
	"乌芝", "尔作", "曲曲", "阿西",
};
static const char * const bo_first[] = {
	"泽仁", "四郎", "洛绒", "格绒", "尼玛", "达瓦", "次仁", "益西",
	"呷绒", "降泽", "登巴", "仁青",
};
static const char * const bo_male[] = {
	"扎西", "多吉", "降措", "贡布", "巴桑", "平措", "邓珠", "丹增",
	"土登", "彭措",
};
static const char * const bo_female[] = {
	"卓玛", "拉姆", "央金", "曲珍", "央宗", "志玛", "措姆", "翁姆",
	"拥措", "白姆",
};
static const char * const zh_surname[] = {
	"何", "王", "李", "张", "苟", "向", "岳", "杨", "陈", "罗",
	"冯", "赵", "吴", "袁",
};
static const char * const zh_male[] = {
	"德明", "志强", "国华", "建军", "永福", "光荣", "世平", "大勇",
	"长春", "文斌", "浩然", "宇航", "俊杰", "子轩", "博文", "一鸣",
};
static const char * const zh_female[] = {
	"秀英", "桂兰", "玉珍", "春梅", "小燕", "雪梅", "晓霞", "玉兰",
	"欣怡", "雨涵", "梓萱", "诗琪", "佳怡", "思雨",
};

static const struct name_pool pool_yi = {
	yi_clan, NELEM(yi_clan), yi_male, NELEM(yi_male),
	yi_female, NELEM(yi_female), 1
};
static const struct name_pool pool_bo = {
	bo_first, NELEM(bo_first), bo_male, NELEM(bo_male),
	bo_female, NELEM(bo_female), 0
};
static const struct name_pool pool_zh = {
	zh_surname, NELEM(zh_surname), zh_male, NELEM(zh_male),
	zh_female, NELEM(zh_female), 1
};

struct county {
	const char		*code;		/* GB/T 2260, 6 digits */
	const char		*language;	/* of most households */
	const char		*phone_prefix;	/* 3 digits, per county */
	const struct name_pool	*names;
	long			 households;	/* serial of the last one */
	long			 phones;	/* numbers handed out */
	long			 by_rel[REL_COUNT];
};

static struct county counties[GEN_N_COUNTIES] = {
	{ "513431", "ii", "139", &pool_yi, 0, 0, { 0 } },	/* 昭觉县 */
	{ "513334", "bo", "150", &pool_bo, 0, 0, { 0 } },	/* 理塘县 */
	{ "511921", "zh", "187", &pool_zh, 0, 0, { 0 } },	/* 通江县 */
};

static const char * const causes[] = {
	"因病", "因学", "缺技术", "缺劳力", "因残", "缺资金",
	"交通条件落后", "因病、缺劳力", "缺土地", "自身发展动力不足",
};

static const char * const titles[] = {
	"驻村第一书记", "帮扶责任人", "村委会主任", "驻村工作队员",
};

/* A buffered output file; the buffer is ours, stdio's is switched off. */
struct out {
	FILE	*fp;
	char	*buf;
	size_t	 len;
	char	 path[4096];
	int	 failed;
};

static char	date_table[GEN_MAX_DAYS][8];
static long	n_dates;
static uint64_t	rng_state = GEN_SEED;

/* xorshift64* (Vigna): small, fast, good enough for synthetic data. */
static uint64_t
rng_next(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * UINT64_C(2685821657736338717);
}

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static void
put_digits(char *dst, unsigned long v, int width)
{
	int i;

	for (i = width - 1; i >= 0; i--) {
		dst[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* Fill date_table and each relation's slice of it. */
static void
dates_init(void)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int y, m, d, last, r;

	n_dates = 0;
	for (y = GEN_FIRST_YEAR; y <= GEN_LAST_YEAR; y++) {
		for (r = 0; r < REL_COUNT; r++)
			if (rels[r].first_year == y)
				rels[r].first_day = n_dates;
		for (m = 1; m <= 12; m++) {
			last = mdays[m - 1] + (m == 2 && is_leap(y));
			for (d = 1; d <= last; d++) {
				put_digits(date_table[n_dates], (unsigned long)y, 4);
				put_digits(date_table[n_dates] + 4,
				    (unsigned long)m, 2);
				put_digits(date_table[n_dates] + 6,
				    (unsigned long)d, 2);
				n_dates++;
			}
		}
		for (r = 0; r < REL_COUNT; r++)
			if (rels[r].last_year == y)
				rels[r].n_days = n_dates - rels[r].first_day;
	}
}

static long
gcd(long a, long b)
{
	long t;

	while (b != 0) {
		t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* A stride coprime with each range scatters birth days over it. */
static void
strides_init(void)
{
	int r;
	long s;

	for (r = 0; r < REL_COUNT; r++) {
		s = 7919;
		while (gcd(s, rels[r].n_days) != 1)
			s += 2;
		rels[r].stride = s;
	}
}

static int
out_open(struct out *o, const char *dir, const char *name)
{
	int n;

	memset(o, 0, sizeof(*o));
	n = snprintf(o->path, sizeof(o->path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(o->path)) {
		fprintf(stderr, "gen_registry: %s/%s: path too long\n", dir,
		    name);
		return -1;
	}
	o->buf = malloc(GEN_OUT_BUF);
	if (o->buf == NULL) {
		fprintf(stderr, "gen_registry: out of memory\n");
		return -1;
	}
	o->fp = fopen(o->path, "wb");
	if (o->fp == NULL) {
		fprintf(stderr, "gen_registry: %s: %s\n", o->path,
		    strerror(errno));
		free(o->buf);
		o->buf = NULL;
		return -1;
	}
	setvbuf(o->fp, NULL, _IONBF, 0);
	return 0;
}

static void
out_flush(struct out *o)
{
	if (o->len > 0 && !o->failed &&
	    fwrite(o->buf, 1, o->len, o->fp) != o->len) {
		fprintf(stderr, "gen_registry: %s: %s\n", o->path,
		    strerror(errno));
		o->failed = 1;
	}
	o->len = 0;
}

/* Flush, close and free; -1 when anything failed on the way. */
static int
out_close(struct out *o)
{
	int rc = 0;

	if (o->fp == NULL)
		return 0;
	out_flush(o);
	if (fclose(o->fp) != 0 && !o->failed) {
		fprintf(stderr, "gen_registry: %s: %s\n", o->path,
		    strerror(errno));
		o->failed = 1;
	}
	if (o->failed)
		rc = -1;
	o->fp = NULL;
	free(o->buf);
	o->buf = NULL;
	return rc;
}

/*
 * Room for one more row: rows are far shorter than this, and the flush
 * happens between rows, so a row is never split across two writes.
 */
#define GEN_ROW_MAX	1024

static char *
out_row(struct out *o)
{
	if (o->len > GEN_OUT_BUF - GEN_ROW_MAX)
		out_flush(o);
	return o->buf + o->len;
}

static char *
put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

static char *
put_num(char *p, unsigned long v, int width)
{
	put_digits(p, v, width);
	return p + width;
}

/* The GB 11643-1999 check character of the first 17 digits of id. */
static char
id_check(const char *id)
{
	static const int weight[17] = {
		7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2
	};
	static const char map[] = "10X98765432";
	int i, sum = 0;

	for (i = 0; i < 17; i++)
		sum += (id[i] - '0') * weight[i];
	return map[sum % 11];
}

/*
 * Write the 18-character ID number of the next member of county c with
 * relation r to p; -1 when the county has run out of unique numbers.
 */
static int
make_id(char *p, struct county *c, enum rel r, int is_male)
{
	const struct rel_info *ri = &rels[r];
	long n = c->by_rel[r]++;
	long day = ri->first_day +
	    (long)((int64_t)n * ri->stride % ri->n_days);
	long q = n / ri->n_days;
	long seq;

	if (q >= GEN_SEQ_PER_SEX)
		return -1;
	seq = (long)r * 200 + 2 * q + (is_male ? 1 : 2);
	memcpy(p, c->code, 6);
	memcpy(p + 6, date_table[day], 8);
	put_digits(p + 14, (unsigned long)seq, 3);
	p[17] = id_check(p);
	return 0;
}

/*
 * The next mobile number of county c: its 3-digit prefix and 8 digits
 * from a bijection of the counter (multiplying by a number coprime with
 * 10^8), so numbers are unique and do not look sequential.
 */
static char *
put_phone(char *p, const char *prefix, unsigned long n)
{
	uint64_t v = ((uint64_t)n * 48271u + 10007u) % 100000000u;

	p = put_str(p, prefix);
	return put_num(p, (unsigned long)v, 8);
}

static const char *
pick(const char * const *list, size_t n, uint64_t r)
{
	return list[r % n];
}

/*
 * One member's name: in the Yi and Han counties children take the head's
 * clan or surname; spouses and parents bring their own.
 */
static char *
put_name(char *p, const struct name_pool *np, const char *family,
    int is_male, uint64_t r)
{
	if (family != NULL && np->child_keeps_first)
		p = put_str(p, family);
	else
		p = put_str(p, pick(np->first, np->n_first, r));
	if (is_male)
		return put_str(p, pick(np->male, np->n_male, r >> 8));
	return put_str(p, pick(np->female, np->n_female, r >> 8));
}

static int
write_cadres(const char *dir)
{
	struct out o;
	char *p;
	int c, j;

	if (out_open(&o, dir, "cadres.csv") != 0)
		return -1;
	p = out_row(&o);
	p = put_str(p, "cadre_id,name,phone,area_code,title\n");
	o.len = (size_t)(p - o.buf);
	for (c = 0; c < GEN_N_COUNTIES; c++) {
		for (j = 1; j <= GEN_CADRES_PER_COUNTY; j++) {
			uint64_t r = rng_next();

			p = out_row(&o);
			*p++ = 'C';
			p = put_str(p, counties[c].code);
			p = put_num(p, (unsigned long)j, 3);
			*p++ = ',';
			p = put_name(p, counties[c].names, NULL, r & 1,
			    r >> 1);
			*p++ = ',';
			p = put_phone(p, "199",
			    (unsigned long)(c * 1000 + j) + 5000000UL);
			*p++ = ',';
			p = put_str(p, counties[c].code);
			p = put_num(p, 100 + (unsigned long)(j % 12), 3);
			*p++ = ',';
			p = put_str(p, titles[j % NELEM(titles)]);
			*p++ = '\n';
			o.len = (size_t)(p - o.buf);
		}
	}
	return out_close(&o);
}

/* The second and third members' relations and sexes, from r. */
static void
family_shape(uint64_t r, int head_male, enum rel *rel2, int *male2,
    enum rel *rel3, int *male3)
{
	if (r % 100 < 85) {
		*rel2 = REL_SPOUSE;
		*male2 = !head_male;
	} else {
		*rel2 = REL_PARENT;
		*male2 = (r >> 8) & 1;
	}
	*rel3 = (r >> 16) % 100 < 85 ? REL_CHILD : REL_GRANDCHILD;
	*male3 = (r >> 24) & 1;
}

static int
write_registry(const char *dir, long n_households)
{
	struct out oh, om;
	char hid[32], cadre[16], *p;
	size_t hid_len;
	long i;
	int rc = -1;

	if (out_open(&oh, dir, "households.csv") != 0)
		return -1;
	if (out_open(&om, dir, "members.csv") != 0) {
		out_close(&oh);
		return -1;
	}
	p = out_row(&oh);
	p = put_str(p, "household_id,area_code,head_name,members,status,"
	    "poverty_cause,cadre_id,exit_year,language\n");
	oh.len = (size_t)(p - oh.buf);
	p = out_row(&om);
	p = put_str(p, "member_id,household_id,name,id_number,phone,"
	    "relation\n");
	om.len = (size_t)(p - om.buf);

	for (i = 0; i < n_households; i++) {
		struct county *c = &counties[i % GEN_N_COUNTIES];
		const struct name_pool *np = c->names;
		uint64_t r1 = rng_next(), r2 = rng_next();
		unsigned st = (unsigned)(r1 % 100);
		const char *family = pick(np->first, np->n_first, r1 >> 7);
		int head_male = (r1 >> 12) % 100 < 85;
		enum rel rel[3];
		int male[3], m;
		char *head_name, *head_end;

		rel[0] = REL_HEAD;
		male[0] = head_male;
		family_shape(r2, head_male, &rel[1], &male[1], &rel[2],
		    &male[2]);

		c->households++;
		p = hid;
		p = put_str(p, "HH");
		p = put_str(p, c->code);
		p = put_num(p, (unsigned long)c->households, 7);
		hid_len = (size_t)(p - hid);
		p = cadre;
		*p++ = 'C';
		p = put_str(p, c->code);
		p = put_num(p, (unsigned long)((r1 >> 20) %
		    GEN_CADRES_PER_COUNTY + 1), 3);
		*p = '\0';

		/* the household row; its head_name is the first member's */
		p = out_row(&oh);
		memcpy(p, hid, hid_len);
		p += hid_len;
		*p++ = ',';
		p = put_str(p, c->code);
		*p++ = '1';
		p = put_num(p, (unsigned long)((r1 >> 28) % 12), 2);
		*p++ = '2';
		p = put_num(p, (unsigned long)((r1 >> 32) % 15 + 1), 2);
		*p++ = ',';
		head_name = p;
		p = put_name(p, np, family, head_male, r1 >> 40);
		head_end = p;
		p = put_str(p, ",3,");
		if (st < 70)
			p = put_str(p, "exited,");
		else if (st < 88)
			p = put_str(p, "monitored,");
		else
			p = put_str(p, "poor,");
		p = put_str(p, pick(causes, NELEM(causes), r2 >> 32));
		*p++ = ',';
		p = put_str(p, cadre);
		*p++ = ',';
		if (st < 70)
			p = put_num(p, 2016 + (unsigned long)((r2 >> 40) % 5),
			    4);
		*p++ = ',';
		/* one in ten households in the minority counties uses zh */
		if ((r2 >> 48) % 10 == 0)
			p = put_str(p, "zh");
		else
			p = put_str(p, c->language);
		*p++ = '\n';
		oh.len = (size_t)(p - oh.buf);

		for (m = 0; m < 3; m++) {
			uint64_t rm = rng_next();

			p = out_row(&om);
			*p++ = 'M';
			memcpy(p, hid + 2, hid_len - 2);
			p += hid_len - 2;
			p = put_str(p, m == 0 ? "-01," : m == 1 ? "-02," :
			    "-03,");
			memcpy(p, hid, hid_len);
			p += hid_len;
			*p++ = ',';
			if (m == 0) {
				memcpy(p, head_name,
				    (size_t)(head_end - head_name));
				p += head_end - head_name;
			} else {
				p = put_name(p, np, rel[m] == REL_SPOUSE ||
				    rel[m] == REL_PARENT ? NULL : family,
				    male[m], rm);
			}
			*p++ = ',';
			if (make_id(p, c, rel[m], male[m]) != 0) {
				fprintf(stderr, "gen_registry: too many "
				    "households for unique ID numbers\n");
				goto done;
			}
			p += 18;
			*p++ = ',';
			if (m < 2)
				p = put_phone(p, c->phone_prefix,
				    (unsigned long)c->phones++);
			*p++ = ',';
			p = put_str(p, rels[rel[m]].name);
			*p++ = '\n';
			om.len = (size_t)(p - om.buf);
		}
	}
	rc = 0;
done:
	if (out_close(&oh) != 0)
		rc = -1;
	if (out_close(&om) != 0)
		rc = -1;
	return rc;
}

static int
parse_count(const char *s, long *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > GEN_MAX_HOUSEHOLDS)
		return -1;
	*out = v;
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: gen_registry OUTDIR HOUSEHOLDS\n"
	    "  writes OUTDIR/households.csv (HOUSEHOLDS rows, at most %ld),\n"
	    "  OUTDIR/members.csv (3 per household), OUTDIR/cadres.csv\n",
	    GEN_MAX_HOUSEHOLDS);
}

int
main(int argc, char **argv)
{
	long n;

	if (argc != 3 || parse_count(argv[2], &n) != 0) {
		usage();
		return 64;	/* EX_USAGE */
	}
	if (mkdir(argv[1], 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "gen_registry: %s: %s\n", argv[1],
		    strerror(errno));
		return 73;	/* EX_CANTCREAT */
	}
	dates_init();
	strides_init();
	if (write_cadres(argv[1]) != 0 || write_registry(argv[1], n) != 0)
		return 74;	/* EX_IOERR */
	printf("gen_registry: %s: %ld households, %ld members, %d cadres\n",
	    argv[1], n, 3 * n, GEN_N_COUNTIES * GEN_CADRES_PER_COUNTY);
	return 0;
}
