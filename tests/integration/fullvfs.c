/*
 * fullvfs.c: the failing VFS of the disk-full tests (see fullvfs.h).  A
 * shim: each file is ours followed by the real VFS's file, and every
 * method passes through to the real one except xWrite, which fails with
 * SQLITE_FULL while the flag is set (only for databases, WALs and
 * journals: temporary files are SQLite's business).
 */
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include <sqlite3.h>

#include "fullvfs.h"

#define FULLVFS_NAME "fp-fullvfs"

struct shim {
	sqlite3_file	 base;		/* pMethods: ours, or NULL */
	sqlite3_file	*real;		/* right after this struct */
	bool		 can_fail;	/* a database, WAL or journal */
};

static sqlite3_vfs *orig;
static sqlite3_vfs vfs;
static atomic_bool is_full;
static atomic_uint_fast64_t refused;
static bool is_installed;

static sqlite3_file *
real(sqlite3_file *f)
{
	return ((struct shim *)(void *)f)->real;
}

static int
x_close(sqlite3_file *f)
{
	sqlite3_file *r = real(f);

	return r->pMethods != NULL ? r->pMethods->xClose(r) : SQLITE_OK;
}

static int
x_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
	return real(f)->pMethods->xRead(real(f), buf, n, off);
}

static int
x_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
	if (((struct shim *)(void *)f)->can_fail && atomic_load(&is_full)) {
		atomic_fetch_add(&refused, 1);
		return SQLITE_FULL;
	}
	return real(f)->pMethods->xWrite(real(f), buf, n, off);
}

static int
x_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	return real(f)->pMethods->xTruncate(real(f), size);
}

static int
x_sync(sqlite3_file *f, int flags)
{
	return real(f)->pMethods->xSync(real(f), flags);
}

static int
x_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return real(f)->pMethods->xFileSize(real(f), size);
}

static int
x_lock(sqlite3_file *f, int level)
{
	return real(f)->pMethods->xLock(real(f), level);
}

static int
x_unlock(sqlite3_file *f, int level)
{
	return real(f)->pMethods->xUnlock(real(f), level);
}

static int
x_check_reserved_lock(sqlite3_file *f, int *out)
{
	return real(f)->pMethods->xCheckReservedLock(real(f), out);
}

static int
x_file_control(sqlite3_file *f, int op, void *arg)
{
	return real(f)->pMethods->xFileControl(real(f), op, arg);
}

static int
x_sector_size(sqlite3_file *f)
{
	return real(f)->pMethods->xSectorSize(real(f));
}

static int
x_device_characteristics(sqlite3_file *f)
{
	return real(f)->pMethods->xDeviceCharacteristics(real(f));
}

static int
x_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
	return real(f)->pMethods->xShmMap(real(f), pg, pgsz, extend, pp);
}

static int
x_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
}

static void
x_shm_barrier(sqlite3_file *f)
{
	real(f)->pMethods->xShmBarrier(real(f));
}

static int
x_shm_unmap(sqlite3_file *f, int delete_flag)
{
	return real(f)->pMethods->xShmUnmap(real(f), delete_flag);
}

static int
x_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **pp)
{
	return real(f)->pMethods->xFetch(real(f), off, n, pp);
}

static int
x_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return real(f)->pMethods->xUnfetch(real(f), off, p);
}

static const sqlite3_io_methods methods = {
	3, x_close, x_read, x_write, x_truncate, x_sync, x_file_size, x_lock,
	x_unlock, x_check_reserved_lock, x_file_control, x_sector_size,
	x_device_characteristics, x_shm_map, x_shm_lock, x_shm_barrier,
	x_shm_unmap, x_fetch, x_unfetch
};

static int
x_open(sqlite3_vfs *v, const char *name, sqlite3_file *f, int flags,
    int *out_flags)
{
	struct shim *s = (struct shim *)(void *)f;
	int rc;

	(void)v;
	memset(s, 0, sizeof(*s));
	s->real = (sqlite3_file *)(void *)(s + 1);
	s->can_fail = (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL |
	    SQLITE_OPEN_MAIN_JOURNAL)) != 0;
	rc = orig->xOpen(orig, name, s->real, flags, out_flags);
	/* The real file's methods were set even on failure when it needs
	 * closing; ours go with them. */
	s->base.pMethods = s->real->pMethods != NULL ? &methods : NULL;
	return rc;
}

static int
x_delete(sqlite3_vfs *v, const char *name, int sync_dir)
{
	(void)v;
	return orig->xDelete(orig, name, sync_dir);
}

static int
x_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
	(void)v;
	return orig->xAccess(orig, name, flags, out);
}

static int
x_full_pathname(sqlite3_vfs *v, const char *name, int n, char *out)
{
	(void)v;
	return orig->xFullPathname(orig, name, n, out);
}

static void *
x_dl_open(sqlite3_vfs *v, const char *name)
{
	(void)v;
	return orig->xDlOpen(orig, name);
}

static void
x_dl_error(sqlite3_vfs *v, int n, char *msg)
{
	(void)v;
	orig->xDlError(orig, n, msg);
}

static void (*x_dl_sym(sqlite3_vfs *v, void *h, const char *sym))(void)
{
	(void)v;
	return orig->xDlSym(orig, h, sym);
}

static void
x_dl_close(sqlite3_vfs *v, void *h)
{
	(void)v;
	orig->xDlClose(orig, h);
}

static int
x_randomness(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return orig->xRandomness(orig, n, out);
}

static int
x_sleep(sqlite3_vfs *v, int us)
{
	(void)v;
	return orig->xSleep(orig, us);
}

static int
x_current_time(sqlite3_vfs *v, double *out)
{
	(void)v;
	return orig->xCurrentTime(orig, out);
}

static int
x_get_last_error(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return orig->xGetLastError(orig, n, out);
}

static int
x_current_time_int64(sqlite3_vfs *v, sqlite3_int64 *out)
{
	(void)v;
	return orig->xCurrentTimeInt64(orig, out);
}

bool
fullvfs_install(void)
{
	if (is_installed)
		return true;
	orig = sqlite3_vfs_find(NULL);
	if (orig == NULL || orig->iVersion < 2)
		return false;
	memset(&vfs, 0, sizeof(vfs));
	vfs.iVersion = 2;
	vfs.szOsFile = (int)sizeof(struct shim) + orig->szOsFile;
	vfs.mxPathname = orig->mxPathname;
	vfs.zName = FULLVFS_NAME;
	vfs.xOpen = x_open;
	vfs.xDelete = x_delete;
	vfs.xAccess = x_access;
	vfs.xFullPathname = x_full_pathname;
	vfs.xDlOpen = x_dl_open;
	vfs.xDlError = x_dl_error;
	vfs.xDlSym = x_dl_sym;
	vfs.xDlClose = x_dl_close;
	vfs.xRandomness = x_randomness;
	vfs.xSleep = x_sleep;
	vfs.xCurrentTime = x_current_time;
	vfs.xGetLastError = x_get_last_error;
	vfs.xCurrentTimeInt64 = x_current_time_int64;
	atomic_store(&is_full, false);
	atomic_store(&refused, 0);
	if (sqlite3_vfs_register(&vfs, 1) != SQLITE_OK)
		return false;
	is_installed = true;
	return true;
}

void
fullvfs_uninstall(void)
{
	if (!is_installed)
		return;
	atomic_store(&is_full, false);
	sqlite3_vfs_unregister(&vfs);
	sqlite3_vfs_register(orig, 1);
	is_installed = false;
}

void
fullvfs_set_full(bool on)
{
	atomic_store(&is_full, on);
}

uint64_t
fullvfs_refused(void)
{
	return atomic_load(&refused);
}
