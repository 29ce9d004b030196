/*
 * audit_export.h — the audit log of a date range as a signed file (issue 18,
 * item 6), for the audit administrator: `xunji audit export` and
 * GET /api/v1/audit/export write it, `xunji audit verify-export` checks it.
 *
 * Format (JSON Lines, UTF-8): a header line {"format":"xunji-audit-export/1",
 * "from","to","exported_at","count","first_seq","last_seq"}, one line per
 * audit entry (all columns, as stored, in seq order), and a last line
 * {"hmac_sm3":"<hex>"}: HMAC-SM3 over every byte before that line, under a
 * key derived from the audit chain's key (HMAC-SM3(audit key,
 * "xunji-audit-export")). Verification recomputes it and checks that the
 * entries chain (each prev_hash is the previous entry's hash) and that the
 * count matches; a changed, inserted or deleted byte fails.
 */
#ifndef XUNJI_AUDIT_EXPORT_H
#define XUNJI_AUDIT_EXPORT_H

#include <stddef.h>

#include "sec/crypto.h"
#include "store/store.h"
#include "util/buf.h"

/* from and to are dates "YYYY-MM-DD" (Beijing time, both included). Appends
 * the file to out. 0, 1 with a Chinese message in err on bad dates, or a
 * store error (<0). *count gets the number of entries. */
int audit_export_write(store *db, const xkeys *k, const char *from, const char *to, buf *out,
                       long *count, char *err, size_t errlen);
/* 0 when the file verifies (*count entries), 1 with the first problem in msg. */
int audit_export_verify(const xkeys *k, const char *data, size_t n, long *count, char *msg,
                        size_t msglen);

#endif
