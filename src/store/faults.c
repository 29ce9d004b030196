/*
 * faults.c — fault injection for the test build (see faults.h): counters,
 * the XUNJI_FAULT setting, and a SQLite VFS that wraps the default one and
 * fails the chosen page write or fsync. Compiled to nothing unless
 * -DXUNJI_FAULTS.
 */
#ifdef XUNJI_FAULTS
#include "store/faults.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[FAULT__MAX] = {"write", "sync", "commit", "file", "kdf"};
static atomic_long counts[FAULT__MAX];
static struct {
  int on;        /* a fault is chosen */
  fault_kind kind;
  long k;
  int err;
  int sticky;
} plan;

int fault_hit(fault_kind k) {
  long n = atomic_fetch_add(&counts[k], 1) + 1;
  if (!plan.on || plan.kind != k) return FAULT_NONE;
  if (n == plan.k || (plan.sticky && n > plan.k)) {
    fprintf(stderr, "faults: injecting %s #%ld\n", kind_names[k], n);
    return plan.err;
  }
  return FAULT_NONE;
}

static void print_counts(void) {
  fprintf(stderr, "faults: write=%ld sync=%ld commit=%ld file=%ld kdf=%ld\n",
          atomic_load(&counts[0]), atomic_load(&counts[1]), atomic_load(&counts[2]),
          atomic_load(&counts[3]), atomic_load(&counts[4]));
}

/* ---- the VFS: every file is the real file behind our io methods ---------- */
static sqlite3_vfs *base;
static sqlite3_vfs vfs;

typedef struct ffile {
  sqlite3_file f;     /* pMethods = &io */
  sqlite3_file *real; /* the base VFS's file, allocated right after us */
  int wal;            /* the write-ahead log (where a commit goes) */
} ffile;

#define REAL(p) (((ffile *)(p))->real)

static int sqlite_err(int e, int io_code) {
  return e == FAULT_FULL ? SQLITE_FULL : e == FAULT_BUSY ? SQLITE_BUSY : io_code;
}

static int f_close(sqlite3_file *p) { return REAL(p)->pMethods->xClose(REAL(p)); }
static int f_read(sqlite3_file *p, void *b, int n, sqlite3_int64 o) {
  return REAL(p)->pMethods->xRead(REAL(p), b, n, o);
}
static int f_write(sqlite3_file *p, const void *b, int n, sqlite3_int64 o) {
  int e = fault_hit(FAULT_WRITE);
  if (e) {
    /* a failed write to the database file itself is a checkpoint's: the
     * commits it copies are already durable in the log */
    fprintf(stderr, "faults: the failed write was to the %s\n",
            ((ffile *)p)->wal ? "write-ahead log" : "database file (checkpoint)");
    return sqlite_err(e, SQLITE_IOERR_WRITE);
  }
  return REAL(p)->pMethods->xWrite(REAL(p), b, n, o);
}
static int f_truncate(sqlite3_file *p, sqlite3_int64 size) {
  return REAL(p)->pMethods->xTruncate(REAL(p), size);
}
static int f_sync(sqlite3_file *p, int flags) {
  int e = fault_hit(FAULT_SYNC);
  if (e) {
    fprintf(stderr, "faults: the failed fsync was of the %s\n",
            ((ffile *)p)->wal ? "write-ahead log" : "database file (checkpoint)");
    return sqlite_err(e, SQLITE_IOERR_FSYNC);
  }
  return REAL(p)->pMethods->xSync(REAL(p), flags);
}
static int f_size(sqlite3_file *p, sqlite3_int64 *size) {
  return REAL(p)->pMethods->xFileSize(REAL(p), size);
}
static int f_lock(sqlite3_file *p, int l) { return REAL(p)->pMethods->xLock(REAL(p), l); }
static int f_unlock(sqlite3_file *p, int l) { return REAL(p)->pMethods->xUnlock(REAL(p), l); }
static int f_check(sqlite3_file *p, int *out) {
  return REAL(p)->pMethods->xCheckReservedLock(REAL(p), out);
}
static int f_fcntl(sqlite3_file *p, int op, void *arg) {
  return REAL(p)->pMethods->xFileControl(REAL(p), op, arg);
}
static int f_sector(sqlite3_file *p) { return REAL(p)->pMethods->xSectorSize(REAL(p)); }
static int f_caps(sqlite3_file *p) { return REAL(p)->pMethods->xDeviceCharacteristics(REAL(p)); }
static int f_shmmap(sqlite3_file *p, int pg, int sz, int ext, void volatile **out) {
  return REAL(p)->pMethods->xShmMap(REAL(p), pg, sz, ext, out);
}
static int f_shmlock(sqlite3_file *p, int off, int n, int flags) {
  return REAL(p)->pMethods->xShmLock(REAL(p), off, n, flags);
}
static void f_shmbarrier(sqlite3_file *p) { REAL(p)->pMethods->xShmBarrier(REAL(p)); }
static int f_shmunmap(sqlite3_file *p, int del) {
  return REAL(p)->pMethods->xShmUnmap(REAL(p), del);
}
static int f_fetch(sqlite3_file *p, sqlite3_int64 o, int n, void **pp) {
  return REAL(p)->pMethods->xFetch(REAL(p), o, n, pp);
}
static int f_unfetch(sqlite3_file *p, sqlite3_int64 o, void *pg) {
  return REAL(p)->pMethods->xUnfetch(REAL(p), o, pg);
}

static const sqlite3_io_methods io = {
    .iVersion = 3,
    .xClose = f_close,
    .xRead = f_read,
    .xWrite = f_write,
    .xTruncate = f_truncate,
    .xSync = f_sync,
    .xFileSize = f_size,
    .xLock = f_lock,
    .xUnlock = f_unlock,
    .xCheckReservedLock = f_check,
    .xFileControl = f_fcntl,
    .xSectorSize = f_sector,
    .xDeviceCharacteristics = f_caps,
    .xShmMap = f_shmmap,
    .xShmLock = f_shmlock,
    .xShmBarrier = f_shmbarrier,
    .xShmUnmap = f_shmunmap,
    .xFetch = f_fetch,
    .xUnfetch = f_unfetch,
};

static int f_open(sqlite3_vfs *v, const char *name, sqlite3_file *p, int flags, int *out) {
  (void)v;
  ffile *f = (ffile *)p;
  f->real = (sqlite3_file *)(f + 1);
  f->wal = (flags & SQLITE_OPEN_WAL) != 0;
  int rc = base->xOpen(base, name, f->real, flags, out);
  /* SQLite calls xClose only when pMethods is set, i.e. when open succeeded */
  p->pMethods = (rc == SQLITE_OK && f->real->pMethods) ? &io : NULL;
  return rc;
}

static int f_delete(sqlite3_vfs *v, const char *n, int sync) {
  (void)v;
  return base->xDelete(base, n, sync);
}
static int f_access(sqlite3_vfs *v, const char *n, int flags, int *out) {
  (void)v;
  return base->xAccess(base, n, flags, out);
}
static int f_fullpath(sqlite3_vfs *v, const char *n, int len, char *out) {
  (void)v;
  return base->xFullPathname(base, n, len, out);
}
static void *f_dlopen(sqlite3_vfs *v, const char *n) {
  (void)v;
  return base->xDlOpen(base, n);
}
static void f_dlerror(sqlite3_vfs *v, int n, char *msg) {
  (void)v;
  base->xDlError(base, n, msg);
}
static void (*f_dlsym(sqlite3_vfs *v, void *h, const char *s))(void) {
  (void)v;
  return base->xDlSym(base, h, s);
}
static void f_dlclose(sqlite3_vfs *v, void *h) {
  (void)v;
  base->xDlClose(base, h);
}
static int f_random(sqlite3_vfs *v, int n, char *out) {
  (void)v;
  return base->xRandomness(base, n, out);
}
static int f_sleep(sqlite3_vfs *v, int us) {
  (void)v;
  return base->xSleep(base, us);
}
static int f_time(sqlite3_vfs *v, double *out) {
  (void)v;
  return base->xCurrentTime(base, out);
}
static int f_lasterr(sqlite3_vfs *v, int n, char *out) {
  (void)v;
  return base->xGetLastError ? base->xGetLastError(base, n, out) : 0;
}
static int f_time64(sqlite3_vfs *v, sqlite3_int64 *out) {
  (void)v;
  return base->xCurrentTimeInt64(base, out);
}

static void install(void) {
  const char *spec = getenv("XUNJI_FAULT");
  if (!spec || !*spec) return;
  if (strcmp(spec, "count") != 0) {
    char kind[16] = "", err[16] = "", sticky[16] = "";
    long k = 0;
    int n = sscanf(spec, "%15[a-z]:%ld:%15[a-z]:%15[a-z]", kind, &k, err, sticky);
    int ki = -1;
    for (int i = 0; i < FAULT__MAX; i++)
      if (strcmp(kind, kind_names[i]) == 0) ki = i;
    int e = strcmp(err, "io") == 0 ? FAULT_IO : strcmp(err, "full") == 0 ? FAULT_FULL
            : strcmp(err, "busy") == 0 ? FAULT_BUSY : 0;
    if (n < 3 || ki < 0 || k < 1 || !e || (n == 4 && strcmp(sticky, "sticky") != 0)) {
      fprintf(stderr, "xunji: XUNJI_FAULT 无效: %s\n", spec);
      exit(2);
    }
    plan.on = 1;
    plan.kind = (fault_kind)ki;
    plan.k = k;
    plan.err = e;
    plan.sticky = n == 4;
  }
  atexit(print_counts);
  base = sqlite3_vfs_find(NULL);
  vfs = (sqlite3_vfs){
      .iVersion = 2,
      .szOsFile = (int)sizeof(ffile) + base->szOsFile,
      .mxPathname = base->mxPathname,
      .zName = "xunji-faults",
      .xOpen = f_open,
      .xDelete = f_delete,
      .xAccess = f_access,
      .xFullPathname = f_fullpath,
      .xDlOpen = f_dlopen,
      .xDlError = f_dlerror,
      .xDlSym = f_dlsym,
      .xDlClose = f_dlclose,
      .xRandomness = f_random,
      .xSleep = f_sleep,
      .xCurrentTime = f_time,
      .xGetLastError = f_lasterr,
      .xCurrentTimeInt64 = f_time64,
  };
  sqlite3_vfs_register(&vfs, 1);
}

void faults_init(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, install);
}
#else
/* ISO C forbids an empty translation unit */
typedef int xunji_faults_unused;
#endif
