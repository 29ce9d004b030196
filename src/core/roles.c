/*
 * roles.c — the role table and 三员分立 (separation of the three
 * administrators). See roles.h.
 */
#include "core/roles.h"

#include <stdio.h>
#include <string.h>

const role_def roles[ROLE__MAX] = {
    [R_LEADING_GROUP] = {"leading_group", "巡察工作领导小组", SIDE_PATROL, SK_NONE},
    [R_INSPECTION_OFFICE] = {"inspection_office", "巡察办", SIDE_PATROL, SK_NONE},
    [R_TEAM_LEADER] = {"team_leader", "巡察组组长", SIDE_PATROL, SK_TEAM},
    [R_TEAM_MEMBER] = {"team_member", "巡察组成员", SIDE_PATROL, SK_TEAM},
    [R_COMMISSION_LIAISON] = {"commission_liaison", "纪委监委联络副书记", SIDE_COMMISSION, SK_NONE},
    [R_CASE_MGMT] = {"case_mgmt", "案件监督管理室", SIDE_COMMISSION, SK_NONE},
    [R_PETITIONS] = {"petitions", "信访室", SIDE_COMMISSION, SK_NONE},
    [R_CONDUCT] = {"conduct", "党风政风监督室", SIDE_COMMISSION, SK_NONE},
    [R_INVESTIGATION] = {"investigation", "审查调查室", SIDE_COMMISSION, SK_NONE},
    [R_VERIFICATION_TEAM] = {"verification_team", "核查组", SIDE_COMMISSION, SK_NONE},
    [R_COMMISSION_CADRE] = {"commission_cadre", "纪委组织部", SIDE_COMMISSION, SK_NONE},
    [R_DISPATCHED_GROUP] = {"dispatched_group", "派驻纪检监察组", SIDE_COMMISSION, SK_ORG},
    [R_UNIT_LIAISON] = {"unit_liaison", "被巡察单位整改联络员", SIDE_UNIT, SK_UNIT},
    [R_ORG_DEPT] = {"organization_dept", "组织部", SIDE_PATROL, SK_NONE},
    [R_SYSADMIN] = {"sysadmin", "系统管理员", SIDE_ADMIN, SK_NONE},
    [R_SECADMIN] = {"secadmin", "安全管理员", SIDE_ADMIN, SK_NONE},
    [R_AUDITADMIN] = {"auditadmin", "审计管理员", SIDE_ADMIN, SK_NONE},
};

const char *const scope_kind_names[SK__MAX] = {"none", "team", "unit", "org"};

int role_lookup(const char *name) {
  for (int i = 0; i < ROLE__MAX; i++)
    if (strcmp(roles[i].name, name) == 0) return i;
  return -1;
}

int scope_kind_lookup(const char *name) {
  for (int i = 0; i < SK__MAX; i++)
    if (strcmp(scope_kind_names[i], name) == 0) return i;
  return -1;
}

bool role_is_admin(role_id r) { return roles[r].side == SIDE_ADMIN; }

bool principal_has(const principal *p, role_id r) {
  for (int i = 0; i < p->ngrants; i++)
    if (p->grants[i].role == r) return true;
  return false;
}

void principal_roles(const principal *p, char *out, int outlen) {
  int off = 0;
  out[0] = '\0';
  for (int i = 0; i < p->ngrants && off < outlen; i++) {
    /* skip repeats of the same role with other scopes */
    int seen = 0;
    for (int j = 0; j < i; j++) seen |= p->grants[j].role == p->grants[i].role;
    if (seen) continue;
    int n = snprintf(out + off, (size_t)(outlen - off), "%s%s", off ? "," : "",
                     roles[p->grants[i].role].name);
    if (n < 0 || n >= outlen - off) break;
    off += n;
  }
}

const char *grant_conflict(const principal *p, role_id r) {
  if (p->ngrants >= MAX_GRANTS) return "该用户的授权已达上限";
  for (int i = 0; i < p->ngrants; i++) {
    role_id have = p->grants[i].role;
    if (have == r) continue;
    if (role_is_admin(have) || role_is_admin(r))
      return "三员分立: 系统管理员、安全管理员、审计管理员不得与其他角色兼任";
  }
  return NULL;
}
