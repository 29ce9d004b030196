/*
 * api.h — the JSON API: the route table, the one dispatch function that
 * authenticates, checks CSRF and function-level authz before any handler
 * runs, and the helpers handlers share (errors, audit, commit, paging).
 *
 * A handler: parse -> authz on the record -> core -> store -> JSON. It never
 * decides a permission itself; it asks authz().
 */
#ifndef XUNJI_API_H
#define XUNJI_API_H

#include <jansson.h>

#include "core/args.h"
#include "core/authz.h"
#include "core/fields.h"
#include "core/result.h"
#include "core/workflow.h"
#include "http/req.h"
#include "store/store.h"

typedef int (*handler_fn)(req *r);

enum {
  RF_PUBLIC = 1,      /* no authentication */
  RF_MUST_CHANGE = 2, /* allowed while the password must be changed */
  RF_LIFECYCLE = 4,   /* POST .../{id}/{verb}: arg is the workflow (listed by `xunji routes`) */
  RF_RECORD = 16,     /* arg is a rec_kind (api/record.h); with RF_LIFECYCLE its workflow */
  RF_UPLOAD = 8,      /* raw file body up to max_upload (POST .../files), not JSON */
  RF_2FA = 32,        /* sensitive: needs a fresh second factor (api/twofa.c) */
  RF_REVEAL = 64,     /* may reveal a sealed field: X-Xunji-OTP is checked, api_reveal decides */
  RF_ENROL = 128,     /* allowed while a 三员 must still enrol TOTP */
  RF_NO_ADDR = 256,   /* 举报人保护: no client address in the audit or the access log */
  RF_CACHE = 512,     /* a GET whose 200 reply the answer cache may keep (api/answers.c) */
};

typedef struct route {
  const char *method;
  const char *pattern; /* "/api/v1/clues/{id}/{verb}" */
  handler_fn fn;
  action_id act;       /* function-level permission checked before fn */
  int flags;
  const char *summary; /* Chinese, for docs and `xunji routes` */
  const void *arg;     /* handler argument (the entity descriptor of generic routes) */
} route;

extern const route routes[];
extern const int nroutes;

void api_init(void);
/* api_prepare + api_run. */
void api_dispatch(req *r);
/* The checks that need only the headers: route match, authentication, CSRF and
 * Origin, the forced password change, function-level authz. 0 to go on, else
 * the error reply is set (the HTTP layer answers before reading any body). */
int api_prepare(req *r);
/* After the body arrived: JSON parsing and the handler (h_static off /api). */
void api_run(req *r);
/* The route table (and lifecycle verbs) as JSON, for `xunji routes` and tests. */
json_t *api_route_table(void);

/* ---- replies ---- */
/* The longest error message in bytes (cut at a character boundary). */
enum { API_MSG_MAX = XRES_MSG_MAX };
/* Sets r->status and r->out = {"error":{code,message,field}}; returns status. */
int api_error(req *r, int status, const char *code, const char *fld, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int api_verr(req *r, const verr *e);
/* A service's error (core/result.h) as the reply {"error":{code,message,
 * field,...x->extra}}; takes x->extra. Returns the status. */
int api_xres(req *r, xres *x);
/* Takes ownership of out. */
int api_ok(req *r, int status, json_t *out);
/* 500 for a store failure, logged with the request id (never the data). */
int api_store_error(req *r, int rc, store_tx *tx);
/* 403 (or 404 when hide is set, so existence is not revealed) and an audit
 * entry "denied" in its own transaction. */
int api_deny(req *r, action_id a, const char *kind, const char *id, int hide);

/* ---- audit and commit ---- */
/* The audit entry keeps ids, field names and codes of detail only
 * (sec/audit_detail.h); a successful change of a record (kind, id) is also
 * written, values included, to the record's own change log (api/changelog.h),
 * with old values from old (the row before; api_audit: none). */
int api_audit(req *r, store_tx *tx, const char *action, const char *kind, const char *id,
              const char *result, json_t *detail /* borrowed, may be NULL */);
int api_audit_old(req *r, store_tx *tx, const char *action, const char *kind, const char *id,
                  const char *result, json_t *detail, const json_t *old);
/* Commits tx (and notes the audit anchor); on failure replies 500 and returns the rc. */
int api_commit(req *r, store_tx *tx);
/* Ends a write that answers with a record: if rc is an error (<0) or row is
 * NULL, replies 500 (rc > 0: the reply was already made) and rolls back;
 * otherwise commits and answers status with row and its ETag. Takes row. */
int api_finish(req *r, store_tx *tx, json_t *row, int rc, int status);

/* Opens a sealed confidential field of record kind:id (context "<kind>:<id>")
 * and records the read as audit_action (result ok, or failed when the value
 * was altered) in its own committed transaction BEFORE the text may leave the
 * server. *plain gets the malloc'd text (NULL if altered). Returns 0, or the
 * reply status already set on a store failure, or 403 2fa_required (audited
 * as audit_action, result denied) when require_2fa_sensitive is on and the
 * request has no fresh second factor (api/twofa.h twofa_reveal_ok). */
int api_reveal(req *r, const char *kind, const char *id, const char *sealed,
               const char *audit_action, char **plain);

/* ---- input ---- */
/* Validates r->in against fields (missing body = {}). Replies 400 on failure. */
int api_body(req *r, const field *f, int n, bool partial);
/* Checks If-Match against version; 0 if absent or equal, else replies 409/400. */
int api_if_match(req *r, int64_t version);
void api_set_etag(req *r, int64_t version);

/* The query string through the one argument parser (core/args.h, api/query.c):
 * a is initialised here with base parameters bound by the caller; 0, or the
 * 400 reply (too_many_params, unknown_field, invalid_field, duplicate_param
 * naming the argument) already written. Either way args_free(a) after. */
int api_args(req *r, const args_spec *s, int base, args *a);
/* A paged list whose filters, paging and order are s's: where (" WHERE ..",
 * with pre[0..npre) bound as $1..$npre) plus the parsed conditions; the
 * ORDER BY is s's sort (or sort_default). The reply status. */
int api_args_list(req *r, const args_spec *s, const char *cols, const char *from, const char *where,
                  const sval *pre, int npre, void (*fix)(store_tx *, json_t *, const void *),
                  const void *ctx);

/* Paging from ?page=&per_page= (defaults 1 and 20, max 200). Replies 400 on bad values. */
int api_paging(req *r, int64_t *limit, int64_t *offset);
/* The same with ?cursor= taken too (its content is the caller's to check: a
 * list by api_list, a drill-down by stats_cursor_ok). */
int api_paging_keyset(req *r, int64_t *limit, int64_t *offset);

/* A paged list in one read transaction: "SELECT <cols> FROM <from><where>
 * <order> LIMIT per_page+1" after the rows of ?cursor= (keyset: the order's
 * terms must end with a unique key, "x.id" or "seq", else `key` is added
 * as the last term; without one, no cursor) or OFFSET of ?page= (the first
 * ARGS_OFFSET_MAX rows only). Answered as {items, per_page, has_more, next}
 * plus, without a cursor, {page, total} with total counted up to
 * LIST_COUNT_MAX rows (beyond: total_approx true; docs/api.md "Lists").
 * two_phase: the page's keys are selected first and cols only for those
 * rows (for cols with per-row sub-selects; the key must be unique in from).
 * fix (optional) post-processes each item inside the transaction. p is
 * only read. Frees nothing it did not allocate. */
typedef struct api_list_q {
  const char *cols, *from, *where, *order;
  sval *p;
  int np;
  void (*fix)(store_tx *tx, json_t *item, const void *ctx);
  const void *ctx;
  const char *key; /* the unique tie-break when order does not end with one */
  bool two_phase;
  /* FROM for the count, when counting the same rows needs fewer tables
   * (the caller vouches: same rows, where names none of the dropped); NULL: from */
  const char *count_from;
  /* then, once per page (or export chunk), on the array of its items after
   * each went through fix (batched per-page work: redaction); may be NULL */
  void (*fix_page)(store_tx *tx, json_t *items, const void *ctx);
  /* the rows are business records whose list tolerates a read replica's lag
   * (store_read_lagged; issue 16): never sessions, tokens, grants, users or
   * the audit log. false: the primary. */
  bool lag_ok;
} api_list_q;
int api_list(req *r, const api_list_q *q);
/* With r->list_sink set, api_list sends every row of the list (same
 * conditions and order, fixed by q->fix) to row() in chunks inside one read
 * transaction instead of answering a page: past cap rows it answers 413
 * (too_many_rows) without sending any; a row() failure (non-zero) ends it
 * with 500. r->out gets {"total"}. */
typedef struct list_sink {
  int64_t cap;
  int (*begin)(void *ctx, int64_t total); /* before the first row (may be NULL) */
  int (*row)(void *ctx, const json_t *row);
  void *ctx;
} list_sink;

/* ---- misc ---- */
const char *api_now(char buf[21]);
/* Next number of a per-year series ("handover", 2026) inside tx. */
int api_next_seq(store_tx *tx, const char *series, int year, int64_t *n);
/* Posts an inbox message to a role (scope "" = all holders of the role). */
int api_notify(req *r, store_tx *tx, const char *role, const char *scope, const char *kind,
               const char *object_id, const char *action, const char *title, const char *body);

/* handlers (one file per resource family) */
int h_healthz(req *r);
/* GET /metrics (api/metrics.c): Prometheus text, only to metrics_networks. */
int h_metrics(req *r);
/* Counts one answered request (its route, status and time) for /metrics. */
void metrics_observe(const req *r, double seconds);
int h_search(req *r); /* api/search.c */
int h_login(req *r);
int h_logout(req *r);
int h_password(req *r);
int h_me(req *r);
int h_meta(req *r);
int h_messages(req *r);
int h_message_read(req *r);
int h_users_list(req *r);
int h_users_create(req *r);
int h_users_get(req *r);
int h_users_update(req *r);
int h_users_reset(req *r);
int h_roles_list(req *r);
int h_roles_grant(req *r);
int h_roles_revoke(req *r);
int h_grants_list(req *r); /* issue 18: ended grants (api/users.c) */
int h_audit_list(req *r);
/* issue 11: accounts (api/accounts.c) */
int h_security_get(req *r);
int h_security_update(req *r);
int h_my_tokens(req *r);
int h_my_token_revoke(req *r);
int h_user_tokens(req *r);
int h_user_token_revoke(req *r);
int h_resets_list(req *r);
/* issue 18: second factor and sessions (api/twofa.c) */
int h_2fa_status(req *r);
int h_2fa_enrol(req *r);
int h_2fa_confirm(req *r);
int h_2fa_disable(req *r);
int h_2fa_verify(req *r);
int h_my_sessions(req *r);
int h_my_session_end(req *r);
int h_audit_export(req *r);
int h_reset_get(req *r);
int h_reset_approve(req *r);
int h_reset_reject(req *r);
int h_reset_collect(req *r);
int h_static(req *r);
/* Refuses (409 recusal_conflict in x) adding unit as a target of team while a
 * member of the team must recuse from it without an approved exception.
 * Returns 0, x's status, or a store error (<0). (domain/programme/members.c) */
int programme_target_recusal(store_tx *tx, const char *team, const char *unit, xres *x);
/* issue 3: patrol programme (domain/programme/programme.c) */
int h_rounds_action(req *r);
int h_team_members_list(req *r);
int h_team_members_add(req *r);
int h_team_members_remove(req *r);
int h_team_targets_bulk(req *r);
int h_round_vetting_request(req *r);
int h_vettings_list(req *r);
int h_vetting_answer(req *r);
int h_person_history_list(req *r);
int h_person_history_add(req *r);
int h_person_relatives_list(req *r);
int h_person_relatives_add(req *r);
int h_recusal_check(req *r);
int h_recusal_exception_create(req *r);
int h_recusal_exceptions_list(req *r);
int h_person_trainings_list(req *r);
int h_person_trainings_add(req *r);
int h_person_tags_set(req *r);
int h_person_profile(req *r);
int h_round_pledges_list(req *r);
int h_round_pledge_sign(req *r);
int h_persons_import(req *r);
int h_target_briefings_request(req *r);
int h_briefing_answer(req *r);
int h_round_suggestions(req *r);
int h_movements_create(req *r);
int h_movements_list(req *r);
int h_cadre_stats(req *r);

/* issue 4: findings to rectification (domain/findings/findings.c, rectification.c, files.c);
 * the generic record handlers are in api/record.h */
int h_categories_list(req *r);
int h_categories_create(req *r);
int h_categories_update(req *r);
int h_task_progress_add(req *r);
int h_task_progress_list(req *r);
int h_rect_plan_put(req *r);
int h_rect_report_put(req *r);
int h_rectification_get(req *r);
int h_supervision_ack(req *r);
int h_supervision_note_add(req *r);
int h_supervision_notes_list(req *r);
int h_institutions_create(req *r);
int h_institutions_list(req *r);
int h_files_upload(req *r);
int h_files_list(req *r);
int h_file_download(req *r);
/* Orphans in files_dir: temp files (*.tmp) and sealed files (*.sm4) without a
 * committed files row, left by a crash between writing and committing. Removes
 * those last modified at least min_age seconds ago (younger ones may belong to
 * an upload in flight) and returns how many, or -1 if the store could not be
 * read. A file with a committed row is never removed. (api/files.c) */
int files_sweep_orphans(app *a, long min_age);
/* Runs files_sweep_orphans(orphan_minutes) once in a background thread after
 * start; files_sweeper_stop() asks it to finish early and waits for it. */
void files_sweeper_start(app *a);
void files_sweeper_stop(void);
/* issue 5: discipline side (domain/discipline/discipline.c, review.c) */
int h_report_open_accountability(req *r);
int h_accountability_pending(req *r);
int h_outcomes(req *r);
int h_clue_outcome(req *r);
int h_review_items_add(req *r);
int h_review_items_list(req *r);
int h_review_item_update(req *r);
int h_review_item_clear(req *r);
/* Authentication (api/session.c), used by dispatch. Returns 0 if r->who is
 * set, else replies 401 and returns the status. */
int session_authenticate(req *r);
/* The request's credential for the answer cache (api/answers.c): 'T' and the
 * HMAC of a well-formed bearer token, or 'C' and the HMAC of a well-formed
 * session cookie (the values the database keeps, never the secret itself);
 * false when there is none. */
bool session_credential(req *r, char out[67]);
/* Loads a user's grants (checking each row's HMAC tag) into p. */
int session_load_grants(app *a, store_tx *tx, const char *user_id, principal *p);
/* The HMAC tag of a grant row. */
/* The tag of a security_settings row (api/accounts.c), and whether tag is it
 * under any key of the key file. */
void setting_tag(const app *a, const char *name, int64_t v, char out[65]);
bool setting_tag_ok(const app *a, const char *name, int64_t v, const char *tag);
/* Whether tag is the grant's tag under any key of the key file. */
bool grant_tag_ok(const app *a, const char *user_id, const char *role, const char *sk,
                  const char *scope_id, const char *ends_at, const char *tag);
void grant_tag(const app *a, const char *user_id, const char *role, const char *sk,
               const char *scope_id, char out[65]);
/* The tag of a grant with an end date (ends_at NULL or "": as grant_tag). */
void grant_tag_until(const app *a, const char *user_id, const char *role, const char *sk,
                     const char *scope_id, const char *ends_at, char out[65]);
/* Access that ends (issue 18): whether a grant has ended, evaluated from the
 * data every time grants are loaded (api/session.c), so no transition can
 * forget to revoke. A CASE over user_roles g ($2 = now as a timestamp) giving
 * a reason code, or NULL while the grant is live:
 *   expired         its end date (ends_at, set by secadmin) has passed;
 *   team_dissolved  a team grant whose round is closed (the team is dissolved);
 *   replaced        a team grant whose holder's membership of the team was
 *                   replaced (member_replacements approved);
 *   round_closed    a unit liaison whose unit was a target of a round that
 *                   closed (rectification over) after the grant was made. */
#define GRANT_END_SQL                                                                         \
  "(CASE WHEN g.ends_at IS NOT NULL AND g.ends_at <= $2 THEN 'expired' "                      \
  "WHEN g.scope_kind='team' AND EXISTS (SELECT 1 FROM teams t JOIN rounds rd ON "             \
  "rd.id=t.round_id WHERE t.id=g.scope_id AND rd.state IN " WSQL_ROUND_CLOSED                 \
  ") THEN 'team_dissolved' "                                                                  \
  "WHEN g.scope_kind='team' AND EXISTS (SELECT 1 FROM users u JOIN team_members m ON "        \
  "m.person_id=u.person_id WHERE u.id=g.user_id AND m.team_id=g.scope_id AND "                \
  "m.replaced_at IS NOT NULL) THEN 'replaced' "                                               \
  "WHEN g.role='unit_liaison' AND EXISTS (SELECT 1 FROM targets tg JOIN rounds rd ON "        \
  "rd.id=tg.round_id WHERE tg.unit_id=g.scope_id AND rd.state IN " WSQL_ROUND_CLOSED " AND "  \
  "rd.updated_at >= g.granted_at) THEN 'round_closed' ELSE NULL END)"

#endif
