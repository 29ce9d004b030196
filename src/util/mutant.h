/*
 * mutant.h — the deliberate defects of `make mutants` (scripts/mutants.sh).
 *
 * Each mutant is a build (-DXUNJI_MUTANT=N) with one defect that the test
 * suite must catch; one the suite does not catch is a hole in the suite. In
 * every other build XUNJI_MUTANT is 0 and MUTANT(n) is a constant false that
 * the compiler removes.
 */
#ifndef XUNJI_MUTANT_H
#define XUNJI_MUTANT_H

enum {
  MUT_AUTHZ_ALLOWS_ALL = 1,  /* authz() says yes to everyone for everything */
  MUT_ACK_BEFORE_COMMIT = 2, /* a write is answered 2xx but rolled back */
  MUT_DRILLDOWN_SKIPS_VISIBILITY = 3, /* figures, drill-downs and ledgers skip vis_in */
  MUT_AUDIT_SKIPPED = 4,     /* api_audit() appends nothing */
  MUT_SEAL_IN_CLEAR = 5,     /* sealed fields are stored in clear */
  MUT_REDACT_SKIPPED = 6,    /* vis_redact removes no field: every reader sees every field */
  MUT_ROW_CHECK_SKIPPED = 7, /* vis_row says every row is visible (GET, history, files, inbox) */
  MUT_COMMIT_NOT_COUNTED = 8, /* a commit of this server leaves the data version: stale kept answers */
  MUT__MAX
};

#ifndef XUNJI_MUTANT
#define XUNJI_MUTANT 0
#endif
#define MUTANT(n) (XUNJI_MUTANT == (n))

#endif
