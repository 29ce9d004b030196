/*
 * meta.h — GET /api/v1/meta (api/meta.c) publishes the declarations: every
 * record kind's fields, filters, states, transitions and per-role actions,
 * read from the registries below, so the UI builds its forms, tables,
 * filters and labels from the server's own tables.
 *
 * Record kinds served by the record engine are listed in rec_kinds
 * (api/record.h), the directory and the round plan among them; the kinds still
 * served by hand-written handlers (clues, petitions, briefings) declare
 * themselves with a kind_decl next to their field arrays, listed in
 * kind_decls. A kind that moves onto the record engine leaves kind_decls
 * and joins rec_kinds.
 */
#ifndef XUNJI_META_H
#define XUNJI_META_H

#include <stdbool.h>

#include "api/lifecycle.h"

typedef struct kind_decl {
  const char *name;  /* "clue": audit object kind, workflow entity */
  const char *label; /* Chinese */
  const field *fields; /* create body */
  int nfields;
  /* edit body when it differs from the create fields less the create-only
   * ones; NULL and no_edit false: those. */
  const field *edit_fields;
  int nedit;
  bool no_edit;
  const char *edit_state; /* edits allowed in this state only (NULL: any or none) */
  const field *filters; /* ?key=value of the list */
  int nfilters;
  const char *search; /* ?q= matches this (Chinese description), or NULL */
  const workflow *wf; /* NULL: none */
  const lc_hook *hooks; /* the bodies of the lifecycle verbs (or of other acts) */
  int nhooks;
  action_id list_act, create_act, edit_act;
  const action_id *also; /* further acts on the record */
  int nalso;
  const lc_hook *const *acts; /* bodies of acts declared elsewhere (POST .../{id}/<verb>) */
  int nacts;
} kind_decl;

extern const kind_decl kd_clue, kd_petition, kd_briefing;
/* The body of POST /clues/{id}/outcome (domain/discipline/discipline.c). */
extern const lc_hook clue_outcome_act;
/* NULL-terminated. */
extern const kind_decl *const kind_decls[];

#endif
