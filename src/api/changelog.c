/*
 * changelog.c — the per-record change log. See changelog.h.
 */
#include "api/changelog.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/outcomes.h"
#include "core/visibility.h"
#include "util/buf.h"
#include "util/text.h"
#include "util/xmem.h"

static bool ends_with(const char *s, const char *t) {
  size_t n = strlen(s), m = strlen(t);
  return n >= m && !strcmp(s + n - m, t);
}

static bool skipped(const char *action, const char *kind) {
  /* accounts, tokens and settings are the administrators', kept in the audit log only */
  return !strcmp(kind, "user") || !strcmp(kind, "api_token") || !strcmp(kind, "setting") ||
         !strncmp(action, "auth.", 5) || ends_with(action, ".read") ||
         ends_with(action, ".download") || ends_with(action, ".export");
}

/* A value as stored: strings as they are, everything else as compact JSON. */
static char *text_of(const json_t *v) {
  if (!v || json_is_null(v)) return NULL;
  if (json_is_string(v)) return strdup(json_string_value(v));
  return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

/* One INSERT writes up to CH_BATCH changes (issue 15: a create logs one row
 * per field, eight for a clue, and each its own statement cost ~21k
 * instructions of binding, stepping and halting). The rows, their values and
 * their order (so their seq) are the same as one INSERT each. */
enum { CH_COLS = 11, CH_BATCH = 16 };
static char *batch_sql[CH_BATCH + 1]; /* [n]: the INSERT of n rows; built once, kept */
static pthread_once_t batch_once = PTHREAD_ONCE_INIT;

static void batch_sql_init(void) {
  for (int n = 1; n <= CH_BATCH; n++) {
    buf b;
    buf_init(&b, 256 + (size_t)n * 64);
    buf_adds(&b, "INSERT INTO record_changes(audit_seq, at, kind, record_id, actor_id, "
                 "actor_login, role, action, field, old_value, new_value) VALUES");
    for (int r = 0; r < n; r++) {
      buf_adds(&b, r ? ",(" : "(");
      for (int c = 0; c < CH_COLS; c++) buf_addf(&b, c ? ",$%d" : "$%d", r * CH_COLS + c + 1);
      buf_adds(&b, ")");
    }
    batch_sql[n] = xstrdup(buf_str(&b));
    buf_free(&b);
  }
}

typedef struct change {
  const char *field;
  char *old, *nv; /* owned */
} change;

static int put_batch(const svc_actor *ac, store_tx *tx, int64_t seq, const char *now,
                     const char *action, const char *kind, const char *id, const change *ch, int n) {
  pthread_once(&batch_once, batch_sql_init);
  sval p[CH_BATCH * CH_COLS];
  for (int r = 0; r < n; r++) {
    sval *q = p + r * CH_COLS;
    q[0] = SV_I(seq);
    q[1] = SV_S(now);
    q[2] = SV_S(kind);
    q[3] = SV_S(id);
    q[4] = ac->user_id ? SV_S(ac->user_id) : SV_NUL;
    q[5] = ac->login && ac->login[0] ? SV_S(ac->login) : SV_NUL;
    q[6] = ac->roles && ac->roles[0] ? SV_S(ac->roles) : SV_NUL;
    q[7] = SV_S(action);
    q[8] = ch[r].field ? SV_S(ch[r].field) : SV_NUL;
    q[9] = ch[r].old ? SV_S(ch[r].old) : SV_NUL;
    q[10] = ch[r].nv ? SV_S(ch[r].nv) : SV_NUL;
  }
  return store_exec(tx, batch_sql[n], p, n * CH_COLS, NULL);
}

int chlog_write(const svc_actor *ac, store_tx *tx, int64_t audit_seq, const char *action, const char *kind,
                const char *id, const json_t *old, const json_t *detail) {
  if (!kind || !id || !action || skipped(action, kind)) return STORE_OK;
  char now[TS_LEN];
  ts_now(now);
  int rc = STORE_OK, n = 0, total = 0;
  change ch[CH_BATCH];
  const json_t *from = json_object_get(detail, "from"), *to = json_object_get(detail, "to");
  bool state = json_is_string(from) && json_is_string(to);
  if (state) {
    ch[n++] = (change){"state", xstrdup(json_string_value(from)), xstrdup(json_string_value(to))};
  }
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)detail, key, v) {
    if (state && (!strcmp(key, "from") || !strcmp(key, "to"))) continue;
    if (n == CH_BATCH) {
      rc = put_batch(ac, tx, audit_seq, now, action, kind, id, ch, n);
      for (int i = 0; i < n; i++) free(ch[i].old), free(ch[i].nv);
      total += n;
      n = 0;
      if (rc) break;
    }
    ch[n++] = (change){key, old ? text_of(json_object_get(old, key)) : NULL, text_of(v)};
  }
  if (!rc && !n && !total) ch[n++] = (change){NULL, NULL, NULL};
  if (!rc && n) rc = put_batch(ac, tx, audit_seq, now, action, kind, id, ch, n);
  for (int i = 0; i < n; i++) free(ch[i].old), free(ch[i].nv);
  return rc;
}

/* ---- reading ------------------------------------------------------------------ */
/* Labels of the codes the record kinds' enumerations hold (the field
 * descriptors carry the codes only). */
static const char *const vocab[][3] = {
    {"found_by", "interview", "个别谈话"}, {"found_by", "records", "调阅资料"},
    {"found_by", "field_visit", "下沉了解"}, {"found_by", "petition", "信访件"},
    {"found_by", "other", "其他"},
    {"level", "reminder", "提醒"}, {"level", "supervise", "督办"}, {"level", "interview", "约谈"},
    {"subject_kind", "person", "个人"}, {"subject_kind", "organization", "党组织"},
    {"subject_kind", "leader", "领导干部"},
    {"leader_role", "principal", "主要领导"}, {"leader_role", "supervising", "分管领导"},
    {"kind", "new", "新建"}, {"kind", "revised", "修订"},
};

static const char *const extra_labels[][2] = {
    {"state", "状态"}, {"files", "附件"}, {"note", "意见"}, {"reason", "理由"},
    {"tasks", "整改任务数"}, {"file_id", "附件"}, {"allegation_changed", "反映内容已修改"},
    {"accepted_by_role", "受理部门"}, {"result", "结果"}, {"meeting_date", "反馈会议日期"},
    {"copied_to", "抄送"}, {"problems", "问题数"}, {"progress_entries", "整改进展条数"},
    {"items", "事项数"},
};

static const field *field_of(const rec_kind *k, const char *name) {
  const field *f = fields_find(k->fields, k->nfields, name);
  for (int i = 0; !f && i < k->nhooks; i++) f = fields_find(k->hooks[i].fields, k->hooks[i].nfields, name);
  return f;
}

static const char *label_of(const rec_kind *k, const char *name, char *tmp, size_t n) {
  for (size_t i = 0; i < sizeof extra_labels / sizeof *extra_labels; i++)
    if (!strcmp(extra_labels[i][0], name)) return extra_labels[i][1];
  const field *f = field_of(k, name);
  if (!f && ends_with(name, "_fen") && strlen(name) < n) { /* amount_fen: the field amount */
    snprintf(tmp, n, "%.*s", (int)(strlen(name) - 4), name);
    f = field_of(k, tmp);
  }
  return f ? f->label : name;
}

/* The Chinese reading of a stored value (NULL stays NULL). */
static json_t *value_text(const rec_kind *k, const char *name, const char *v) {
  if (!v) return json_null();
  if (!strcmp(name, "state")) return json_string(wf_state_label(k->wf, v));
  if (!strcmp(name, "files")) { /* an upload: the file's name */
    json_t *f = json_loads(v, 0, NULL);
    const char *n = json_string_value(json_object_get(f, "name"));
    json_t *out = json_string(n ? n : v);
    json_decref(f);
    return out;
  }
  if (ends_with(name, "_fen")) {
    char m[24];
    money_format(strtoll(v, NULL, 10), m);
    return json_string(m);
  }
  if (!strcmp(v, "true")) return json_string("是");
  if (!strcmp(v, "false")) return json_string("否");
  if (ends_with(name, "_role")) { /* a department: its role's label */
    int ro = role_lookup(v);
    if (ro >= 0) return json_string(roles[ro].label);
  }
  if (!strcmp(name, "outcome")) {
    const outcome_def *o = outcome_find(v);
    if (o) return json_string(o->label);
  }
  if (!strcmp(name, "form") && v[0] >= '1' && v[0] <= '4' && !v[1]) return json_string(form_label(v[0] - '0'));
  for (size_t i = 0; i < sizeof vocab / sizeof *vocab; i++)
    if (!strcmp(vocab[i][0], name) && !strcmp(vocab[i][1], v)) return json_string(vocab[i][2]);
  const field *f = field_of(k, name);
  if (f && f->type == FT_BOOL) return json_string(strcmp(v, "0") ? "是" : "否");
  return json_string(v);
}

json_t *chlog_history(req *r, store_tx *tx, const rec_kind *k, const json_t *row) {
  sval p[] = {SV_S(k->name), SV_S(rec_s(row, "id"))};
  json_t *rows = store_query_json(
      tx,
      "SELECT c.audit_seq, c.at, c.actor_login, u.display_name AS actor_name, c.role, c.action, "
      "c.field, c.old_value, c.new_value FROM record_changes c LEFT JOIN users u ON "
      "u.id=c.actor_id WHERE c.kind=$1 AND c.record_id=$2 ORDER BY c.seq",
      p, 2);
  if (!rows) return NULL;
  /* which fields this user may see: the visibility model's redaction of
   * the kind (core/visibility.c vis_redact), asked on the record with every
   * logged field present, as the record's GET asks it */
  json_t *probe = json_deep_copy(row);
  size_t i;
  json_t *it;
  json_array_foreach(rows, i, it) {
    const char *f = rec_s(it, "field");
    if (f && !json_object_get(probe, f)) json_object_set_new(probe, f, json_true());
  }
  if (vis_redact(tx, k->vis, &r->who, rec_s(row, "id"), probe)) {
    json_decref(probe);
    json_decref(rows);
    return NULL;
  }
  bool creator_hidden = json_object_get((json_t *)row, "created_by") && !json_object_get(probe, "created_by");

  json_t *items = json_array(), *cur = NULL;
  int64_t cur_seq = -1;
  int shown = 0, hidden = 0;
  json_array_foreach(rows, i, it) {
    int64_t seq = json_integer_value(json_object_get(it, "audit_seq"));
    if (!cur || seq != cur_seq) {
      if (cur && (shown || !hidden)) json_array_append(items, cur);
      json_decref(cur);
      cur_seq = seq;
      shown = hidden = 0;
      const char *act = rec_s(it, "action");
      bool anon = creator_hidden && act && ends_with(act, ".create");
      cur = json_pack("{s:I,s:s,s:s?,s:s?,s:s?,s:s,s:o,s:o}", "seq", (json_int_t)seq, "at",
                      rec_s(it, "at"), "actor_login", anon ? NULL : rec_s(it, "actor_login"),
                      "actor_name", anon ? NULL : rec_s(it, "actor_name"), "role",
                      rec_s(it, "role"), "action", act ? act : "", "changes", json_array(),
                      "detail", json_object());
    }
    const char *f = rec_s(it, "field");
    if (!f) continue;
    if (!json_object_get(probe, f)) {
      hidden++;
      continue;
    }
    shown++;
    char tmp[64];
    const char *ov = rec_s(it, "old_value"), *nv = rec_s(it, "new_value");
    json_array_append_new(json_object_get(cur, "changes"),
                          json_pack("{s:s,s:s,s:s?,s:s?,s:o,s:o}", "field", f, "label",
                                    label_of(k, f, tmp, sizeof tmp), "old", ov, "new", nv,
                                    "old_text", value_text(k, f, ov), "new_text",
                                    value_text(k, f, nv)));
    /* the former shape: {from, to} for a step, {field: new value} otherwise */
    json_t *d = json_object_get(cur, "detail");
    if (!strcmp(f, "state") && ov) {
      json_object_set_new(d, "from", json_string(ov));
      json_object_set_new(d, "to", nv ? json_string(nv) : json_null());
    } else { /* values logged as JSON (numbers, flags, objects) come back as such */
      json_t *jv = nv ? json_loads(nv, JSON_DECODE_ANY, NULL) : NULL;
      if (jv && json_is_string(jv)) json_decref(jv), jv = NULL;
      json_object_set_new(d, f, jv ? jv : nv ? json_string(nv) : json_null());
    }
  }
  if (cur && (shown || !hidden)) json_array_append(items, cur);
  json_decref(cur);
  json_decref(probe);
  json_decref(rows);
  return items;
}
