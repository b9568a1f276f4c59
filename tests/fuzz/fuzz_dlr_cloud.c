/*
 * fuzz_dlr_cloud.c: libFuzzer harness for the clouds' delivery-report
 * pushes (gateway/sms/dlr_cloud.c), bodies from the public internet:
 * the first byte chooses Aliyun's SmsReport (even) or Tencent's
 * callback (odd), the rest is the body.  Besides crashes and leaks it
 * checks the parser's contract: a body it takes gives 1 to
 * DLR_CLOUD_MAX reports, each with an id of printable characters, an
 * E.164 number and (Aliyun) our positive id; one it refuses gives
 * nothing and a reason.  Built by `make fuzz` (clang) and replayed
 * under gcc by `make test`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dlr_cloud.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cloud_report *r = NULL;
	const char *why = NULL;
	bool is_ali;
	enum fp_err err;
	size_t n = 0, i;

	if (size < 1 || size > 256 * 1024)
		return 0;
	is_ali = (data[0] & 1) == 0;
	err = (is_ali ? dlr_cloud_parse_aliyun : dlr_cloud_parse_tencent)(
	    (const char *)data + 1, size - 1, &r, &n, &why);
	if (err != FP_OK) {
		if (r != NULL || n != 0 || (err == FP_EINVAL && why == NULL))
			abort();
		return 0;
	}
	if (r == NULL || n == 0 || n > DLR_CLOUD_MAX)
		abort();
	for (i = 0; i < n; i++) {
		if (r[i].msgid[0] == '\0' || r[i].msisdn[0] != '+' ||
		    strlen(r[i].msgid) >= DLR_CLOUD_ID_MAX ||
		    (is_ali && r[i].out_id <= 0) ||
		    (r[i].state != DLR_DELIVERED && r[i].state != DLR_FAILED))
			abort();
	}
	free(r);
	return 0;
}
