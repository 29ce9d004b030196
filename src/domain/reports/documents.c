/*
 * documents.c — formal letters (公文) issued from records: issuing assigns
 * the 文号 (or takes the one the record already carries), fixes the text in
 * the documents table and is audited; the PDF is rendered from that fixed
 * text on every download (also audited). Which letters exist, and how each
 * is composed, is the table in report/letters.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/reports/exports.h"
#include "domain/reports/reports.h"
#include "report/letters.h"
#include "report/pdf.h"
#include "util/config.h"
#include "util/text.h"
#include "util/xmem.h"

#define DOC_COLS                                                                          \
  "d.id, d.version, d.kind, d.docno, d.object_kind, d.object_id, d.title, d.recipient, "  \
  "d.content, d.copies, d.issued_by, u.display_name AS issued_by_name, d.issued_at"
#define DOC_FROM "documents d LEFT JOIN users u ON u.id=d.issued_by"

int reports_attachment(req *r, char *body, size_t len, const char *ctype, const char *ascii_name,
                       const char *utf8_name) {
  free(r->raw);
  r->raw = body;
  r->rawlen = len;
  r->ctype = ctype;
  buf b;
  buf_init(&b, sizeof r->disposition - 1);
  int e = buf_addf(&b, "attachment; filename=\"%s\"; filename*=UTF-8''", ascii_name);
  for (const unsigned char *p = (const unsigned char *)utf8_name; !e && *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
        strchr("-._~", *p))
      e = buf_addf(&b, "%c", *p);
    else
      e = buf_addf(&b, "%%%02X", *p);
  }
  if (e) { /* a name too long for the header: the ASCII one alone */
    buf_reset(&b);
    buf_addf(&b, "attachment; filename=\"%s\"", ascii_name);
  }
  snprintf(r->disposition, sizeof r->disposition, "%s", buf_str(&b));
  buf_free(&b);
  r->status = 200;
  return 200;
}

static void parse_content(json_t *row) {
  json_t *c = json_object_get(row, "content");
  if (json_is_string(c)) {
    json_t *v = json_loads(json_string_value(c), 0, NULL);
    json_object_set_new(row, "content", v ? v : json_null());
  }
  const letter_tpl *t = letter_find(json_string_value(json_object_get(row, "kind")) ?: "");
  if (t) json_object_set_new(row, "kind_label", json_string(t->label));
}

static json_t *doc_load(store_tx *tx, const char *id, int *rc) {
  sval p[] = {SV_S(id)};
  json_t *row = store_query_one(tx, "SELECT " DOC_COLS " FROM " DOC_FROM " WHERE d.id=$1", p, 1, rc);
  if (row) parse_content(row);
  return row;
}

/* Appends the condition "the record x of t is one the user may read" to
 * where: the visibility model's predicate of the record's kind for the
 * letter's read action. False if it does not fit (fail closed). */
static bool scope_cond(req *r, const letter_tpl *t, buf *where, sval *p, int *np) {
  return vis_where(t->vis, &r->who, t->read, where, p, np, VIS_MAXP) == 0;
}

/* May the user read letters of kind t about record id? 0 yes, -1 no (or no
 * such record: the caller denies after rollback, hidden), else the reply
 * status of a store error. */
static int may_read(req *r, store_tx *tx, const letter_tpl *t, const char *id) {
  sval p[3 * MAX_GRANTS + 2];
  int np = 0;
  p[np++] = SV_S(id);
  buf sql;
  buf_init(&sql, 8192);
  buf_addf(&sql, "SELECT count(*) FROM %s WHERE x.id=$1", t->from);
  int64_t n = 0;
  int rc = scope_cond(r, t, &sql, p, &np) ? store_query_int(tx, buf_str(&sql), p, np, &n) : 0;
  buf_free(&sql);
  if (rc) return api_store_error(r, rc, NULL);
  return n ? 0 : -1;
}

int h_documents_issue(req *r) {
  static const field f[] = {{.name = "kind", .label = "公文种类", .type = FT_TEXT, .flags = F_REQUIRED,
                             .max = 40},
                            {.name = "object_id", .label = "所依据的记录", .type = FT_ID,
                             .flags = F_REQUIRED}};
  if (api_body(r, f, 2, false)) return r->status;
  const char *kind = json_string_value(json_object_get(r->in, "kind"));
  const char *oid = json_string_value(json_object_get(r->in, "object_id"));
  const letter_tpl *t = letter_find(kind);
  if (!t) return api_error(r, 400, "invalid_field", "kind", "「公文种类」无效");
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  int st = may_read(r, tx, t, oid);
  if (st) {
    store_rollback(tx);
    return st > 0 ? st : api_deny(r, t->read, t->object_kind, oid, 1);
  }
  sval q[] = {SV_S(kind), SV_S(oid)};
  char *existing = NULL;
  rc = store_query_text(tx, "SELECT docno FROM documents WHERE kind=$1 AND object_id=$2", q, 2,
                        &existing);
  if (rc || existing) {
    store_rollback(tx);
    if (rc) return api_store_error(r, rc, NULL);
    api_error(r, 409, "already_issued", "object_id", "该记录的%s已出具 (文号 %s)", t->label,
              existing);
    free(existing);
    return r->status;
  }
  char docno[160] = "";
  if (t->series) {
    int year = year_shanghai(xnow());
    int64_t seq = 0;
    rc = api_next_seq(tx, t->series, year, &seq);
    if (rc) {
      store_rollback(tx);
      return api_store_error(r, rc, NULL);
    }
    snprintf(docno, sizeof docno, "%s〔%d〕%lld号", cfg_str(t->prefix), year, (long long)seq);
  }
  json_t *doc = NULL;
  char why[300] = "";
  rc = t->compose(tx, oid, t->series ? docno : NULL, &doc, why, sizeof why);
  if (rc) {
    store_rollback(tx);
    if (rc < 0) return api_store_error(r, rc, NULL);
    return api_error(r, 409, "not_ready", "object_id", "%s", why);
  }
  char *content = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
  /* jansson keeps only valid UTF-8, so json_dumps fails only for lack of memory */
  if (!content) {
    json_decref(doc);
    store_rollback(tx);
    return api_error(r, 500, "internal", "", "服务器内部错误 (请求编号 %s)", r->id);
  }
  char id[UUID_LEN], now[TS_LEN];
  uuid7(id);
  ts_now(now);
  const char *dn = json_string_value(json_object_get(doc, "docno"));
  sval p[] = {SV_S(id),
              SV_S(kind),
              SV_S(dn),
              SV_S(t->object_kind),
              SV_S(oid),
              SV_S(json_string_value(json_object_get(doc, "title"))),
              SV_S(json_string_value(json_object_get(doc, "to"))),
              SV_S(content),
              SV_S(r->who.user_id),
              SV_S(now)};
  rc = store_exec(tx,
                  "INSERT INTO documents(id,kind,docno,object_kind,object_id,title,recipient,"
                  "content,issued_by,issued_at,created_at,updated_at) "
                  "VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10,$10)",
                  p, 10, NULL);
  free(content);
  json_t *d = json_pack("{s:s,s:s,s:s,s:s}", "kind", kind, "docno", dn, "object_kind",
                        t->object_kind, "object_id", oid);
  json_decref(doc);
  if (!rc) rc = api_audit(r, tx, "document.issue", "document", id, "ok", d);
  json_decref(d);
  json_t *row = rc ? NULL : doc_load(tx, id, &rc);
  return api_finish(r, tx, row, rc, 201);
}

int h_documents_get(req *r) {
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  json_t *row = doc_load(tx, r->params[0], &rc);
  const letter_tpl *t = row ? letter_find(json_string_value(json_object_get(row, "kind"))) : NULL;
  int st = t ? may_read(r, tx, t, json_string_value(json_object_get(row, "object_id")))
             : 0;
  store_rollback(tx);
  if (rc) {
    json_decref(row);
    return api_store_error(r, rc, NULL);
  }
  if (!row || !t || st) {
    json_decref(row);
    if (st > 0) return st;
    return api_deny(r, A_DOC_LIST, "document", r->params[0], 1);
  }
  api_set_etag(r, json_integer_value(json_object_get(row, "version")));
  return api_ok(r, 200, row);
}

int h_documents_pdf(req *r) {
  int st = h_documents_get(r);
  if (st != 200) return st;
  json_t *row = json_incref(r->out);
  buf pdf;
  buf_init(&pdf, 32u << 20);
  svc_actor ac;
  api_actor(r, &ac);
  xres x = XRES_INIT;
  int rc = svc_letter_pdf(r->app, &ac, r->params[0], row, &pdf, &x); /* rendered and audited */
  api_actor_end(r, &ac);
  if (rc) {
    buf_free(&pdf);
    json_decref(row);
    return api_xres(r, &x);
  }
  char name[400];
  snprintf(name, sizeof name, "%s %s.pdf", json_string_value(json_object_get(row, "docno")),
           json_string_value(json_object_get(row, "title")));
  json_decref(row);
  json_decref(r->out);
  r->out = NULL;
  size_t len = pdf.len;
  return reports_attachment(r, buf_take(&pdf), len, "application/pdf", "letter.pdf", name);
}

int h_documents_list(req *r) {
  /* each kind the user may read, narrowed to the records it may read */
  /* each kind's scope, then kind, object_id, limit and offset */
  sval *p = xcalloc(4 + (size_t)nletter_tpls * (3 * MAX_GRANTS + 1), sizeof *p);
  int np = 0;
  buf where;
  buf_init(&where, 16384);
  buf_adds(&where, " WHERE (0");
  for (int i = 0; i < nletter_tpls; i++) {
    const letter_tpl *t = &letter_tpls[i];
    buf c;
    buf_init(&c, 8192);
    int np0 = np;
    p[np++] = SV_S(t->kind);
    buf_addf(&c, " OR (d.kind=$%d AND d.object_id IN (SELECT x.id FROM %s WHERE 1=1", np, t->from);
    if (scope_cond(r, t, &c, p, &np)) {
      buf_addf(&where, "%s))", buf_str(&c));
    } else {
      np = np0;
    }
    buf_free(&c);
  }
  buf_adds(&where, ")");
  /* the letter kinds (report/letters.c) are the vocabulary of ?kind= */
  const char **kinds = xcalloc((size_t)nletter_tpls + 1, sizeof *kinds);
  for (int i = 0; i < nletter_tpls; i++) kinds[i] = letter_tpls[i].kind;
  const arg_decl decls[] = {
      {.name = "kind", .label = "公文种类", .type = ARG_ENUM, .values = kinds, .col = "kind",
       .msg = "「公文种类」无效"},
      {.name = "object_id", .label = "所依据的记录", .type = ARG_ID, .flags = ARG_NONEMPTY,
       .col = "object_id", .msg = "「所依据的记录」编号无效"},
  };
  static const char *const sorts[] = {"issued_at", NULL};
  args_spec spec = {.decls = decls, .n = ARGS_N(decls), .prefix = "d.", .paging = true, .keyset = true, .sort = true,
                    .sort_cols = sorts, .sort_prefix = "d.", .sort_verbatim = true,
                    .sort_default = "d.issued_at DESC, d.id DESC"};
  int st = api_args_list(r, &spec, DOC_COLS, DOC_FROM, buf_str(&where), p, np, NULL, NULL);
  buf_free(&where);
  free(p);
  free(kinds);
  size_t i;
  json_t *it;
  if (st == 200) json_array_foreach(json_object_get(r->out, "items"), i, it) parse_content(it);
  return st;
}
