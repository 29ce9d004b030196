/*
 * twofa.h — the second factor, token scopes and one's own sessions (issue 18;
 * api/twofa.c). Used by the choke point (api/dispatch.c api_prepare), the
 * sign-in (api/session.c) and the CLI (token scope).
 */
#ifndef XUNJI_TWOFA_H
#define XUNJI_TWOFA_H

#include <stdbool.h>

#include "api/api.h"

/* Does the principal hold one of the 三员 roles? */
bool principal_is_admin(const principal *p);
/* Sets r->has_2fa and r->must_enrol for r->who (grants loaded). */
int twofa_load(req *r, store_tx *tx);
/* Is ip inside admin_networks (always true when the setting is empty)? */
bool twofa_admin_address_ok(const char *ip);
/* Checks a TOTP code of uid inside tx (enabled: the confirmed secret, else
 * the pending enrolment) and uses up its time step. 1 accepted, 0 refused
 * with *reason a code (not_enrolled, wrong_code, replayed, malformed,
 * secret_altered), <0 store error. The caller audits and commits. */
int twofa_check(req *r, store_tx *tx, const char *uid, const char *code, bool enabled,
                const char **reason);
/* Uses up one recovery code of uid: 1, 0 (*reason), or <0. */
int twofa_recovery(req *r, store_tx *tx, const char *uid, const char *code, const char **reason);
/* Deletes uid's oldest sessions beyond max_sessions. */
int twofa_session_limit(store_tx *tx, const char *uid);
/* Is scope a valid token scope ("read", "all", action names, comma-separated)? */
bool twofa_scope_valid(const char *scope);
/* The choke point's part, after authentication and CSRF: token scope, forced
 * enrolment, X-Xunji-OTP and RF_2FA. 0 to go on, else the reply status. */
int twofa_prepare(req *r);
/* Replies 403 2fa_required; returns the status. */
int twofa_required(req *r);
/* May r reveal a sealed field read under action a (fresh second factor, or a
 * token that names a)? Always true when require_2fa_sensitive is off. */
bool twofa_reveal_ok(req *r, action_id a);

#endif
