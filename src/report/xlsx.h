/*
 * xlsx.h — ledgers (台账) as .xlsx, and reading a sheet back (for imports).
 *
 * A ledger is one row of the ledgers[] table: a name, a Chinese title, the
 * measure whose records it lists (so its rows, filters and scope are exactly
 * those of the statistic), and its typed columns. Writing streams rows from
 * the store into libxlsxwriter's constant-memory mode: memory stays flat
 * whatever the number of rows.
 */
#ifndef XUNJI_XLSX_H
#define XUNJI_XLSX_H

#include <jansson.h>

#include "report/stats.h"
#include "store/store.h"

typedef enum lctype {
  LC_TEXT,  /* string */
  LC_DATE,  /* YYYY-MM-DD or our UTC timestamp: an Excel date (Shanghai day) */
  LC_INT,   /* integer */
  LC_FEN,   /* integer fen: a number in 元 with two decimals */
  LC_LABEL, /* code shown through labels {code, label, ..., NULL} */
  LC_BOOL,  /* 0/1 as 否/是 */
  LC_DAYS,  /* days from expr to expr2 (dates or timestamps) */
} lctype;

typedef struct lcol {
  const char *header; /* Chinese */
  const char *expr;   /* SQL over the measure's source */
  lctype type;
  int width;          /* characters (CJK count double) */
  const char *const *labels;
  const char *expr2;  /* LC_DAYS */
} lcol;

typedef struct ledger {
  const char *name;    /* "clues" */
  const char *label;   /* "问题线索移交台账" */
  const char *measure; /* the row set */
  const lcol *cols;
  int ncols;
} ledger;

extern const ledger ledgers[];
extern const int nledgers;
const ledger *ledger_find(const char *name);

/* Writes ledger l for the filters and scope of c to path (constant memory).
 * *rows gets the number of data rows. Returns 0, <0 store error, or 1 with
 * a reason in err (the workbook could not be written). */
int ledger_write(store_tx *tx, const ledger *l, const stats_ctx *c, const char *path,
                 int64_t *rows, char *err, size_t errlen);

/* Reads the first sheet of an .xlsx held in memory into an array of rows,
 * each an array of cell texts (empty cells ""; numbers as written; dates as
 * YYYY-MM-DD when the cell has a date format). Row i of the result is sheet
 * row i+1. At most max_rows rows. Returns NULL with a Chinese reason in err. */
json_t *xlsx_read(const void *data, size_t len, int max_rows, char *err, size_t errlen);

#endif
