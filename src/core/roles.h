/*
 * roles.h — the roles of DESIGN.md §1, their side of the mechanism, the scope
 * kind each one is granted with, and the principal (a signed-in user with
 * grants) that authz decides for.
 */
#ifndef XUNJI_ROLES_H
#define XUNJI_ROLES_H

#include <stdbool.h>
#include <stdint.h>

typedef enum role_id {
  R_LEADING_GROUP,
  R_INSPECTION_OFFICE,
  R_TEAM_LEADER,
  R_TEAM_MEMBER,
  R_COMMISSION_LIAISON,
  R_CASE_MGMT,
  R_PETITIONS,
  R_CONDUCT,
  R_INVESTIGATION,
  R_VERIFICATION_TEAM,
  R_COMMISSION_CADRE,
  R_DISPATCHED_GROUP,
  R_UNIT_LIAISON,
  R_ORG_DEPT,
  R_SYSADMIN,
  R_SECADMIN,
  R_AUDITADMIN,
  ROLE__MAX
} role_id;

#define RB(r) (1u << (r))

typedef enum side { SIDE_PATROL, SIDE_COMMISSION, SIDE_UNIT, SIDE_ADMIN } side;
typedef enum scope_kind { SK_NONE, SK_TEAM, SK_UNIT, SK_ORG, SK__MAX } scope_kind;

typedef struct role_def {
  const char *name;  /* identifier used in the API and database */
  const char *label; /* Chinese name shown to users */
  side side;
  scope_kind scope;  /* the scope a grant of this role must carry */
} role_def;

extern const role_def roles[ROLE__MAX];
extern const char *const scope_kind_names[SK__MAX];

/* Role by identifier, or -1. */
int role_lookup(const char *name);
int scope_kind_lookup(const char *name);
/* The three administrators (三员) are mutually exclusive with every other role. */
bool role_is_admin(role_id r);

enum { MAX_GRANTS = 32, ID_MAX = 37 };

typedef struct grant {
  role_id role;
  scope_kind sk;
  char scope_id[ID_MAX];
} grant;

typedef struct principal {
  char user_id[ID_MAX];
  char login[65];
  char name[129];
  bool must_change;
  int ngrants;
  grant grants[MAX_GRANTS];
  int nended; /* grants found ended (not loaded) and not yet recorded as such */
  int64_t until; /* session.c: the earliest time at which what was loaded changes by
                  * time alone (a grant's end, the password's expiry); 0 none */
} principal;

bool principal_has(const principal *p, role_id r);
/* Comma-separated role names, for the audit log ("team_member,case_mgmt"). */
void principal_roles(const principal *p, char *out, int outlen);
/* Checks a new grant against the existing ones: NULL if fine, else the Chinese reason. */
const char *grant_conflict(const principal *p, role_id r);

#endif
