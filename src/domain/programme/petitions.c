/*
 * petitions.c — 信访件 logged by a team on site, with the reporter's identity
 * sealed (SM4) and readable only by those who need it (audited), and their
 * triage into a clue, a transfer to the unit or a closure with reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/record.h"
#include "domain/programme/programme.h"
#include "api/meta.h"
#include "sec/password.h"

/* ---- 信访件 (petitions received on site) --------------------------------------------------- */
static const char *const channels[] = {"letter", "visit", "phone", "online", "qr_code", NULL};
static const field petition_fields[] = {
    {.name = "target_id", .label = "巡察对象", .type = FT_ID, .flags = F_REQUIRED},
    {.name = "channel", .label = "来信来访方式", .type = FT_ENUM, .flags = F_REQUIRED, .values = channels},
    {.name = "received_on", .label = "收到日期", .type = FT_DATE, .flags = F_REQUIRED},
    {.name = "summary", .label = "反映的主要问题", .type = FT_MEMO, .flags = F_REQUIRED, .max = 5000},
    {.name = "anonymous", .label = "匿名", .type = FT_BOOL},
    {.name = "reporter_name", .label = "信访人姓名", .type = FT_TEXT, .max = 50},
    {.name = "reporter_contact", .label = "信访人联系方式", .type = FT_TEXT, .max = 100},
};

static void petition_fix(store_tx *tx, json_t *row) {
  (void)tx;
  json_object_set_new(row, "anonymous",
                      json_boolean(json_integer_value(json_object_get(row, "anonymous"))));
  char t[80];
  snprintf(t, sizeof t, "%s (%s)", prog_js(row, "unit_name"), prog_js(row, "received_on"));
  json_object_set_new(row, "title", json_string(t));
}

/* The reporter's identity, if given, becomes the sealed "reporter" (a JSON
 * document of name and contact); the two fields are never stored in clear. */
static int petition_prepare(app *a, svc_actor *ac, store_tx *tx, json_t *cols,
    const json_t *parent, const json_t *old, xres *x) {
  (void)a;
  (void)ac;
  (void)tx;
  (void)parent;
  (void)old;
  const char *rn = prog_js(cols, "reporter_name"), *rcn = prog_js(cols, "reporter_contact");
  int anon = json_is_true(json_object_get(cols, "anonymous"));
  int named = (rn && *rn) || (rcn && *rcn);
  if (anon && named)
    return xres_err(x, 400, "invalid_field", "reporter_name", "匿名信访不填「信访人姓名」和联系方式");
  char today[11];
  date_format(date_today_shanghai(), today);
  if (strcmp(prog_js(cols, "received_on"), today) > 0)
    return xres_err(x, 400, "invalid_field", "received_on", "「收到日期」不得晚于今天");
  if (named) {
    json_t *who = json_pack("{s:s?,s:s?}", "name", rn, "contact", rcn);
    char *plain = json_dumps(who, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(who);
    if (!plain) return STORE_ERR;
    json_object_set_new(cols, "reporter", json_string(plain));
    xwipe(plain, strlen(plain));
    free(plain);
  }
  json_object_del(cols, "reporter_name");
  json_object_del(cols, "reporter_contact");
  json_object_set_new(cols, "anonymous", json_boolean(anon));
  return 0;
}

static int petition_mark(svc_actor *ac, store_tx *tx, const json_t *row, const char *note,
                         const char *clue) {
  char now[TS_LEN];
  ts_now(now);
  sval p[] = {SV_S(note), SV_S(clue), SV_S(ac->user_id), SV_S(now), SV_S(prog_js(row, "id"))};
  return store_exec(tx,
                    "UPDATE petitions SET triage_note=$1, clue_id=$2, triaged_by=$3, triaged_at=$4 "
                    "WHERE id=$5",
                    p, 5, NULL);
}

/* to_clue: a draft clue of the foundation slice, linked both ways by id. */
static int apply_to_clue(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                         const json_t *row, json_t *d, xres *x) {
  (void)x;
  char id[UUID_LEN], now[TS_LEN], ctx[80], today[11];
  uuid7(id);
  ts_now(now);
  date_format(date_today_shanghai(), today);
  snprintf(ctx, sizeof ctx, "clue:%s", id);
  const char *alleg = prog_js(in, "allegation");
  char *sealed = field_seal(&a->keys, ctx, alleg && *alleg ? alleg : prog_js(row, "summary"));
  const char *disc = prog_js(row, "received_on");
  sval p[] = {SV_S(id),
              SV_S(prog_js(row, "target_id")),
              SV_S(prog_js(row, "round_id")),
              SV_S(prog_js(row, "team_id")),
              SV_S(prog_js(row, "unit_id")),
              SV_S(prog_js(in, "title")),
              SV_S(prog_js(in, "subject_name")),
              SV_S(prog_js(in, "subject_post")),
              SV_S(strcmp(disc, today) > 0 ? today : disc),
              SV_S(sealed),
              SV_S(ac->user_id),
              SV_S(now)};
  int rc = sealed ? store_exec(tx,
                               "INSERT INTO clues(id,target_id,round_id,team_id,unit_id,title,"
                               "subject_name,subject_post,source,discovered_on,allegation_enc,"
                               "created_by,created_at,updated_at) VALUES($1,$2,$3,$4,$5,$6,$7,$8,"
                               "'petition',$9,$10,$11,$12,$12)",
                               p, 12, NULL)
                  : STORE_ERR;
  free(sealed);
  json_t *cd = json_pack("{s:s,s:s}", "petition_id", prog_js(row, "id"), "title", prog_js(in, "title"));
  if (!rc) rc = svc_audit(a, tx, ac, "clue.create", "clue", id, "ok", cd, NULL);
  json_decref(cd);
  if (!rc) rc = petition_mark(ac, tx, row, prog_js(in, "note"), id);
  json_object_set_new(d, "clue_id", json_string(id));
  return rc;
}

static int apply_transfer(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                          const json_t *row, json_t *d, xres *x) {
  (void)a;
  (void)x;
  json_object_set_new(d, "transferred_to", json_string(prog_js(row, "unit_id")));
  return petition_mark(ac, tx, row, prog_js(in, "note"), NULL);
}

static int apply_close(app *a, store_tx *tx, svc_actor *ac, const json_t *in,
                       const json_t *row, json_t *d, xres *x) {
  (void)a;
  const char *reason = prog_js(in, "reason");
  if (!*reason) return xres_err(x, 400, "missing_field", "reason", "须填写「了结理由」");
  json_object_set_new(d, "reason", json_string(reason));
  return petition_mark(ac, tx, row, reason, NULL);
}

static const field f_to_clue[] = {
    {.name = "title", .label = "线索标题", .type = FT_TEXT, .flags = F_REQUIRED, .max = 100},
    {.name = "subject_name", .label = "被反映人", .type = FT_TEXT, .flags = F_REQUIRED, .max = 50},
    {.name = "subject_post", .label = "被反映人职务", .type = FT_TEXT, .max = 100},
    {.name = "allegation", .label = "反映的主要问题", .type = FT_MEMO, .max = 20000},
    {.name = "note", .label = "意见", .type = FT_MEMO, .max = 2000},
};
static const field f_transfer[] = {{.name = "note", .label = "转办意见", .type = FT_MEMO,
                                    .flags = F_REQUIRED, .max = 2000}};
static const field f_close[] = {{.name = "reason", .label = "了结理由", .type = FT_MEMO,
                                 .flags = F_REQUIRED, .max = 2000}};
static const lc_hook petition_hooks[] = {
    {.verb = "to_clue", .fields = f_to_clue, .nfields = NF(f_to_clue), .apply = apply_to_clue},
    {.verb = "transfer", .fields = f_transfer, .nfields = NF(f_transfer), .apply = apply_transfer},
    {.verb = "close", .fields = f_close, .nfields = NF(f_close), .apply = apply_close},
};
static const char *const petition_state_codes[] = {"received", "to_clue", "transferred",
                                                   "closed", NULL};
static const field petition_filters[] = {
    {.name = "round_id", .label = "巡察轮次", .type = FT_ID},
    {.name = "team_id", .label = "巡察组", .type = FT_ID},
    {.name = "target_id", .label = "巡察对象", .type = FT_ID},
    {.name = "channel", .label = "来信来访方式", .type = FT_ENUM, .values = channels},
    {.name = "state", .label = "状态", .type = FT_ENUM, .values = petition_state_codes},
};

/* The columns the list may be sorted on (?sort=col or -col; created_at and
 * updated_at always). */
static const field petition_sorts[] = {
    {.name = "received_on", .label = "收到日期", .type = FT_DATE},
    {.name = "channel", .label = "来信来访方式", .type = FT_ENUM, .values = channels},
    {.name = "state", .label = "状态", .type = FT_ENUM, .values = petition_state_codes},
};

/* The reporter's identity: to the team leader and the office, and only with
 * an approved reveal request of the reader's own (api/reveal.c: a second
 * person approves, the read spends it), each read audited. */
static const rec_sealed petition_sealed[] = {
    {.column = "reporter_enc", .input = "reporter", .out = "reporter", .read = A_PETITION_REPORTER,
     .audit = "petition.reporter.read", .present = "reporter_sealed", .as_json = true,
     .needs_reveal = true},
};

/* An anonymous reporter's follow-up receipt: 16 random digits, returned in
 * the create reply only (the created hook's answer keys), stored as a slow hash
 * (PBKDF2-SM3, sec/password.c) and never audited. */
static int petition_created(app *a, svc_actor *ac, store_tx *tx, const json_t *row, json_t *answer,
                            xres *x) {
  (void)a;
  (void)ac;
  (void)x;
  if (!json_is_true(json_object_get(row, "anonymous"))) return 0;
  unsigned char raw[16];
  char receipt[17], h[PW_HASH_MAX];
  rand_bytes(raw, sizeof raw);
  for (int i = 0; i < 16; i++) receipt[i] = (char)('0' + raw[i] % 10); /* bias < 1/25 per digit */
  receipt[16] = '\0';
  if (receipt[0] == '0') receipt[0] = (char)('1' + raw[0] % 9);
  int rc = pw_hash(receipt, (unsigned)cfg_int(CFG_PBKDF2_ITER), h) ? STORE_ERR : STORE_OK; /* 500 */
  sval p[] = {SV_S(h), SV_S(prog_js(row, "id"))};
  if (!rc) rc = store_exec(tx, "UPDATE petitions SET receipt_hash=$1 WHERE id=$2", p, 2, NULL);
  if (!rc) json_object_set_new(answer, "receipt", json_string(receipt)); /* shown this once */
  xwipe(receipt, sizeof receipt);
  xwipe(raw, sizeof raw);
  return rc;
}


/* answered on the row as can["petition.reporter"]: may this reader ask to see the
 * reporter (举报人保护; the browser offers the reveal request from it) */
static const action_id petition_also[] = {A_PETITION_REPORTER};
const rec_kind rk_petition = {
    .name = "petition",
    .label = "信访件",
    .table = "petitions",
    .cols = "x.id, x.version, x.round_id, x.team_id, t.name AS team_name, x.target_id, x.unit_id, "
            "u.name AS unit_name, x.channel, x.received_on, x.summary, "
            "x.anonymous, x.state, x.clue_id, x.triage_note, x.triaged_at, x.created_by, "
            "x.created_at, x.updated_at",
    .from = "petitions x JOIN teams t ON t.id=x.team_id JOIN orgs u ON u.id=x.unit_id",
    .order = "x.created_at DESC, x.id DESC",
    .vis = &vis_petition,
    .list_act = A_PETITION_LIST,
    .create_act = A_PETITION_CREATE,
    .edit_act = A_PETITION_CREATE,
    .fields = petition_fields,
    .nfields = NF(petition_fields),
    .filters = petition_filters,
    .nfilters = NF(petition_filters),
    .sorts = petition_sorts,
    .nsorts = NF(petition_sorts),
    .parent_field = "target_id",
    .parent_sql = "SELECT round_id, team_id, unit_id FROM targets WHERE id=$1",
    .prepare = petition_prepare,
    .created = petition_created,
    .fix = petition_fix,
    .hooks = petition_hooks,
    .nhooks = NF(petition_hooks),
    .wf = &wf_petition,
    .sealed = petition_sealed,
    .nsealed = NF(petition_sealed),
    .also = petition_also,
    .nalso = NF(petition_also),
};
