/*
 * meta.h — GET /api/v1/meta (api/meta.c) publishes the declarations: every
 * record kind's fields, filters, states, transitions and per-role actions,
 * read from the registries below, so the UI builds its forms, tables,
 * filters and labels from the server's own tables.
 *
 * Every record kind is a rec_kind of the one record engine (api/record.h),
 * listed in rec_kinds: its fields, filters, workflow, sealed fields (their
 * read actions are published among "also") and the acts served by routes of
 * their own (rec_kind.acts).
 */
#ifndef XUNJI_META_H
#define XUNJI_META_H

#include "api/lifecycle.h"

/* The body of POST /clues/{id}/outcome (domain/discipline/discipline.c). */
extern const lc_hook clue_outcome_act;

/* The output columns of a SELECT list as meta labels drill-down columns:
 * [{name, label (or null), type ("bool", "fen" or null)}] (the exports). */
json_t *meta_columns(const char *kind, const char *cols);

#endif
