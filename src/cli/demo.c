/*
 * demo.c — the demo data of `xunji init --demo`: the Zaoyang organisations of
 * the seed (市委, 巡察工作领导小组, 巡察办, four 巡察组, 市纪委监委 and its
 * offices, two 派驻纪检监察组, 组织部, 审计局, a dozen units), the round
 * 八届市委第五轮巡察 on site now with four teams and their targets, and one
 * user per role with a printed one-time password.
 *
 * The organisations, the round, its teams and targets are created through
 * the record engine's services (rec_svc_create) and the round is approved,
 * mobilized and entered through its lifecycle service (round_svc_action), so
 * the same fields, checks, policy, gates and audit apply as through the API;
 * the accounts through users_create/users_grant.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/record.h"
#include "api/users.h"
#include "cli/cli.h"
#include "util/text.h"
#include "util/xmem.h"

typedef struct dorg {
  const char *key, *kind, *name, *code, *parent, *supervisor, *level;
} dorg;

static const dorg orgs[] = {
    {"committee", "committee", "中共枣阳市委", NULL, NULL, NULL, "city"},
    {"lg", "leading_group", "市委巡察工作领导小组", NULL, "committee", NULL, "city"},
    {"office", "inspection_office", "市委巡察工作领导小组办公室", NULL, "lg", NULL, "city"},
    {"g1", "patrol_group", "市委第一巡察组", NULL, "lg", NULL, "city"},
    {"g2", "patrol_group", "市委第二巡察组", NULL, "lg", NULL, "city"},
    {"g3", "patrol_group", "市委第三巡察组", NULL, "lg", NULL, "city"},
    {"g4", "patrol_group", "市委第四巡察组", NULL, "lg", NULL, "city"},
    {"commission", "commission", "枣阳市纪委监委", NULL, NULL, NULL, "city"},
    {"conduct", "commission_dept", "市纪委监委党风政风监督室", "conduct", "commission", NULL, "city"},
    {"casemgmt", "commission_dept", "市纪委监委案件监督管理室", "case_mgmt", "commission", NULL, "city"},
    {"petitions", "commission_dept", "市纪委监委信访室", "petitions", "commission", NULL, "city"},
    {"investigation", "commission_dept", "市纪委监委第一审查调查室", "investigation", "commission", NULL, "city"},
    {"verification", "commission_dept", "市纪委监委核查组", "verification", "commission", NULL, "city"},
    {"cadre", "commission_dept", "市纪委监委组织部", "cadre", "commission", NULL, "city"},
    {"dg1", "dispatched_group", "市纪委监委派驻第一纪检监察组", NULL, "commission", NULL, "city"},
    {"dg2", "dispatched_group", "市纪委监委派驻第二纪检监察组", NULL, "commission", NULL, "city"},
    {"orgdept", "organization_dept", "中共枣阳市委组织部", NULL, "committee", NULL, "city"},
    {"audit", "audit_bureau", "枣阳市审计局", NULL, NULL, NULL, "city"},
    {"u1", "unit", "枣阳市人民防空办公室", NULL, NULL, "dg1", "city"},
    {"u2", "unit", "枣阳市扶贫开发办公室", NULL, NULL, "dg1", "city"},
    {"u3", "unit", "枣阳市教育局", NULL, NULL, "dg1", "city"},
    {"u4", "unit", "枣阳市卫生健康局", NULL, NULL, "dg1", "city"},
    {"u5", "unit", "枣阳市住房和城乡建设局", NULL, NULL, "dg1", "city"},
    {"u6", "unit", "枣阳市农业农村局", NULL, NULL, "dg1", "city"},
    {"u7", "unit", "枣阳市交通运输局", NULL, NULL, "dg2", "city"},
    {"u8", "unit", "枣阳市水利和湖泊局", NULL, NULL, "dg2", "city"},
    {"u9", "unit", "枣阳市民政局", NULL, NULL, "dg2", "city"},
    {"u10", "unit", "枣阳市财政局", NULL, NULL, "dg2", "city"},
    {"u11", "unit", "枣阳市琚湾镇", NULL, NULL, "dg2", "township"},
    {"u12", "unit", "枣阳市吴店镇", NULL, NULL, "dg2", "township"},
};
#define NORGS ((int)(sizeof orgs / sizeof *orgs))

typedef struct duser {
  const char *login, *name, *org, *role, *scope; /* scope: team key / org key */
} duser;

static const duser users[] = {
    {"lg", "王建国 (领导小组)", "lg", "leading_group", NULL},
    {"office", "李明 (巡察办)", "office", "inspection_office", NULL},
    {"leader1", "张伟 (第一巡察组组长)", "g1", "team_leader", "t1"},
    {"member1", "刘洋 (第一巡察组组员)", "g1", "team_member", "t1"},
    {"member2", "陈静 (第二巡察组组员)", "g2", "team_member", "t2"},
    {"liaison", "赵刚 (纪委联络副书记)", "commission", "commission_liaison", NULL},
    {"casemgmt", "孙丽 (案管室)", "casemgmt", "case_mgmt", NULL},
    {"petitions", "周涛 (信访室)", "petitions", "petitions", NULL},
    {"conduct", "吴敏 (党风室)", "conduct", "conduct", NULL},
    {"investigation", "郑强 (审查调查室)", "investigation", "investigation", NULL},
    {"verification", "冯磊 (核查组)", "verification", "verification_team", NULL},
    {"cadre", "何平 (纪委组织部)", "cadre", "commission_cadre", NULL},
    {"dispatched1", "高洁 (派驻第一纪检监察组)", "dg1", "dispatched_group", "dg1"},
    {"unit1", "林峰 (人防办整改联络员)", "u1", "unit_liaison", "u1"},
    {"orgdept", "马超 (市委组织部)", "orgdept", "organization_dept", NULL},
    {"sysadmin", "系统管理员", "office", "sysadmin", NULL},
    {"secadmin", "安全管理员", "office", "secadmin", NULL},
    {"auditadmin", "审计管理员", "commission", "auditadmin", NULL},
};
#define NUSERS ((int)(sizeof users / sizeof *users))

/* Terminal columns of a UTF-8 string: East Asian wide and fullwidth
 * characters (CJK, its punctuation, Hangul, fullwidth forms) take two. */
static int display_width(const char *s) {
  int w = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p;) {
    unsigned cp = *p;
    int n = cp < 0x80 ? 1 : (cp & 0xE0) == 0xC0 ? 2 : (cp & 0xF0) == 0xE0 ? 3 : 4;
    if (n > 1) cp &= 0x3Fu >> (n - 1);
    int i = 1;
    for (; i < n && (p[i] & 0xC0) == 0x80; i++) cp = (cp << 6) | (p[i] & 0x3Fu);
    p += i;
    int wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
               (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
               (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
               (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
               (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
               (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
    w += wide ? 2 : 1;
  }
  return w;
}

/* s, then spaces up to cols terminal columns (at least one). */
static void put_padded(FILE *out, const char *s, int cols) {
  int w = display_width(s);
  fputs(s, out);
  do fputc(' ', out);
  while (++w < cols);
}

static const struct {
  const char *key, *name, *group;
  const char *units[2];
} teams[] = {
    {"t1", "第一巡察组", "g1", {"u1", "u2"}},
    {"t2", "第二巡察组", "g2", {"u3", "u4"}},
    {"t3", "第三巡察组", "g3", {"u5", "u6"}},
    {"t4", "第四巡察组", "g4", {"u7", "u8"}},
};

static char org_ids[NORGS][UUID_LEN];
static char team_ids[4][UUID_LEN];

static const char *org_id(const char *key) {
  for (int i = 0; i < NORGS; i++)
    if (!strcmp(orgs[i].key, key)) return org_ids[i];
  return NULL;
}

static const char *team_id(const char *key) {
  for (int i = 0; i < 4; i++)
    if (!strcmp(teams[i].key, key)) return team_ids[i];
  return NULL;
}

/* The shell acting in one role for the demo's bootstrap (cli_actor with
 * that grant; audit log only, no change log, no inbox notices). */
static void demo_actor(cli_operator *op, role_id role) {
  cli_actor(op);
  op->who.grants[0] = (grant){.role = role, .sk = SK_NONE};
  op->ac.audit_only = true;
}

/* Creates a record of k through the record engine's service (its fields,
 * prepare rules, policy and audit, as the API does); its id into id. */
static int demo_create(app *a, cli_operator *op, const rec_kind *k, json_t *in, char *id) {
  xres x = XRES_INIT;
  json_t *out = NULL;
  int st = rec_svc_create(a, &op->ac, k, in, &out, &x);
  json_decref(in);
  if (st) {
    cli_err("载入演示数据失败 (%s): %s", k->label, x.message);
    xres_free(&x);
    return -1;
  }
  snprintf(id, UUID_LEN, "%s", json_string_value(json_object_get(out, "id")));
  json_decref(out);
  return 0;
}

/* Moves the round along its lifecycle (the same table and gates as
 * POST /api/v1/rounds/{id}/<verb>). */
static int demo_round_step(app *a, cli_operator *op, const char *id, const char *verb) {
  xres x = XRES_INIT;
  json_t *out = NULL, *in = json_object();
  int st = round_svc_action(a, &op->ac, id, verb, NULL, in, &out, &x);
  json_decref(in);
  json_decref(out);
  if (st) {
    cli_err("载入演示数据失败 (巡察轮次 %s): %s", verb, x.message);
    xres_free(&x);
    return -1;
  }
  return 0;
}

int demo_load(app *a, FILE *out, const char *json_path) {
  store_tx *tx;
  if (store_read(a->db, &tx)) {
    cli_err("数据库忙");
    return -1;
  }
  int64_t n = 0;
  store_query_int(tx, "SELECT count(*) FROM users", NULL, 0, &n);
  store_rollback(tx);
  if (n > 0) {
    cli_err("数据库中已有用户, 不再载入演示数据 (请使用新的数据库文件)");
    return -1;
  }
  char d_mob[11], d_entry[11], d_wd[11], d_rep[11];
  int64_t today = date_today_shanghai();
  date_format(today - 11, d_mob);
  date_format(today - 10, d_entry);
  date_format(today + 30, d_wd);
  date_format(today + 45, d_rep);
  /* The records go through the services, each in its own transaction, under
   * the roles that keep them: the system's own bodies by the system
   * administrator, inspected units, the round, its teams and targets by the
   * inspection office, the plan's approval by the leading group. */
  authz_init(); /* the workflow tables' rules, as the server loads them */
  cli_operator office, sys, lg;
  demo_actor(&office, R_INSPECTION_OFFICE);
  demo_actor(&sys, R_SYSADMIN);
  demo_actor(&lg, R_LEADING_GROUP);
  int rc = 0;
  for (int i = 0; !rc && i < NORGS; i++) {
    const dorg *o = &orgs[i];
    json_t *in = json_pack("{s:s,s:s,s:s}", "kind", o->kind, "name", o->name, "level", o->level);
    if (o->code) json_object_set_new(in, "code", json_string(o->code));
    if (o->parent) json_object_set_new(in, "parent_id", json_string(org_id(o->parent)));
    if (o->supervisor) json_object_set_new(in, "supervisor_id", json_string(org_id(o->supervisor)));
    rc = demo_create(a, strcmp(o->kind, "unit") ? &sys : &office, &rk_org, in, org_ids[i]);
  }
  char round_id[UUID_LEN];
  if (!rc)
    rc = demo_create(a, &office, &rk_round,
                     json_pack("{s:s,s:s,s:i,s:s,s:s,s:s,s:s}", "name", "八届市委第五轮巡察", "term",
                               "八届", "seq", 5, "kind", "regular", "theme",
                               "聚焦落实全面从严治党主体责任和群众身边腐败问题", "planned_start",
                               d_entry, "planned_end", d_rep),
                     round_id);
  json_t *targets = json_object();
  for (int i = 0; !rc && i < 4; i++) {
    rc = demo_create(a, &office, &rk_team,
                     json_pack("{s:s,s:s,s:s}", "round_id", round_id, "group_id",
                               org_id(teams[i].group), "name", teams[i].name),
                     team_ids[i]);
    for (int k = 0; !rc && k < 2; k++) {
      char tid[UUID_LEN];
      rc = demo_create(a, &office, &rk_target,
                       json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "team_id", team_ids[i], "unit_id",
                                 org_id(teams[i].units[k]), "mobilization_date", d_mob,
                                 "entry_date", d_entry, "withdrawal_date", d_wd, "report_date",
                                 d_rep),
                       tid);
      if (!rc) json_object_set_new(targets, teams[i].units[k], json_string(tid));
    }
  }
  /* the plan approved, the round mobilized and on site */
  if (!rc) rc = demo_round_step(a, &lg, round_id, "approve");
  if (!rc) rc = demo_round_step(a, &office, round_id, "mobilize");
  if (!rc) rc = demo_round_step(a, &office, round_id, "enter");
  if (rc || store_write(a->db, &tx)) {
    if (!rc) cli_err("数据库忙");
    json_decref(targets);
    return -1;
  }
  json_t *accounts = json_object();
  char pws[NUSERS][17];
  for (int i = 0; !rc && i < NUSERS; i++) {
    const duser *u = &users[i];
    char uid[UUID_LEN], gid[UUID_LEN];
    xres x = XRES_INIT;
    rc = users_create(a, tx, u->login, u->name, org_id(u->org), NULL, uid, pws[i], &x);
    if (!rc) rc = cli_audit(a, tx, "user.create", "user", uid, NULL);
    const char *scope = !u->scope ? NULL : u->scope[0] == 't' ? team_id(u->scope) : org_id(u->scope);
    if (!rc) rc = users_grant(a, tx, uid, u->role, scope, NULL, gid, &x);
    if (rc > 0) cli_err("%s: %s", u->login, x.message);
    if (!rc) rc = cli_audit(a, tx, "role.grant", "user", uid, NULL);
    json_object_set_new(accounts, u->login,
                        json_pack("{s:s,s:s,s:s,s:s}", "password", pws[i], "role", u->role, "name",
                                  u->name, "id", uid));
  }
  if (rc || store_commit(tx) != STORE_OK) {
    if (rc) {
      cli_err("载入演示数据失败: %s", store_errmsg(tx));
      store_rollback(tx);
    }
    json_decref(accounts);
    json_decref(targets);
    return -1;
  }
  cli_anchor(a);

  json_t *ids = json_object();
  for (int i = 0; i < NORGS; i++) json_object_set_new(ids, orgs[i].key, json_string(org_ids[i]));
  json_t *tj = json_object();
  for (int i = 0; i < 4; i++) json_object_set_new(tj, teams[i].key, json_string(team_ids[i]));
  if (json_path) {
    json_t *all = json_pack("{s:o,s:o,s:o,s:o,s:s}", "accounts", json_incref(accounts), "orgs", ids,
                            "teams", tj, "targets", json_incref(targets), "round", round_id);
    FILE *f = fopen(json_path, "w");
    if (f) {
      chmod(json_path, 0600);
      json_dumpf(all, f, JSON_INDENT(2));
      fclose(f);
    } else {
      cli_err("无法写入 %s", json_path);
    }
    json_decref(all);
  } else {
    json_decref(ids);
    json_decref(tj);
  }
  fprintf(out, "\n已载入演示数据: 枣阳市 %d 个机构, 巡察轮次「八届市委第五轮巡察」(4 个巡察组, 8 个巡察对象, 撤离日期 %s)\n\n",
          NORGS, d_wd);
  fprintf(out, "演示账号 (一次性密码, 首次登录须修改为至少 12 位、含三类字符的新密码):\n");
  static const char *const head[3] = {"登录名", "姓名 (岗位)", "一次性密码"};
  int w0 = display_width(head[0]), w1 = display_width(head[1]);
  for (int i = 0; i < NUSERS; i++) {
    if (display_width(users[i].login) > w0) w0 = display_width(users[i].login);
    if (display_width(users[i].name) > w1) w1 = display_width(users[i].name);
  }
  for (int i = -1; i < NUSERS; i++) {
    fputs("  ", out);
    put_padded(out, i < 0 ? head[0] : users[i].login, w0 + 2);
    put_padded(out, i < 0 ? head[1] : users[i].name, w1 + 2);
    fprintf(out, "%s\n", i < 0 ? head[2] : pws[i]);
  }
  fputc('\n', out);
  for (int i = 0; i < NUSERS; i++) xwipe(pws[i], sizeof pws[i]);
  json_decref(accounts);
  json_decref(targets);
  return 0;
}
