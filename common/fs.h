/*
 * fs.h: small file-system helpers shared by the programs.
 */
#ifndef FP_FS_H
#define FP_FS_H

/*
 * mkdir -p of the directory part of `path` (mode 0750), so a default
 * such as var/fupin.db works on a fresh checkout.  0, or -1 with errno.
 */
int fs_make_parent_dirs(const char *path);

#endif
