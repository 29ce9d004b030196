/*
 * lifecycle.h — the one engine that moves records through their workflow
 * tables (core/workflow.h): POST /api/v1/<entity>/{id}/<verb>.
 *
 * In one write transaction: load the record, check it is visible, find the
 * transition for (state, verb) (404 unknown verb, 409 wrong state), ask
 * authz for the transition's action on this record, honour If-Match,
 * validate the verb's body, move the state with a version check, run the
 * verb's hook (extra columns, numbers), write the audit entry and post the
 * inbox messages listed in the table. Commit, then answer with the record.
 */
#ifndef XUNJI_LIFECYCLE_H
#define XUNJI_LIFECYCLE_H

#include "api/api.h"
#include "core/workflow.h"

typedef struct lc_hook {
  const char *verb;
  const field *fields;
  int nfields;
  /* Applies the verb's own columns; may add keys to detail (audit + message). */
  int (*apply)(req *r, store_tx *tx, const json_t *row, json_t *detail);
} lc_hook;

typedef struct lc_entity {
  const workflow *wf;
  const char *table;
  action_id read_act;
  /* Builds the authz object of a row (buffers live in the row json). */
  void (*obj)(const json_t *row, authz_obj *o);
  /* Loads the record (as the API shows it) inside tx; NULL when absent. */
  json_t *(*load)(req *r, store_tx *tx, const char *id, int *rc);
  const lc_hook *hooks;
  int nhooks;
  /* Who sees the record (core/visibility.h); NULL: the kind declared under
   * the workflow's entity name (vis_kind_by_name). */
  const struct vis_kind *vis;
} lc_entity;

int lifecycle_run(req *r, const lc_entity *e, const char *id, const char *verb);
/* [{verb,label}] of the transitions this user may take now. */
json_t *lifecycle_allowed(const principal *p, const lc_entity *e, const json_t *row);

#endif
