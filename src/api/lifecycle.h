/*
 * lifecycle.h — the one engine that moves records through their workflow
 * tables (core/workflow.h): POST /api/v1/<entity>/{id}/<verb>.
 *
 * lifecycle_svc is the verb as a service (api/service.h): no req. In one
 * write transaction: load the record, check it is visible, find the
 * transition for (state, verb) (404 unknown verb, 409 wrong state), ask
 * authz for the transition's action on this record, honour If-Match,
 * validate the verb's body, move the state with a version check, run the
 * verb's hook (extra columns, numbers), write the audit entry and post the
 * inbox messages listed in the table. Commit, then answer with the record.
 * lifecycle_run is its thin HTTP handler.
 */
#ifndef XUNJI_LIFECYCLE_H
#define XUNJI_LIFECYCLE_H

#include "api/api.h"
#include "api/service.h"
#include "core/workflow.h"

typedef struct lc_hook {
  const char *verb;
  const field *fields;
  int nfields;
  /* Applies the verb's own columns inside tx, as actor ac, from the verb's
   * validated body in; may add keys to detail (audit + message).
   * 0, or the error in x (its status, > 0), or a store code (< 0). */
  int (*apply)(app *a, store_tx *tx, svc_actor *ac, const json_t *in, const json_t *row,
               json_t *detail, xres *x);
} lc_hook;

typedef struct lc_entity {
  const workflow *wf;
  const char *table;
  action_id read_act;
  /* Builds the authz object of a row (buffers live in the row json). */
  void (*obj)(const json_t *row, authz_obj *o);
  /* Loads the record (as the API shows it) inside tx; NULL when absent.
   * arg: the entity's arg below (e.g. its rec_kind). */
  json_t *(*load)(const void *arg, store_tx *tx, const char *id, int *rc);
  const lc_hook *hooks;
  int nhooks;
  /* Who sees the record (core/visibility.h); NULL: the kind declared under
   * the workflow's entity name (vis_kind_by_name). */
  const struct vis_kind *vis;
  const void *arg;
} lc_entity;

/* Runs verb on record id of e as actor ac with the verb's body input
 * (validated and trimmed in place against the hook's fields; not taken).
 * if_match: the version the caller saw ("\"3\"", "*" or NULL: any).
 * 0 with *out (owned: the record after the step, allowed_actions set, not
 * redacted: a rec_kind's callers use rec_svc_action), or the error in x. */
int lifecycle_svc(app *a, svc_actor *ac, const lc_entity *e, const char *id, const char *verb,
                  const char *if_match, json_t *input, json_t **out, xres *x);
/* The end of a service's write: rc (0, x's status or a store code) and the
 * record reloaded after it (row, taken on failure): commits and returns 0,
 * or rolls back and returns x's status. */
int svc_commit_row(app *a, svc_actor *ac, store_tx *tx, json_t *row, int rc, xres *x);
/* The HTTP handler: body and If-Match from r, lifecycle_svc, the answer. */
int lifecycle_run(req *r, const lc_entity *e, const char *id, const char *verb);
/* [{verb,label}] of the transitions this user may take now. */
json_t *lifecycle_allowed(const principal *p, const lc_entity *e, const json_t *row);

#endif
