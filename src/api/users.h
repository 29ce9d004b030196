/*
 * users.h — accounts and grants, shared by the API (sysadmin/secadmin) and
 * the CLI (`xunji user ...`, `xunji init --demo`).
 */
#ifndef XUNJI_USERS_H
#define XUNJI_USERS_H

#include "app.h"
#include "core/result.h"
#include "core/roles.h"
#include "store/store.h"

/* Both below work inside the caller's transaction and return 0, a store
 * error (< 0, x untouched: the caller maps it, e.g. api_store_error), or
 * the status (> 0) of a rule error set in x (core/result.h: code, field,
 * Chinese message), which HTTP writes with api_xres and the CLI with
 * cli_xres. */
/* Creates a user with a random one-time password (returned in pw, 17 bytes)
 * that must be changed at first login. Errors: a bad login (400), a
 * duplicate (409), an unknown org or person (400). */
int users_create(app *a, store_tx *tx, const char *login, const char *name, const char *org_id,
                 const char *person_id, char id_out[37], char pw[17], xres *x);
/* Grants role (with scope_id for scoped roles) after checking 三员分立 (409)
 * and that the scope exists with the right kind (400, field scope_id). */
int users_grant(app *a, store_tx *tx, const char *user_id, const char *role, const char *scope_id,
                const char *granted_by, char id_out[37], xres *x);
/* The same with an end date (ends_at "YYYY-MM-DDTHH:MM:SSZ", NULL: none). */
int users_grant_until(app *a, store_tx *tx, const char *user_id, const char *role,
                      const char *scope_id, const char *ends_at, const char *granted_by,
                      char id_out[37], xres *x);
/* Dormant accounts (issue 18): at sign-in, an account other than 三员 whose
 * last sign-in, creation or change by sysadmin (e.g. re-enabling it) is older
 * than account_dormant_days is
 * disabled here (audited as user.dormant). *dormant = 1 when it was. */
struct req;
int users_dormant_check(struct req *r, store_tx *tx, const char *user_id, int *dormant);
/* Sets a new one-time password (pw NULL: a random one nobody learns), forces
 * a change at next sign-in, clears a lock-out and revokes every session and
 * API token of the user. Returns STORE_*, or 1 if there is no such user. */
int users_reset_password(app *a, store_tx *tx, const char *user_id, char pw[17]);
/* Ends every session and revokes every API token of the user (reset,
 * disable, role changes). *tokens (optional) gets the number revoked. */
int users_revoke_access(store_tx *tx, const char *user_id, int64_t *tokens);
/* *admin = whether the user holds sysadmin, secadmin or auditadmin (any
 * user_roles row, tag checked or not). */
int users_is_admin(store_tx *tx, const char *user_id, int *admin);
/* Inbox messages addressed to one user: to_role MSG_TO_USER, to_scope the
 * user's id (api/messages.c shows them to that user only). */
#define MSG_TO_USER "user"
/* Posts an inbox message about a user account (object_kind "user"); body
 * (borrowed, may be NULL) is stored as JSON text. */
int users_message(store_tx *tx, const char *from_user, const char *to_role, const char *to_scope,
                  const char *object_id, const char *action, const char *title, json_t *body);
/* Tells the user and the audit administrators that the user's password was
 * reset (how: a short Chinese phrase such as "经安全管理员批准"). */
int users_reset_notices(store_tx *tx, const char *from_user, const char *user_id, const char *how);
/* Case-folds and checks a login: 2-32 of [a-z0-9._-]. Returns 0 or -1. */
int login_normalize(const char *in, char out[65]);

#endif
