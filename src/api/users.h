/*
 * users.h — accounts and grants, shared by the API (sysadmin/secadmin) and
 * the CLI (`xunji user ...`, `xunji init --demo`).
 */
#ifndef XUNJI_USERS_H
#define XUNJI_USERS_H

#include "app.h"
#include "core/roles.h"
#include "store/store.h"

/* Creates a user with a random one-time password (returned in pw, 17 bytes)
 * that must be changed at first login. Returns STORE_* or 1 with msg set for
 * invalid input (bad login, duplicate). */
int users_create(app *a, store_tx *tx, const char *login, const char *name, const char *org_id,
                 const char *person_id, char id_out[37], char pw[17], char *msg, size_t msglen);
/* Grants role (with scope_id for scoped roles) after checking 三员分立 and that
 * the scope exists with the right kind. Returns STORE_*, or 1 with msg set. */
int users_grant(app *a, store_tx *tx, const char *user_id, const char *role, const char *scope_id,
                const char *granted_by, char id_out[37], char *msg, size_t msglen);
/* Sets a new one-time password; returns STORE_* (0 = not found is reported as 1). */
int users_reset_password(app *a, store_tx *tx, const char *user_id, char pw[17]);
/* Case-folds and checks a login: 2-32 of [a-z0-9._-]. Returns 0 or -1. */
int login_normalize(const char *in, char out[65]);

#endif
