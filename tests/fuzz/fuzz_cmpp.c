/*
 * fuzz_cmpp.c: libFuzzer harness for the CMPP 2.0 codec
 * (gateway/send/cmpp_codec.c), fed what a hostile ISMG could send: the
 * input is a byte stream framed as the link frames it (cmpp_frame), each
 * PDU decoded; then the whole input as one PDU, and the MO text decoder
 * and the text splitter on the same bytes.  Besides crashes and reads
 * outside the input (ASan), it checks the contracts: a decoded PDU's
 * Total_Length is its length, strings are NUL-terminated in their
 * fields, a DELIVER's text lies inside its content, concatenation
 * numbers are sane, decoded text is UTF-8 without NUL, and parts fit a
 * short message.  Built by `make fuzz` (clang) and replayed under gcc by
 * `make test`.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "cmpp_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_str(const char *s, size_t cap)
{
	if (memchr(s, '\0', cap) == NULL)
		abort();
}

static void
check_text(uint8_t fmt, const uint8_t *in, size_t len)
{
	char out[3 * CMPP_CONTENT_MAX + 1];
	size_t n;

	n = cmpp_text_utf8(fmt, in, len, out, sizeof(out));
	if (n >= sizeof(out) || out[n] != '\0' || strlen(out) != n ||
	    !charset_is_utf8(out, n))
		abort();
}

static void
check_pdu(const uint8_t *buf, size_t len)
{
	static struct cmpp_pdu pdu;
	const struct cmpp_deliver *d = &pdu.u.deliver;
	enum fp_err err;

	err = cmpp_decode(buf, len, &pdu);
	if (err != FP_OK)
		return;
	if (pdu.total_length != len)
		abort();
	switch (pdu.command_id) {
	case CMPP_DELIVER:
		check_str(d->src_terminal_id, sizeof(d->src_terminal_id));
		check_str(d->dest_id, sizeof(d->dest_id));
		if (d->is_report) {
			if (d->msg_length != CMPP_REPORT_LEN)
				abort();
			check_str(d->report.stat, sizeof(d->report.stat));
			check_str(d->report.dest_terminal_id,
			    sizeof(d->report.dest_terminal_id));
			break;
		}
		if (d->text_off > d->msg_length)
			abort();
		if (d->has_concat && (d->concat_total < 1 ||
		    d->concat_seq < 1 || d->concat_seq > d->concat_total))
			abort();
		check_text(d->msg_fmt, d->content + d->text_off,
		    (size_t)d->msg_length - d->text_off);
		check_text(CMPP_FMT_UCS2, d->content, d->msg_length);
		break;
	case CMPP_SUBMIT:
		if (pdu.u.submit.n_dest < 1 ||
		    pdu.u.submit.n_dest > CMPP_DEST_MAX)
			abort();
		check_str(pdu.u.submit.dest[pdu.u.submit.n_dest - 1],
		    CMPP_TERMINAL_LEN + 1);
		break;
	case CMPP_CONNECT:
		check_str(pdu.u.connect.source_addr, 7);
		break;
	default:
		break;
	}
}

static void
check_parts(const uint8_t *data, size_t size)
{
	static struct cmpp_part parts[CMPP_PARTS_MAX];
	size_t n = 0, k;

	if (cmpp_text_parts((const char *)data, size, 7, parts,
	    CMPP_PARTS_MAX, &n) != FP_OK)
		return;
	if (n < 1 || n > CMPP_PARTS_MAX)
		abort();
	for (k = 0; k < n; k++) {
		if (parts[k].len > (parts[k].msg_fmt == CMPP_FMT_ASCII ?
		    CMPP_TEXT_ASCII_MAX : CMPP_TEXT_MAX))
			abort();
		if ((n > 1) != (parts[k].tp_udhi == 1))
			abort();
		if (n > 1 && (parts[k].content[4] != n ||
		    parts[k].content[5] != k + 1))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0, pdu_len;

	/* As the link reads a stream. */
	while (off < size) {
		if (cmpp_frame(data + off, size - off, &pdu_len) != FP_OK ||
		    pdu_len == 0 || pdu_len > size - off)
			break;
		check_pdu(data + off, pdu_len);
		off += pdu_len;
	}
	/* The whole input as one PDU, whatever its length field says. */
	if (size <= CMPP_PDU_MAX)
		check_pdu(data, size);
	check_text(CMPP_FMT_UCS2, data, size < CMPP_CONTENT_MAX ? size :
	    CMPP_CONTENT_MAX);
	check_parts(data, size);
	return 0;
}
