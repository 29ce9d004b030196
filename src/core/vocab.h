/*
 * vocab.h — the Chinese labels of the enumeration codes the field
 * declarations hold (core/fields.h carries the codes only). One table,
 * keyed by record kind and field, so GET /api/v1/meta publishes each
 * vocabulary with its labels and the UI never re-types them.
 */
#ifndef XUNJI_VOCAB_H
#define XUNJI_VOCAB_H

#include "core/workflow.h"

/* The label of code in field of kind (kind may be NULL); values is the
 * field's vocabulary (outcome and handling codes are labelled from
 * core/outcomes.c), wf the kind's workflow (a "state" field takes its state
 * labels). NULL when the table has none. */
const char *vocab_label(const char *kind, const char *field, const char *const *values,
                        const workflow *wf, const char *code);

#endif
