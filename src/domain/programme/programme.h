/*
 * programme.h — what the patrol-programme files (issue 3: rounds.c,
 * members.c, vetting.c, recusal.c, pool.c, briefings.c, petitions.c,
 * matching.c, helpers in programme.c) share. Not for other modules.
 */
#ifndef XUNJI_PROGRAMME_H
#define XUNJI_PROGRAMME_H

#include "api/entity.h"
#include "api/lifecycle.h"
#include "core/visibility.h"
#include "api/service.h"
#include "util/buf.h"
#include "util/config.h"
#include "util/text.h"
#include "util/xmem.h"

#define NF(a) ((int)(sizeof a / sizeof *a))

#define VETTING_SELECT                                                                        \
  "SELECT v.id, v.version, v.round_id, r.name AS round_name, v.person_id, p.name AS "         \
  "person_name, v.state, v.reason, v.requested_at, v.answered_at, "                           \
  "(SELECT t.name FROM team_members m JOIN teams t ON t.id=m.team_id WHERE "                  \
  " m.round_id=v.round_id AND m.person_id=v.person_id) AS team_name "                         \
  "FROM vettings v JOIN rounds r ON r.id=v.round_id JOIN persons p ON p.id=v.person_id "


json_t *prog_one(store_tx *tx, const char *sql, const char *id, int *rc);
const char *prog_js(const json_t *o, const char *k);
int prog_fail(req *r, store_tx *tx, int rc);
int prog_done(req *r, store_tx *tx, int status, json_t *out);
int prog_round_open(const char *state);
void prog_conflicts_text(const json_t *c, buf *b);
int prog_team_conflicts(store_tx *tx, const char *team, const char *person, const char *unit, json_t *out);
int prog_filtered_list(req *r, const char *base, const char *count_base, const char *prefix,
                       const field *f, int nf, const char *order, const vis_kind *k);
int prog_request_vetting(req *r, store_tx *tx, const char *round, const char *person, char *id);
json_t *prog_team_row(store_tx *tx, const char *team, int *rc);
/* Splits one CSV line into at most max malloc'd cells; -1 on bad quoting. */
int prog_csv_split(const char *line, char **out, int max);
/* Cuts the next line off *cur (ending in \n or \r\n; a UTF-8 BOM on line 1 is
 * dropped), counts it in *lineno (rows count from 1, blank ones included) and
 * splits it into at most max cells (the caller frees them). Returns the number
 * of cells, 0 for a blank line (nothing to free), -1 for a line that cannot be
 * split, PROG_CSV_END when the text is used up. */
enum { PROG_CSV_END = -2 };
int prog_csv_line(char **cur, int *lineno, char **cells, int max);
/* Makes units (an array of org ids) targets of team with the phase dates
 * of in (other members ignored: unit_ids), all or nothing: each unit must
 * exist, not be a target of the round already, and need no recusal of a
 * member (409 conflict when only that fails; else 400 invalid_rows with
 * "rows": [{index, row, unit_id, message}]). *out: {created, items}. */
int svc_targets_bulk(app *a, svc_actor *ac, const char *team, const json_t *units, const json_t *in,
                     json_t **out, xres *x);

extern const field prog_f_note[1];
extern const char *const prog_expertise[];

#endif
