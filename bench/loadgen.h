/*
 * loadgen.h: the parts of the benchmark's load generator (bench/loadgen.c
 * has the usage).  loadgen_client.c is the closed-loop HTTP/1.1 client,
 * loadgen_sink.c the counting HTTP server.  A benchmark tool: nothing in
 * the gateway uses it.
 */
#ifndef LOADGEN_H
#define LOADGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LG_MAX_CONNS		1024
#define LG_MAX_STATUS		600
#define LG_DEFAULT_COUNT	10000
#define LG_DEFAULT_CONNS	50
#define LG_DEFAULT_TIMEOUT_MS	30000
#define LG_EX_USAGE		64

/* USSD sessions (--sessions, --steps); 0 sessions: none.  Set by main. */
extern int64_t	  lg_sessions;
extern char	**lg_steps;
extern size_t	  lg_n_steps;
extern size_t	  lg_steps_max;	/* longest step text */
/* --senders N: %r is the counter modulo N (0: no %r).  Set by main. */
extern int64_t	  lg_senders;
/* --values FILE: request v's %n is line v of FILE (NULL: v itself). */
extern uint64_t	 *lg_values;
extern size_t	  lg_n_values;

struct client_opts {
	const char	*url;		/* http://HOST[:PORT]/PATH, with %n */
	const char	*body;		/* NULL: GET; else a POSTed form */
	const char	*headers;	/* "Name: value\r\n" lines, or NULL */
	long		 conns;
	int64_t		 count;		/* 0: -d */
	int64_t		 duration_ms;	/* 0 with a count */
	int64_t		 start;
	long		 timeout_ms;
	bool		 is_quiet;
	const char	*ok_file;	/* NULL, or where the %n of each 2xx
					 * answer goes, one a line */
};

/* ---- loadgen_tmpl.c ---- */

/* One piece of a template: literal text, or the counter (width > 0). */
struct piece {
	const char	*text;		/* borrowed from argv */
	size_t		 len;
	bool		 is_counter;
	char		 var;		/* counter: 'n', 'r', 's', 'g'; or 't' */
	int		 width;		/* 0: no padding */
};

struct tmpl {
	struct piece	*pieces;	/* owned */
	size_t		 n;
	size_t		 max_len;	/* longest expansion, no NUL */
};


/* Split `s` (which must outlive t) into pieces; false: out of memory. */
bool	tmpl_init(struct tmpl *t, const char *s);
void	tmpl_cleanup(struct tmpl *t);
/* Expand with counter `v` into out (t->max_len + 1 bytes); the length. */
size_t	tmpl_expand(const struct tmpl *t, uint64_t v, char *out);

/* ---- loadgen_answer.c ---- */

#define LG_HEAD_MAX		16384	/* an answer's status line, headers */

/* How the body of an answer ends. */
enum answer_framing {
	ANSWER_BY_LENGTH, ANSWER_BY_CHUNKS, ANSWER_BY_CLOSE
};

/* Where a chunked body is. */
enum answer_chunk {
	ANSWER_CH_SIZE, ANSWER_CH_EXT, ANSWER_CH_DATA, ANSWER_CH_DATA_END,
	ANSWER_CH_TRAILER
};

/* One answer being read. */
struct answer {
	char			*head;		/* owned: LG_HEAD_MAX + 1 */
	size_t			 head_len;
	bool			 has_head;
	int			 status;
	bool			 is_close;	/* close after it */
	enum answer_framing	 framing;
	uint64_t		 left;		/* length, chunk: bytes to go */
	enum answer_chunk	 ch;
	uint64_t		 ch_size;
	size_t			 line_len;	/* of a trailer line */
};

bool	answer_init(struct answer *a);
void	answer_cleanup(struct answer *a);
/* Before the next request's answer. */
void	answer_reset(struct answer *a);
/*
 * Bytes just read for a request with `method`: 1 the answer is complete
 * (a->status, a->is_close), 0 more to come, -1 not an HTTP/1.x answer.
 */
int	answer_take(struct answer *a, const char *method, const char *p,
	    size_t n);
/* Whether the answer, its head read, ends when the server closes. */
bool	answer_ends_at_close(const struct answer *a);

/* ---- loadgen_client.c, loadgen_sink.c, loadgen.c ---- */

/* Runs the closed loop and prints the report: 0, or 1 when it cannot. */
int	client_run(const struct client_opts *o);

/* Serves until SIGINT or SIGTERM: 0, or 1 when it cannot listen. */
int	sink_run(int port, unsigned int status, int64_t expect, long threads,
	    bool is_quiet);

int64_t	lg_now_us(void);
void	lg_sleep_ms(int ms);

#endif
