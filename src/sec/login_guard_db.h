/*
 * login_guard_db.h — the per-source sign-in limits in the database (table
 * login_sources), for several servers on one PostgreSQL; login_guard.h's
 * rules. The server uses these instead of the memory table when its store is
 * PostgreSQL (api/session.c).
 */
#ifndef XUNJI_LOGIN_GUARD_DB_H
#define XUNJI_LOGIN_GUARD_DB_H

#include "sec/login_guard.h"
#include "store/store.h"

/* As login_guard_begin, in its own write transaction; <0 on a store error. */
long login_guard_db_begin(store *db, const char *src, int64_t now_ms, const lg_rules *rules);
/* As login_guard_success; 0, or <0 on a store error. */
int login_guard_db_success(store *db, const char *src, int64_t now_ms, const lg_rules *rules);
/* Deletes the rows untouched for a day, in tx (the sessions sweep); the
 * number deleted, <0 on a store error. */
long login_guard_db_sweep(store_tx *tx, int64_t now_ms);

#endif
