/*
 * test_states.c — issue 14: states and stamps come from the workflow tables.
 * Every named state set (core/workflow.c wf_sets) is made of states of its
 * table, and its SQL literal (WSQL_*) is the derived set; the visibility
 * declarations' released/handed conditions are generated from those sets
 * and mean exactly what the hand-copied lists meant; every stamp column a
 * transition declares exists in its kind's table of the migrated schema.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/record.h"
#include "core/visibility.h"
#include "core/workflow.h"
#include "store/store.h"
#include "t.h"
#include "util/buf.h"

static int popcount(uint32_t v) {
  int n = 0;
  for (; v; v &= v - 1) n++;
  return n;
}

TEST(named_state_sets_are_made_of_their_tables_states) {
  buf b, want;
  buf_init(&b, 512);
  buf_init(&want, 512);
  int n = 0;
  for (const wf_set *const *s = wf_sets; *s; s++, n++) {
    const wf_set *x = *s;
    uint32_t bits = wf_set_bits(x);
    if (!bits) fprintf(stderr, "  %s: empty (a state not in the table?)\n", x->name);
    CHECK(bits != 0);
    CHECK(!x->only != !x->from); /* one way of declaring */
    if (x->only) {
      int k = 0;
      for (const char *const *st = x->only; *st; st++, k++) CHECK(wf_state_index(x->wf, *st) >= 0);
      CHECK(popcount(bits) == k);
    } else {
      CHECK(wf_state_index(x->wf, x->from) >= 0);
      CHECK(!x->minus || wf_state_index(x->wf, x->minus) >= 0);
    }
    /* the name says the workflow: "<entity>.<set>" */
    CHECK(!strncmp(x->name, x->wf->entity, strlen(x->wf->entity)) &&
          x->name[strlen(x->wf->entity)] == '.');
    if (x->sql) { /* the literal for static SQL is the derived set */
      buf_reset(&b);
      buf_reset(&want);
      CHECK(wf_set_sql(x, "c", &b) == 0);
      buf_addf(&want, "c IN %s", x->sql);
      if (strcmp(buf_str(&b), buf_str(&want)))
        fprintf(stderr, "  %s: literal %s, derived %s\n", x->name, buf_str(&want), buf_str(&b));
      CHECK_STR(buf_str(&b), buf_str(&want));
    }
  }
  CHECK(n >= 20);
  /* a typo cannot pass silently: an unknown state makes the set empty */
  const wf_set typo = {.wf = &wf_problem, .name = "problem.typo",
                       .only = (const char *const[]){"draft", "fed_bak", NULL}};
  CHECK(wf_set_bits(&typo) == 0 && !wf_in(&typo, "draft"));
  /* the meanings the handlers relied on */
  CHECK(wf_in(&ws_round_open_for_members, "planned") && wf_in(&ws_round_open_for_members, "approved") &&
        !wf_in(&ws_round_open_for_members, "mobilized") && !wf_in(&ws_round_open_for_members, "closed"));
  CHECK(!wf_in(&ws_task_open, NULL) && wf_in(&ws_task_open, "in_progress") && !wf_in(&ws_task_open, "done"));
  CHECK(wf_in(&ws_round_recording, "mobilized") && wf_in(&ws_round_recording, "rectifying") &&
        !wf_in(&ws_round_recording, "approved") && !wf_in(&ws_round_recording, "closed"));
  CHECK(wf_in(&ws_clue_disposing, "concluded") && !wf_in(&ws_clue_disposing, "registered"));
  CHECK(wf_in(&ws_problem_taking_tasks, "reopened") && !wf_in(&ws_problem_taking_tasks, "rectified"));
  buf_reset(&b);
  CHECK(wf_set_sql(&ws_problem_released, "x.state", &b) == 0);
  CHECK_STR(buf_str(&b), "x.state IN ('fed_back','rectifying','rectified','signed_off','reopened')");
  buf_reset(&b);
  CHECK(wf_set_sql(&ws_assist_approved, "s", &b) == 0); /* was NOT IN ('submitted','rejected') past draft */
  CHECK_STR(buf_str(&b), "s IN ('approved','forwarded','accepted','completed','closed')");
  buf_free(&b);
  buf_free(&want);
}

static void cond(const vis_kind *k, int which, const char *want) {
  buf b;
  buf_init(&b, 2048);
  CHECK(vis_cond_sql(k, which, &b) == 0);
  if (strcmp(buf_str(&b), want)) fprintf(stderr, "  %s: %s\n", k->name, buf_str(&b));
  CHECK_STR(buf_str(&b), want);
  buf_free(&b);
}

TEST(visibility_conditions_are_generated_from_the_workflow_sets) {
  /* the texts the hand-copied lists had (tests/api/test_visibility_oracle.py
   * checks the rows) */
  cond(&vis_problem, VIS_RELEASED,
       "x.state IN ('fed_back','rectifying','rectified','signed_off','reopened')");
  cond(&vis_report, VIS_RELEASED, "x.state IN ('fed_back','copied')");
  cond(&vis_report, VIS_HANDED, "x.copied_at IS NOT NULL");
  cond(&vis_clue, VIS_HANDED, "x.state IN ('handed_over','registered','disposing','concluded')");
  cond(&vis_clue, VIS_RELEASED, "1");
  cond(&vis_rectification, VIS_RELEASED,
       "EXISTS (SELECT 1 FROM reports rep WHERE rep.target_id=x.id AND "
       "rep.state IN ('fed_back','copied'))");
  cond(&vis_rectification, VIS_HANDED,
       "EXISTS (SELECT 1 FROM reports rep WHERE rep.target_id=x.id AND rep.state IN ('copied'))");
  cond(&vis_petition, VIS_HANDED, "0");
  /* every kind's conditions build (a template without "{set}" fails closed) */
  buf b;
  buf_init(&b, 4096);
  for (const vis_kind *const *k = vis_kinds; *k; k++) {
    CHECK(vis_cond_sql(*k, VIS_RELEASED, &b) == 0);
    CHECK(vis_cond_sql(*k, VIS_HANDED, &b) == 0);
    CHECK(!(*k)->released_set || (*k)->released_col);
    CHECK(!(*k)->handed_set || (*k)->handed_col);
  }
  const vis_kind bad = {.name = "bad", .table = "t", .released = "x.a=1",
                        .released_set = &ws_report_released, .released_col = "x.state"};
  CHECK(vis_cond_sql(&bad, VIS_RELEASED, &b) == -1);
  buf_free(&b);
}

/* The table a workflow's records live in: the record kind that runs it. */
static const char *table_of(const workflow *w) {
  const rec_kind *const more[] = {&rk_clue, &rk_petition, NULL};
  for (const rec_kind *const *k = rec_kinds; *k; k++)
    if ((*k)->wf == w) return (*k)->table;
  for (const rec_kind *const *k = more; *k; k++)
    if ((*k)->wf == w) return (*k)->table;
  if (w == &wf_round) return "rounds"; /* an entity (domain/programme/rounds.c lc_round) */
  return NULL;
}

static int has_column(store_tx *tx, const char *table, const char *col) {
  sval p[] = {SV_S(table), SV_S(col)};
  int64_t n = 0;
  int rc = store_query_int(tx, "SELECT count(*) FROM pragma_table_info($1) WHERE name=$2", p, 2, &n);
  return rc == 0 && n == 1;
}

TEST(every_declared_stamp_column_exists_in_its_kinds_table) {
  char path[512], err[256];
  snprintf(path, sizeof path, "%s/stamps.db", t_tmpdir());
  store *s = NULL;
  if (!CHECK(store_open(&s, path, 2, err, sizeof err) == 0 && store_migrate(s, err, sizeof err) >= 1))
    return;
  store_tx *tx;
  if (!CHECK(store_read(s, &tx) == STORE_OK)) return;
  int stamps = 0;
  for (const workflow *const *w = workflows; *w; w++) {
    const char *table = table_of(*w);
    for (int i = 0; i < (*w)->ntransitions; i++) {
      const wf_stamp *st = &(*w)->transitions[i].stamp;
      if (!st->at && !st->by && !st->note) continue;
      stamps++;
      if (!table) fprintf(stderr, "  %s: stamps but no table\n", (*w)->entity);
      if (!CHECK(table)) continue;
      const char *cols[] = {st->at, st->by, st->note};
      for (int c = 0; c < 3; c++)
        if (cols[c] && !has_column(tx, table, cols[c])) {
          fprintf(stderr, "  %s.%s: no column %s.%s\n", (*w)->entity, (*w)->transitions[i].verb,
                  table, cols[c]);
          CHECK(0);
        }
      CHECK(!st->note == !st->note_from); /* a note column names its body field */
    }
  }
  CHECK(stamps >= 30);
  CHECK(!has_column(tx, "problems", "no_such_column")); /* the check can fail */
  /* the declarations the API tests rely on */
  const wf_transition *t = wf_find(&wf_problem, "rectifying", "complete");
  CHECK(t && !strcmp(t->stamp.at, "rectified_at") && !strcmp(t->stamp.note, "rectify_note") &&
        !strcmp(t->stamp.note_from, "note"));
  t = wf_find(&wf_problem, "fed_back", "rectify");
  CHECK(t && t->stamp.at && !t->stamp.by); /* problems have no rectifying_by */
  store_rollback(tx);
  store_close(s);
}

/* The password reset and the reveal request keep their states in transition
 * tables (core/workflow.c), which their handlers (api/accounts.c,
 * api/reveal.c) ask instead of comparing strings: the steps go only from
 * the states the table names, every state is one the schema allows, and the
 * states lists the filters use end with NULL. */
TEST(reset_and_reveal_requests_move_by_their_tables) {
  CHECK_STR(wf_find(&wf_reset, "pending", "approve")->to, "approved");
  CHECK_STR(wf_find(&wf_reset, "pending", "reject")->to, "rejected");
  CHECK_STR(wf_find(&wf_reset, "approved", "collect")->to, "collected");
  CHECK_STR(wf_find(&wf_reset, "approved", "supersede")->to, "superseded");
  CHECK(wf_find(&wf_reset, "pending", "collect") == NULL);   /* not before approval */
  CHECK(wf_find(&wf_reset, "approved", "approve") == NULL);  /* decided once */
  CHECK(wf_find(&wf_reset, "collected", "collect") == NULL); /* the password is shown once */
  CHECK_STR(wf_find(&wf_reveal, "pending", "approve")->to, "approved");
  CHECK_STR(wf_find(&wf_reveal, "pending", "reject")->to, "rejected");
  CHECK_STR(wf_find(&wf_reveal, "approved", "use")->to, "used");
  CHECK(wf_find(&wf_reveal, "approved", "reject") == NULL);
  CHECK(wf_find(&wf_reveal, "used", "use") == NULL);
  CHECK(wf_reset_states[wf_reset.nstates] == NULL && wf_reveal_states[wf_reveal.nstates] == NULL);
  CHECK_STR(wf_state_label(&wf_reset, "approved"), "已批准, 待申请人领取一次性密码");
  CHECK(wf_in(&ws_reset_pending, "pending") && !wf_in(&ws_reset_pending, "approved"));
  CHECK(wf_in(&ws_reveal_approved, "approved") && !wf_in(&ws_reveal_approved, "used"));
  /* every state is one the schema's CHECK allows (migrations 006, 017) */
  const char *const reset_schema[] = {"pending", "approved", "rejected", "collected", "superseded"};
  for (int i = 0; i < wf_reset.nstates; i++) CHECK_STR(wf_reset.states[i], reset_schema[i]);
}
