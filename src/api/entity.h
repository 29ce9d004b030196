/*
 * entity.h — descriptors of the plain record types (openradtool style): one
 * table per entity gives its fields, Chinese labels, permissions, scope
 * columns and filters, and drives validation, SQL, JSON, list filters and
 * the generic handlers in entity.c. Adding a record type is adding a row.
 */
#ifndef XUNJI_ENTITY_H
#define XUNJI_ENTITY_H

#include "api/api.h"

typedef struct entity {
  const char *name;   /* "org": audit object kind */
  const char *table;  /* "orgs" */
  const char *label;  /* Chinese: 组织机构 */
  const field *fields;
  int nfields;
  action_id list_act, write_act;
  const char *order;       /* default ORDER BY column */
  const char *team_col;    /* column for P_TEAM scoping, or NULL */
  const char *unit_col;    /* column for P_UNIT / P_SUPERVISED scoping, or NULL */
  const char *search_col;  /* column matched by ?q=, or NULL */
  /* Optional cross-record checks and derived columns before insert/update.
   * May add keys to body; returns 0 or replies with an error status. */
  int (*prepare)(req *r, store_tx *tx, json_t *body, const json_t *old);
  /* For records with a lifecycle: [{verb,label}] this user may take now, added
   * to single-record answers as allowed_actions (the UI's buttons), or NULL. */
  json_t *(*allowed)(const principal *p, const json_t *row);
  /* Column whose value the policy looks at as authz_obj.org_kind (orgs:
   * "kind", so the office writes inspected units and sysadmin the rest). */
  const char *kind_col;
  /* Names read with the ids (a target's team_name, round_name, unit_name), so a
   * user who may read the record but not the team or round sees names: extra
   * columns (", team_name, …") of `source`, a FROM expression over the table
   * keeping its column names; both NULL for none. */
  const char *name_cols;
  const char *source;
} entity;

/* Refuses (403, audited) a write of action a on an organisation of this kind;
 * when the user writes other kinds, the answer (forbidden_kind) says who keeps it. */
int entity_deny_write(req *r, action_id a, const char *kind, const char *id);

/* allowed_actions of a round (rounds.c, from its workflow table). */
json_t *round_allowed(const principal *p, const json_t *row);

extern const entity ent_org, ent_person, ent_round, ent_team, ent_target;
/* Every entity, NULL-terminated (api/meta.c publishes them). */
extern const entity *const entities[];

#endif
