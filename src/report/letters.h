/*
 * letters.h — the formal letters xunji issues from its records, one row per
 * kind of letter: what record it is about, who may read it, where its 文号
 * comes from, and a function that composes its text from the record.
 * Adding a letter is one more row and one compose function in letters.c.
 */
#ifndef XUNJI_LETTERS_H
#define XUNJI_LETTERS_H

#include <jansson.h>

#include "core/authz.h"
#include "core/visibility.h"
#include "store/store.h"
#include "util/config.h"

typedef struct letter_tpl {
  const char *kind;        /* "clue_handover" */
  const char *label;       /* "问题线索移交函" */
  const char *object_kind; /* "clue" */
  action_id read;          /* reading the letter needs this action on its record */
  const char *series;      /* doc_seq series of a new 文号; NULL: the record carries it */
  cfg_id prefix;           /* 文号 prefix setting (with series) */
  /* The records as SQL over alias x ("clues x"), for the record-level
   * check of one letter and for the list; which rows a user may read is
   * vis below, for the read action. */
  const char *from;
  /* Composes the letter (issuer, docno, title, to, body[], signer, date, cc)
   * for the record. docno is the new 文号 (NULL when the record carries it).
   * Returns 0, 1 with a Chinese reason in why (the record is not ready for
   * this letter), or <0 store error. */
  int (*compose)(store_tx *tx, const char *id, const char *docno, json_t **doc, char *why,
                 size_t n);
  /* The record kind's visibility (core/visibility.h): a letter is read by
   * those the kind's predicate lets read its record with the read action. */
  const vis_kind *vis;
} letter_tpl;

extern const letter_tpl letter_tpls[];
extern const int nletter_tpls;
const letter_tpl *letter_find(const char *kind);

#endif
