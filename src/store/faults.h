/*
 * faults.h — fault injection for the test build (-DXUNJI_FAULTS).
 *
 * The test build (build/faults/xunji) can make the k-th SQLite page write,
 * the k-th fsync, the k-th COMMIT or the k-th file-store write fail, as a
 * full disk, an I/O error or a busy database would (or the k-th password
 * hash, as a failing OpenSSL would: sec/password.c), so that the tests can
 * walk every write of a scenario and check that nothing acknowledged was
 * lost and nothing partial was kept. It is chosen by the environment:
 *
 *   XUNJI_FAULT=<kind>:<k>:<error>[:sticky]
 *     kind   write | sync | commit | file | kdf
 *     k      1-based number of the call of that kind that fails
 *     error  io | full | busy
 *     sticky every later call of that kind fails too (a disk that stays full)
 *   XUNJI_FAULT=count   only count; the counts are printed on stderr at exit
 *                       as "faults: write=N sync=N commit=N file=N kdf=N"
 *
 * In every other build fault_hit() is a constant 0 and the code is gone.
 */
#ifndef XUNJI_FAULTS_H
#define XUNJI_FAULTS_H

typedef enum { FAULT_WRITE, FAULT_SYNC, FAULT_COMMIT, FAULT_FILE, FAULT_KDF, FAULT__MAX } fault_kind;
enum { FAULT_NONE = 0, FAULT_IO = 1, FAULT_FULL = 2, FAULT_BUSY = 3 };

#ifdef XUNJI_FAULTS
/* Counts one call of kind k; returns the error to inject, or FAULT_NONE. */
int fault_hit(fault_kind k);
/* Reads XUNJI_FAULT and installs the faulty SQLite VFS as the default (once). */
void faults_init(void);
#else
static inline int fault_hit(fault_kind k) {
  (void)k;
  return FAULT_NONE;
}
static inline void faults_init(void) {}
#endif

#endif
