/*
 * record.h — descriptor-driven handlers for lifecycle records that belong to
 * a patrol target (problems, reports, rectification tasks, supervision
 * notices): one rec_kind row gives the table, the SELECT, the scope columns,
 * the create/edit fields, the parent the record hangs from, the list filters
 * and the workflow; record.c supplies list, get, create, edit, the lifecycle
 * verbs and the history from the audit trail for every kind.
 *
 * Visibility is the kind's vis_kind (core/visibility.h): list, GET and
 * history select rows with vis_where(); other actions follow authz on an
 * object built from the row (team_id; unit_id and supervisor_id only once
 * the row is "released" to the unit side; handed_over once copied).
 */
#ifndef XUNJI_RECORD_H
#define XUNJI_RECORD_H
#include "api/lifecycle.h"
#include "api/service.h"
#include "core/visibility.h"
#include "util/buf.h"

/* A sealed field (SM4 at rest, bound to "<kind>:<id>"): the body text named
 * `input` (or the key prepare() sets under that name) is sealed into
 * `column` on create and edit, never stored in clear nor audited; GET shows
 * it under `out` to users who hold `read` on the row, each read audited as
 * `audit` (api_reveal) before the text leaves the server. */
typedef struct rec_sealed {
  const char *column;  /* "allegation_enc" */
  const char *input;   /* "allegation" */
  const char *out;     /* "allegation"; a failed check shows null and "<out>_error" */
  action_id read;      /* A_CLUE_ALLEGATION */
  const char *audit;   /* "clue.allegation.read" */
  const char *present; /* key telling the others whether one is held, or NULL */
  const char *changed; /* audit detail flag set when an edit replaces it, or NULL */
  bool as_json;        /* the plaintext is a JSON document, shown parsed */
  /* Holding `read` is not enough: the reader also needs an approved reveal
   * request (reveal_requests, api/reveal.c) of their own on this row, by a
   * second person holding the reveal_approver role; it is spent by the
   * read (or lasts reveal_minutes). Without one the field stays sealed. */
  bool needs_reveal;
} rec_sealed;
enum { REC_MAXSEALED = 4 }; /* sealed fields a kind may declare */

/* A boolean list filter: ?name=true adds " AND (sql)". */
typedef struct rec_flag {
  const char *name;
  const char *sql;
} rec_flag;

typedef struct rec_kind {
  const char *name;  /* audit object kind; the workflow's entity */
  const char *label; /* Chinese: 问题 */
  const char *table;
  /* SELECT list and FROM over alias x. The list must yield team_id, unit_id,
   * supervisor_id and state; released_sql/handed_sql are added by record.c. */
  const char *cols, *from;
  const char *order;        /* default ORDER BY, e.g. "x.created_at DESC, x.id DESC" */
  /* Who sees the row (core/visibility.c): its released/handed conditions
   * and the one predicate that GET, list, history and measures share. */
  const vis_kind *vis;
  action_id list_act, create_act, edit_act;
  const field *fields; /* create and edit body */
  int nfields;
  const field *filters; /* ?key=value on column x.key */
  int nfilters;
  const rec_flag *flags;
  int nflags;
  const char *search_col; /* ?q= substring, or NULL */
  /* The parent: the body field naming it, and the SQL (one $1) returning
   * the columns copied into the new row (round_id, team_id, unit_id, ...)
   * plus supervisor_id and state for the checks. */
  const char *parent_field;
  const char *parent_sql;
  const char *edit_state; /* PATCH allowed in this state only; NULL = never */
  /* Turns the validated body into columns (may add, convert or refuse);
   * parent is NULL on edit and for a kind without parent, old is NULL on
   * create. 0, or the error in x (its status), or a store code (< 0). */
  int (*prepare)(app *a, svc_actor *ac, store_tx *tx, json_t *cols, const json_t *parent,
                 const json_t *old, xres *x);
  /* After the insert (e.g. moves the parent along). Keys it sets in answer
   * are added to this one answer only (e.g. a receipt shown once, never
   * stored in clear). 0, x's status or a store code. */
  int (*created)(app *a, svc_actor *ac, store_tx *tx, const json_t *row, json_t *answer, xres *x);
  /* Derived values for the JSON (labels, money, overdue). */
  void (*fix)(store_tx *tx, json_t *row);
  const lc_hook *hooks;
  int nhooks;
  const workflow *wf;
  /* Another parent, used when the body lacks parent_field (e.g. an
   * accountability record hangs from a problem or from a clue). The parent
   * SQL may return "handed" (1: handed over to the commission) for P_HANDED. */
  const char *alt_parent_field;
  const char *alt_parent_sql;
  /* Acts the record's page may offer besides its lifecycle (e.g. open an
   * accountability record on a problem): answered as "can": {"<action>":
   * bool}, decided by authz on this row, so the UI asks rather than guesses. */
  const action_id *also;
  int nalso;
  /* Sealed fields (see rec_sealed), at most REC_MAXSEALED. */
  const rec_sealed *sealed;
  int nsealed;
  /* The columns ?sort= may name besides created_at/updated_at (NULL: the
   * filters). */
  const field *sorts;
  int nsorts;
  /* Last touch of a shown row (GET, create, edit, action), after
   * allowed_actions, editable and can are set and before the redaction: e.g. a
   * state condition on top of a "can" entry, or a key the UI reads. */
  void (*finish)(const principal *who, json_t *row);
  /* A list-wide figure returned beside total: "<name>": count of the rows
   * matching the list's conditions AND (sql) ({today} as in flags). */
  const rec_flag *sums;
  int nsums;
  /* ---- kinds without a parent (parent_field NULL: the directory, the round
   * plan): created under the create action on an object holding only the
   * org kind below; no workflow needed. ---- */
  /* The column the policy reads as authz_obj.org_kind on create and edit
   * (orgs: "kind": the office writes inspected units, sysadmin the rest; a
   * refusal says who keeps it, rec_deny_org); NULL: none. */
  const char *kind_col;
  bool edit_always;   /* PATCH in any state (prepare may still refuse); else edit_state */
  bool no_creator;    /* the table keeps no created_by column */
  bool bool_json;     /* FT_BOOL fields (0/1 columns) shown as JSON booleans */
  /* Keys the SELECT list loads for the rules (e.g. a unit's supervisor_id)
   * that the answer does not show; NULL-terminated, or NULL. */
  const char *const *hidden;
  const char *search_label; /* meta: what ?q= matches (NULL: 关键词) */
  /* Acts on the record served by routes of their own (POST .../{id}/<verb>
   * beside the workflow: a clue's outcome, a briefing's answer): their
   * bodies, published by GET /api/v1/meta. */
  const lc_hook *const *acts;
  int nacts;
} rec_kind;

#define NF(a) ((int)(sizeof a / sizeof *a))

/* Generic handlers; the route's arg is the rec_kind. */
int h_rec_list(req *r);
int h_rec_get(req *r);
int h_rec_create(req *r);
int h_rec_update(req *r);
int h_rec_action(req *r);
int h_rec_history(req *r);

/* ---- the engine's operations as services (api/service.h): no req ---- */
/* The record as its GET shows it to the actor (*out, owned): visible, redacted,
 * allowed_actions/editable/can set. Sealed fields are revealed by the HTTP
 * GET only (the reveal asks for a fresh second factor). */
int rec_svc_get(app *a, svc_actor *ac, const rec_kind *k, const char *id, json_t **out, xres *x);
/* Creates a record of k from input (validated and trimmed in place against k->fields; not
 * taken), audited "<kind>.create"; *out: the new record as GET shows it. */
int rec_svc_create(app *a, svc_actor *ac, const rec_kind *k, json_t *input, json_t **out,
                   xres *x);
/* Edits record id of k with input (partial), audited "<kind>.update" with
 * its change log; if_match: the version the caller saw ("\"3\"", "*" or
 * NULL: any), else 409 stale. *out: the record after the edit. */
int rec_svc_update(app *a, svc_actor *ac, const rec_kind *k, const char *id, const char *if_match,
                   json_t *input, json_t **out, xres *x);
/* Runs lifecycle verb on record id of k (lifecycle_svc: the kind's workflow
 * and hooks); *out: the record after the step as GET shows it. */
int rec_svc_action(app *a, svc_actor *ac, const rec_kind *k, const char *id, const char *verb,
                   const char *if_match, json_t *input, json_t **out, xres *x);
/* rec_fetch for a service: 0 with *out, or rolls tx back and returns x's status. */
int rec_fetch_svc(app *a, svc_actor *ac, const rec_kind *k, store_tx *tx, const char *id,
                  action_id act, json_t **out, xres *x);
/* rec_cascade for a service (audited as the actor). */
int rec_cascade_svc(app *a, svc_actor *ac, store_tx *tx, const workflow *wf, const char *table,
                    const char *where_sql, const sval *p, int np, const char *verb, json_t *detail,
                    int *moved);
/* Refuses a write of act on an organisation of this kind (forbidden_kind
 * names who keeps it), audited; x's status. */
int rec_deny_org(app *a, svc_actor *ac, action_id act, const char *kind, const char *id, xres *x);
/* If-Match (header text, NULL or "*": any) against the record's version:
 * 0, or 409 stale in x. */
int rec_if_match(const char *if_match, int64_t version, xres *x);

/* Loads a row of k as the API shows it (fixed, not redacted); NULL if absent. */
json_t *rec_load(const rec_kind *k, store_tx *tx, const char *id, int *rc);
/* The authz object of a row (pointers into the row). */
void rec_obj(const json_t *row, authz_obj *o);
/* Loads the row and checks act on it: 0 with *out set; or rolls tx back
 * and returns the reply status (404 hidden when the user may not read it;
 * a denial is audited, which needs the writer, hence the rollback first). */
int rec_fetch(req *r, const rec_kind *k, store_tx *tx, const char *id, action_id act,
              json_t **out);
/* Moves every row of table selected by where_sql (ids; params p) through
 * verb of wf where its state allows, audited as "<entity>.<verb>" with
 * detail (taken: the caller passes a new reference or NULL). *moved counts
 * them. Authorisation is the caller's. */
int rec_cascade(req *r, store_tx *tx, const workflow *wf, const char *table, const char *where_sql,
                const sval *p, int np, const char *verb, json_t *detail, int *moved);

/* Refuses (403, audited) a write of action a on an organisation of this kind;
 * when the user writes other kinds, the answer (forbidden_kind) says who keeps it. */
int entity_deny_write(req *r, action_id a, const char *kind, const char *id);

/* 举报人保护 (api/reveal.c): *ok = 1 when the user has an approved reveal
 * request on kind:id (spent now when it is for one read; audited as
 * reveal.use), or when reveal_approver is none (test mode). 0, a store
 * error, or > 0 when a reply was made. */
int reveal_spend(req *r, const char *kind, const char *id, action_id need, int *ok);
int h_reveal_request(req *r); /* route arg: the rec_kind */
int h_reveal_list(req *r);
int h_reveal_decide(req *r);
int h_petition_receipt(req *r); /* route arg: rk_petition */

/* helpers */
const char *rec_s(const json_t *o, const char *k);
int rec_fail(req *r, store_tx *tx, int rc);
/* "12.38" of an integer fen column k into key out. */
void rec_money(json_t *row, const char *k, const char *out);

extern const rec_kind rk_problem, rk_report, rk_task, rk_notice;
extern const rec_kind rk_assistance, rk_accountability, rk_review;
extern const rec_kind rk_replacement; /* domain/programme/replacements.c */
/* Every rec_kind, NULL-terminated (api/meta.c publishes them). */
extern const rec_kind *const rec_kinds[];
extern const rec_kind rk_petition, rk_briefing; /* domain/programme/ */
extern const rec_kind rk_clue;                  /* domain/discipline/clues.c */
/* The directory and the round plan (domain/programme/directory.c). */
extern const rec_kind rk_org, rk_person, rk_round, rk_team, rk_target;
/* A round's lifecycle verb as a service (domain/programme/rounds.c: wf_round
 * with the mobilization gate); as rec_svc_action. */
int round_svc_action(app *a, svc_actor *ac, const char *id, const char *verb, const char *if_match,
                     json_t *input, json_t **out, xres *x);
#endif
