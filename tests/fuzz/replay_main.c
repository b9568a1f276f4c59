/*
 * replay_main.c: under gcc (no libFuzzer), runs a fuzz harness's
 * LLVMFuzzerTestOneInput over every file of a corpus directory, so the
 * corpora are regression tests in `make check`.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
	DIR *d;
	struct dirent *de;
	int n = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 64;
	}
	d = opendir(argv[1]);
	if (d == NULL) {
		perror(argv[1]);
		return 66;
	}
	while ((de = readdir(d)) != NULL) {
		char path[1024];
		FILE *fp;
		uint8_t *buf;
		long len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", argv[1], de->d_name);
		fp = fopen(path, "rb");
		if (fp == NULL)
			continue;
		fseek(fp, 0, SEEK_END);
		len = ftell(fp);
		rewind(fp);
		buf = malloc(len > 0 ? (size_t)len : 1);
		if (buf != NULL && fread(buf, 1, (size_t)len, fp) == (size_t)len)
			LLVMFuzzerTestOneInput(buf, (size_t)len);
		free(buf);
		fclose(fp);
		n++;
	}
	closedir(d);
	printf("%s: replayed %d inputs, 0 crashes\n", argv[1], n);
	return 0;
}
