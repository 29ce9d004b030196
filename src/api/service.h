/*
 * service.h — services below HTTP (issue 14, item 3). A service is a domain
 * operation
 *
 *     int svc_xxx(app *a, svc_actor *ac, <input>, <output>, xres *x);
 *
 * that returns 0, or an error in x (core/result.h). It never sees a req: the
 * HTTP handler parses, calls one service and writes JSON (api_xres for the
 * error); the CLI calls the same service with its own actor and prints the
 * error (cli_xres). Function-level authorization stays where it is (the
 * route table for HTTP, cli_actor's check for the shell); record-level rules
 * that depend on who acts read ac->who.
 *
 * The actor is who acts as the audit log records it: an HTTP request's
 * signed-in user (api_actor), or the host operator running the CLI
 * (cli_actor: login "cli:<OS user>", no account, roles "cli", acting with the
 * inspection office's grant).
 */
#ifndef XUNJI_SERVICE_H
#define XUNJI_SERVICE_H

#include <jansson.h>

#include "app.h"
#include "core/authz.h"
#include "core/result.h"
#include "core/roles.h"
#include "http/req.h"
#include "sec/audit.h"
#include "store/store.h"

typedef struct svc_actor {
  const principal *who; /* the grants record-level rules read (never NULL) */
  const char *user_id;  /* audit: the account, or NULL (the shell, a failed sign-in) */
  const char *login;    /* audit: the login, or NULL */
  const char *roles;    /* audit: "team_member,case_mgmt", "cli", or NULL */
  const char *rid;      /* request id ("cli-<pid>" from the shell), for logs and 500 messages */
  const char *ip;       /* client address, or NULL */
  const char *method, *path; /* the HTTP request a denial names in its audit detail, or NULL */
  bool audit_only;      /* no change log: the shell's bootstrap writes (demo data, seed,
                         * accounts) are not changes of a record by someone; and no inbox
                         * notice of a lifecycle step (nothing was handed over) */
  char roles_buf[256];
  audit_head head;      /* the newest audit entry written (noted in the anchor after commit) */
} svc_actor;

/* The actor of an HTTP request (borrows r's fields; r must outlive ac). */
void api_actor(req *r, svc_actor *ac);
/* Hands back what the service wrote (the audit head) to r. */
void api_actor_end(req *r, const svc_actor *ac);

/* The audit entry of an action (detail: ids, field names and codes kept
 * only, sec/audit_detail.h) and, for a successful change of a record
 * (kind, id), its change log with old values from old (may be NULL).
 * api_audit and api_audit_old are this with the request's actor. */
int svc_audit(app *a, store_tx *tx, svc_actor *ac, const char *action, const char *kind,
              const char *id, const char *result, const json_t *detail, const json_t *old);
/* Commits tx and notes the audit anchor; on failure x gets the 500 and the rc is returned. */
int svc_commit(app *a, store_tx *tx, svc_actor *ac, xres *x);
/* svc_audit of a result "ok" in its own committed transaction (an export
 * or a download, audited before the bytes leave). 0 or the error in x. */
int svc_audit_alone(app *a, svc_actor *ac, const char *action, const char *kind, const char *id,
                    const json_t *detail, xres *x);
/* A refusal of action a on a record (kind, id): audited "denied" in its own
 * transaction, then 403 in x (404 not_found when hide is set, so that
 * existence is not revealed). Returns x->status. */
int svc_deny(app *a, svc_actor *ac, action_id act, const char *kind, const char *id, int hide,
             xres *x);
/* An inbox notice to role (scope: its unit/team id, "" for all) about
 * record (kind, object_id), from the actor. 0 or a store code. */
int svc_notify(svc_actor *ac, store_tx *tx, const char *role, const char *scope, const char *kind,
               const char *object_id, const char *action, const char *title, const char *body);
/* Rolls tx back (NULL ok) and turns rc into x: rc < 0 a store error, rc > 0
 * an error x already holds. Returns x->status. */
int svc_fail(store_tx *tx, svc_actor *ac, int rc, xres *x);

#endif
