/*
 * fs.c: file-system helpers (see fs.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs.h"

int
fs_make_parent_dirs(const char *path)
{
	char *dir = strdup(path);
	char *p;

	if (dir == NULL)
		return -1;
	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
			free(dir);
			return -1;
		}
		*p = '/';
	}
	free(dir);
	return 0;
}
