/*
 * answers.h — the answer cache (issue 15): the bytes of a cacheable GET's
 * 200 reply, kept per credential, URL and client address, and served again
 * only while nothing could have changed it: no commit since (store_version),
 * the same key ring, and none of the times the request's authentication
 * depended on passed (answers.c says which).
 */
#ifndef XUNJI_ANSWERS_H
#define XUNJI_ANSWERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "http/req.h"

typedef struct answer answer;

/* Before authentication (api_prepare): on a hit, r->answer holds the reply
 * (status 200, r->authed, r->who.login for the access log) and true is
 * returned; on a miss of a cacheable request r->akey and r->aversion are set
 * for answers_keep. */
bool answers_try(req *r);
/* After the handler (http/server.c): keeps r's JSON reply when it may be
 * served again; returns the entry holding `body` (owned by it from then on,
 * with one reference for the caller), or NULL (body stays the caller's). */
answer *answers_keep(req *r, char *body, size_t len);
/* The end of a request that answers_try let compute (req_free): requests
 * waiting for the same key go on. */
void answers_done(req *r);
/* The reply's bytes of an entry. */
const char *answer_body(const answer *e, size_t *len);
/* One more reference (the HTTP response's) and giving one back. */
void answer_ref(answer *e);
void answer_release(answer *e);

typedef struct answers_stats {
  long hits, misses, kept, entries;
  size_t bytes;
} answers_stats;
void answers_get_stats(answers_stats *out);
/* Frees every entry not held by a reply in flight (tests, shutdown). */
void answers_clear(void);

#endif
