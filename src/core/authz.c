/*
 * authz.c — the policy matrix and the decision function. See authz.h.
 */
#include "core/authz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/workflow.h"
#include "util/mutant.h"

const char *const action_names[ACTION__MAX] = {
    [A_SELF] = "self",
    [A_ORG_LIST] = "org.list", [A_ORG_WRITE] = "org.write",
    [A_PERSON_LIST] = "person.list", [A_PERSON_WRITE] = "person.write",
    [A_USER_LIST] = "user.list", [A_USER_WRITE] = "user.write",
    [A_ROLE_GRANT] = "role.grant",
    [A_AUDIT_READ] = "audit.read",
    [A_ROUND_LIST] = "round.list", [A_ROUND_WRITE] = "round.write",
    [A_TEAM_LIST] = "team.list", [A_TEAM_WRITE] = "team.write",
    [A_TARGET_LIST] = "target.list", [A_TARGET_WRITE] = "target.write",
    [A_CLUE_LIST] = "clue.read", [A_CLUE_ALLEGATION] = "clue.allegation",
    [A_CLUE_CREATE] = "clue.create", [A_CLUE_EDIT] = "clue.edit",
    [A_CLUE_VERIFY] = "clue.verify", [A_CLUE_HANDOVER] = "clue.handover",
    [A_CLUE_REGISTER] = "clue.register", [A_CLUE_DISPOSE] = "clue.dispose",
    [A_CLUE_CONCLUDE] = "clue.conclude",
    /* issue 3: patrol programme */
    [A_ROUND_APPROVE] = "round.approve", [A_ROUND_ADVANCE] = "round.advance",
    [A_VETTING_LIST] = "vetting.list", [A_VETTING_REQUEST] = "vetting.request",
    [A_VETTING_ANSWER] = "vetting.answer",
    [A_RECUSAL_LIST] = "recusal.list", [A_RECUSAL_EXCEPTION] = "recusal.exception",
    [A_BRIEFING_LIST] = "briefing.list", [A_BRIEFING_REQUEST] = "briefing.request",
    [A_BRIEFING_ANSWER] = "briefing.answer",
    [A_PETITION_LIST] = "petition.read", [A_PETITION_REPORTER] = "petition.reporter",
    [A_PETITION_CREATE] = "petition.create", [A_PETITION_TRIAGE] = "petition.triage",
    [A_REVEAL_APPROVE] = "reveal.approve",
    [A_MATCH_SUGGEST] = "match.suggest", [A_MOVEMENT_LIST] = "movement.list",
    [A_MOVEMENT_WRITE] = "movement.write",
    [A_CASCADE] = "cascade", [A_CATEGORY_WRITE] = "category.write",
    [A_PROBLEM_LIST] = "problem.read", [A_PROBLEM_PAPERS] = "problem.papers",
    [A_PROBLEM_CREATE] = "problem.create", [A_PROBLEM_EDIT] = "problem.edit",
    [A_PROBLEM_CONFIRM] = "problem.confirm", [A_PROBLEM_UNIT] = "problem.rectify",
    [A_PROBLEM_OFFICE] = "problem.sign_off",
    [A_REPORT_LIST] = "report.read", [A_REPORT_TEXT] = "report.text",
    [A_REPORT_WRITE] = "report.write", [A_REPORT_SUBMIT] = "report.submit",
    [A_REPORT_APPROVE] = "report.approve", [A_REPORT_FEEDBACK] = "report.feedback",
    [A_RECT_READ] = "rect.read", [A_RECT_WRITE] = "rect.write",
    [A_TASK_UNIT] = "task.progress", [A_TASK_OFFICE] = "task.sign_off",
    [A_NOTICE_LIST] = "notice.read", [A_NOTICE_ISSUE] = "notice.issue",
    [A_NOTICE_REPLY] = "notice.reply", [A_NOTICE_CLOSE] = "notice.close",
    [A_SUPERVISION_ACK] = "supervision.ack", [A_SUPERVISION_NOTE] = "supervision.note",
    [A_SUPERVISION_READ] = "supervision.read",
    /* issue 6 */
    [A_STATS_READ] = "stats.read", [A_LEDGER_EXPORT] = "ledger.export",
    [A_DOC_LIST] = "document.read", [A_DOC_ISSUE] = "document.issue",
    [A_ASSIST_LIST] = "assistance.read", [A_ASSIST_WRITE] = "assistance.write",
    [A_ASSIST_SUBMIT] = "assistance.submit", [A_ASSIST_DECIDE] = "assistance.decide",
    [A_ASSIST_FORWARD] = "assistance.forward", [A_ASSIST_WORK] = "assistance.work",
    [A_ASSIST_CLOSE] = "assistance.close", [A_CLUE_OUTCOME] = "clue.outcome",
    [A_ACCT_LIST] = "accountability.read", [A_ACCT_WRITE] = "accountability.write",
    [A_ACCT_DECIDE] = "accountability.decide",
    [A_REVIEW_LIST] = "review.read", [A_REVIEW_WRITE] = "review.write",
    [A_REVIEW_TEAM] = "review.team_account", [A_REVIEW_RUN] = "review.run",
    [A_TOKEN_REVOKE] = "token.revoke", [A_RESET_READ] = "reset.read",
    [A_RESET_APPROVE] = "reset.approve", [A_SECURITY_READ] = "security.read",
    [A_SECURITY_WRITE] = "security.write",
    [A_REPLACE_DECIDE] = "replacement.decide",
    [A_POOL_READ] = "pool.read",
};

/* The names of recorded actions (authz.h). A kind's create and update are
 * ".create"/".update" (创建/修改) for every kind; its lifecycle steps take
 * their transition labels from the workflow tables. */
const action_label action_labels[] = {
    {".create", "创建"},
    {".update", "修改"},
    {".delete", "删除"},
    {"file.upload", "上传材料"},
    {"file.read", "查看材料"},
    {"document.issue", "出具文书"},
    {"document.download", "下载文书"},
    {"reminder.send", "发送期限提醒"},
    {"reminder.digest", "发送逾期汇总提醒"},
    {"rect_task.progress", "填报整改进展"},
    {"rect.plan", "报送整改方案"},
    {"rect.report", "报送整改情况报告"},
    {"supervision.ack", "确认日常监督"},
    {"supervision.note", "填写监督意见"},
    {"review_item.flag", "标记联审事项"},
    {"review_item.clear", "消除联审标记"},
    {"briefing.request", "请求巡前情况通报"},
    {"briefing.answer", "报送巡前情况通报"},
    {"vetting.request", "提请廉政审核"},
    {"vetting.answer", "答复廉政审核"},
    {"team.member.add", "编入巡察组成员"},
    {"team.member.remove", "调出巡察组成员"},
    {"clue.outcome", "登记线索办理结果"},
    {"person.tags", "修改人员专长"},
    {"person.import", "导入人员"},
    {"pledge.sign", "签订承诺书"},
    {"recusal.exception", "回避例外"},
    {"auth.login", "登录"},
    {"auth.logout", "退出"},
    {"auth.password", "修改密码"},
    {"auth.denied", "拒绝访问"},
    {"user.reset_password", "重置密码"},
    {"user.reset_password.request", "申请重置密码"},
    {"role.grant", "授予角色"},
    {"role.revoke", "撤销角色"},
    {"token.revoke", "吊销令牌"},
    {"security.update", "修改安全设置"},
    {"ledger.export", "导出台账"},
    {"summary.export", "导出汇总报告"},
    {"seed.load", "载入示例数据"},
    {NULL, NULL},
};

/* Business roles that read the organisation directory and round plan. */
#define BUSINESS_READ(rule_team)                                                   \
  [R_LEADING_GROUP] = P_ALL, [R_INSPECTION_OFFICE] = P_ALL, [R_TEAM_LEADER] = rule_team, \
  [R_TEAM_MEMBER] = rule_team, [R_COMMISSION_LIAISON] = P_ALL, [R_CASE_MGMT] = P_ALL,    \
  [R_PETITIONS] = P_ALL, [R_CONDUCT] = P_ALL, [R_INVESTIGATION] = P_ALL,                 \
  [R_VERIFICATION_TEAM] = P_ALL, [R_COMMISSION_CADRE] = P_ALL, [R_ORG_DEPT] = P_ALL

/* The matrix. Lifecycle actions (A_CLUE_VERIFY..) are filled by authz_init. */
static rule policy[ACTION__MAX][ROLE__MAX] = {
    [A_SELF] = {[0 ... ROLE__MAX - 1] = P_ALL},
    /* The directory of organisations: every business role reads it; the
     * dispatched group and unit liaison see their own part. */
    [A_ORG_LIST] = {BUSINESS_READ(P_ALL), [R_DISPATCHED_GROUP] = P_ALL, [R_UNIT_LIAISON] = P_ALL,
                    [R_SYSADMIN] = P_ALL},
    /* Who keeps which organisations: the office the inspected units and
     * villages (it adds a newly inspected unit or the villages of a special
     * patrol), sysadmin the system's own (committee, commission offices,
     * patrol groups, the office itself). Decided on the org's kind. */
    [A_ORG_WRITE] = {[R_SYSADMIN] = P_SYSTEM_ORG, [R_INSPECTION_OFFICE] = P_INSPECTED},
    [A_PERSON_LIST] = {[R_INSPECTION_OFFICE] = P_ALL, [R_COMMISSION_CADRE] = P_ALL,
                       [R_LEADING_GROUP] = P_ALL, [R_SYSADMIN] = P_ALL},
    [A_PERSON_WRITE] = {[R_INSPECTION_OFFICE] = P_ALL, [R_COMMISSION_CADRE] = P_ALL,
                        [R_SYSADMIN] = P_ALL},
    [A_USER_LIST] = {[R_SYSADMIN] = P_ALL, [R_SECADMIN] = P_ALL},
    [A_USER_WRITE] = {[R_SYSADMIN] = P_ALL},
    [A_ROLE_GRANT] = {[R_SECADMIN] = P_ALL},
    [A_AUDIT_READ] = {[R_AUDITADMIN] = P_ALL},
    [A_ROUND_LIST] = {BUSINESS_READ(P_ALL), [R_DISPATCHED_GROUP] = P_ALL},
    [A_ROUND_WRITE] = {[R_INSPECTION_OFFICE] = P_ALL},
    [A_TEAM_LIST] = {BUSINESS_READ(P_ALL), [R_DISPATCHED_GROUP] = P_ALL},
    [A_TEAM_WRITE] = {[R_INSPECTION_OFFICE] = P_ALL},
    [A_TARGET_LIST] = {BUSINESS_READ(P_TEAM), [R_DISPATCHED_GROUP] = P_SUPERVISED,
                       [R_UNIT_LIAISON] = P_UNIT},
    [A_TARGET_WRITE] = {[R_INSPECTION_OFFICE] = P_ALL},
    /* Clues: a team sees its own targets' clues; the office all; the
     * commission only what has been handed over to it; units never. */
    [A_CLUE_LIST] = {[R_LEADING_GROUP] = P_ALL, [R_INSPECTION_OFFICE] = P_ALL,
                     [R_TEAM_LEADER] = P_TEAM, [R_TEAM_MEMBER] = P_TEAM,
                     [R_COMMISSION_LIAISON] = P_HANDED, [R_CASE_MGMT] = P_HANDED,
                     [R_INVESTIGATION] = P_HANDED, [R_CONDUCT] = P_HANDED,
                     [R_PETITIONS] = P_HANDED, [R_VERIFICATION_TEAM] = P_HANDED},
    [A_CLUE_ALLEGATION] = {[R_INSPECTION_OFFICE] = P_ALL, [R_TEAM_LEADER] = P_TEAM,
                           [R_TEAM_MEMBER] = P_TEAM, [R_COMMISSION_LIAISON] = P_HANDED,
                           [R_CASE_MGMT] = P_HANDED, [R_INVESTIGATION] = P_HANDED,
                           [R_VERIFICATION_TEAM] = P_HANDED},
    [A_CLUE_CREATE] = {[R_TEAM_LEADER] = P_TEAM, [R_TEAM_MEMBER] = P_TEAM},
    [A_CLUE_EDIT] = {[R_TEAM_LEADER] = P_TEAM, [R_TEAM_MEMBER] = P_TEAM},
    /* issue 3: the office requests integrity vetting, the commission's cadre
     * department answers; the leading group allows recusal exceptions. */
    [A_VETTING_LIST] = {[R_INSPECTION_OFFICE] = P_ALL, [R_COMMISSION_CADRE] = P_ALL,
                        [R_LEADING_GROUP] = P_ALL},
    [A_VETTING_REQUEST] = {[R_INSPECTION_OFFICE] = P_ALL},
    [A_VETTING_ANSWER] = {[R_COMMISSION_CADRE] = P_ALL},
    [A_RECUSAL_LIST] = {[R_INSPECTION_OFFICE] = P_ALL, [R_COMMISSION_CADRE] = P_ALL,
                        [R_LEADING_GROUP] = P_ALL},
    [A_RECUSAL_EXCEPTION] = {[R_LEADING_GROUP] = P_ALL},
    /* 巡前情况通报: a team sees its own targets' briefings only; a dispatched
     * group those of the units it supervises; 信访室/案管室/党风室 their own
     * (narrowed to their source in domain/programme/programme.c); the office records the
     * answers of 组织部 and 审计局, which have no accounts. */
    [A_BRIEFING_LIST] = {[R_INSPECTION_OFFICE] = P_ALL, [R_LEADING_GROUP] = P_ALL,
                         [R_TEAM_LEADER] = P_TEAM, [R_TEAM_MEMBER] = P_TEAM,
                         [R_DISPATCHED_GROUP] = P_SUPERVISED, [R_PETITIONS] = P_ALL,
                         [R_CASE_MGMT] = P_ALL, [R_CONDUCT] = P_ALL},
    [A_BRIEFING_REQUEST] = {[R_INSPECTION_OFFICE] = P_ALL},
    [A_BRIEFING_ANSWER] = {[R_INSPECTION_OFFICE] = P_ALL, [R_DISPATCHED_GROUP] = P_SUPERVISED,
                           [R_PETITIONS] = P_ALL, [R_CASE_MGMT] = P_ALL, [R_CONDUCT] = P_ALL},
    /* 信访件 received on site: the team's own; the reporter's identity only
     * to the team leader and the office (reads audited). */
    [A_PETITION_LIST] = {[R_INSPECTION_OFFICE] = P_ALL, [R_LEADING_GROUP] = P_ALL,
                         [R_TEAM_LEADER] = P_TEAM, [R_TEAM_MEMBER] = P_TEAM},
    [A_PETITION_REPORTER] = {[R_INSPECTION_OFFICE] = P_ALL, [R_TEAM_LEADER] = P_TEAM},
    [A_PETITION_CREATE] = {[R_TEAM_LEADER] = P_TEAM, [R_TEAM_MEMBER] = P_TEAM},
    /* the second person of a reveal: the holder of the role reveal_approver names */
    [A_REVEAL_APPROVE] = {[R_LEADING_GROUP] = P_ALL, [R_COMMISSION_LIAISON] = P_ALL},
    /* team matching is the office's; movements are recorded by the office
     * and the commission's cadre department. */
    [A_MATCH_SUGGEST] = {[R_INSPECTION_OFFICE] = P_ALL},
    [A_MOVEMENT_LIST] = {[R_INSPECTION_OFFICE] = P_ALL, [R_COMMISSION_CADRE] = P_ALL,
                         [R_LEADING_GROUP] = P_ALL},
    [A_MOVEMENT_WRITE] = {[R_INSPECTION_OFFICE] = P_ALL, [R_COMMISSION_CADRE] = P_ALL},

    /* issue 4. Problems: the team's own; the office and leading group all;
     * the commission (and 组织部) those of copied feedback (P_HANDED); the
     * unit and its dispatched group once fed back (a problem shows its unit
     * to unit-side rules only from then on, see domain/findings/findings.c). Working
     * papers (people, how found, evidence) never reach the unit. */
    [A_CATEGORY_WRITE] = {[R_INSPECTION_OFFICE] = P_ALL},
    [A_PROBLEM_LIST] = {[R_LEADING_GROUP] = P_ALL, [R_INSPECTION_OFFICE] = P_ALL,
                        [R_TEAM_LEADER] = P_TEAM, [R_TEAM_MEMBER] = P_TEAM,
                        [R_COMMISSION_LIAISON] = P_HANDED, [R_CONDUCT] = P_HANDED,
                        [R_CASE_MGMT] = P_HANDED, [R_VERIFICATION_TEAM] = P_HANDED,
                        [R_ORG_DEPT] = P_HANDED, [R_DISPATCHED_GROUP] = P_SUPERVISED,
                        [R_UNIT_LIAISON] = P_UNIT},
    [A_PROBLEM_PAPERS] = {[R_LEADING_GROUP] = P_ALL, [R_INSPECTION_OFFICE] = P_ALL,
                          [R_TEAM_LEADER] = P_TEAM, [R_TEAM_MEMBER] = P_TEAM,
                          [R_COMMISSION_LIAISON] = P_HANDED, [R_CONDUCT] = P_HANDED,
                          [R_VERIFICATION_TEAM] = P_HANDED},
    [A_PROBLEM_CREATE] = {[R_TEAM_LEADER] = P_TEAM, [R_TEAM_MEMBER] = P_TEAM},
    [A_PROBLEM_EDIT] = {[R_TEAM_LEADER] = P_TEAM, [R_TEAM_MEMBER] = P_TEAM},
    /* Reports: the unit sees its feedback (not the report text). */
    [A_REPORT_LIST] = {[R_LEADING_GROUP] = P_ALL, [R_INSPECTION_OFFICE] = P_ALL,
                       [R_TEAM_LEADER] = P_TEAM, [R_TEAM_MEMBER] = P_TEAM,
                       [R_COMMISSION_LIAISON] = P_HANDED, [R_CONDUCT] = P_HANDED,
                       [R_CASE_MGMT] = P_HANDED, [R_VERIFICATION_TEAM] = P_HANDED,
                       [R_ORG_DEPT] = P_HANDED, [R_DISPATCHED_GROUP] = P_SUPERVISED,
                       [R_UNIT_LIAISON] = P_UNIT},
    [A_REPORT_TEXT] = {[R_LEADING_GROUP] = P_ALL, [R_INSPECTION_OFFICE] = P_ALL,
                       [R_TEAM_LEADER] = P_TEAM, [R_TEAM_MEMBER] = P_TEAM,
                       [R_COMMISSION_LIAISON] = P_HANDED, [R_CONDUCT] = P_HANDED},
    [A_REPORT_WRITE] = {[R_TEAM_LEADER] = P_TEAM, [R_TEAM_MEMBER] = P_TEAM},
    /* Rectification: the unit writes; the office signs off; the team, the
     * dispatched group and the commission follow. */
    [A_RECT_READ] = {[R_LEADING_GROUP] = P_ALL, [R_INSPECTION_OFFICE] = P_ALL,
                     [R_TEAM_LEADER] = P_TEAM, [R_TEAM_MEMBER] = P_TEAM,
                     [R_COMMISSION_LIAISON] = P_HANDED, [R_CONDUCT] = P_HANDED,
                     [R_DISPATCHED_GROUP] = P_SUPERVISED, [R_UNIT_LIAISON] = P_UNIT},
    [A_RECT_WRITE] = {[R_UNIT_LIAISON] = P_UNIT},
    [A_NOTICE_LIST] = {[R_LEADING_GROUP] = P_ALL, [R_INSPECTION_OFFICE] = P_ALL,
                       [R_TEAM_LEADER] = P_TEAM, [R_COMMISSION_LIAISON] = P_ALL,
                       [R_DISPATCHED_GROUP] = P_SUPERVISED, [R_UNIT_LIAISON] = P_UNIT},
    [A_NOTICE_ISSUE] = {[R_INSPECTION_OFFICE] = P_ALL},
    [A_SUPERVISION_ACK] = {[R_DISPATCHED_GROUP] = P_SUPERVISED},
    [A_SUPERVISION_NOTE] = {[R_DISPATCHED_GROUP] = P_SUPERVISED},
    [A_SUPERVISION_READ] = {[R_LEADING_GROUP] = P_ALL, [R_INSPECTION_OFFICE] = P_ALL,
                            [R_COMMISSION_LIAISON] = P_ALL, [R_DISPATCHED_GROUP] = P_SUPERVISED},
    /* issue 6: figures and ledgers. The leading group, the office and the
     * commission's liaison see everything; a team its own; a dispatched
     * group the units it supervises. Each figure or ledger also needs the
     * read action of the records behind it (core/measures.c), so a role
     * never counts what it could not list. */
    [A_STATS_READ] = {[R_LEADING_GROUP] = P_ALL, [R_INSPECTION_OFFICE] = P_ALL,
                      [R_COMMISSION_LIAISON] = P_ALL, [R_TEAM_LEADER] = P_TEAM,
                      [R_TEAM_MEMBER] = P_TEAM, [R_DISPATCHED_GROUP] = P_SUPERVISED},
    [A_LEDGER_EXPORT] = {[R_LEADING_GROUP] = P_ALL, [R_INSPECTION_OFFICE] = P_ALL,
                         [R_COMMISSION_LIAISON] = P_ALL, [R_TEAM_LEADER] = P_TEAM,
                         [R_TEAM_MEMBER] = P_TEAM, [R_DISPATCHED_GROUP] = P_SUPERVISED},
    /* formal letters: the office issues them; the sender and the receiving
     * side read them (each letter also needs read access to its record, so
     * a unit reads the 整改督办通知 to itself and nothing else) */
    [A_DOC_LIST] = {[R_LEADING_GROUP] = P_ALL, [R_INSPECTION_OFFICE] = P_ALL,
                    [R_COMMISSION_LIAISON] = P_ALL, [R_CASE_MGMT] = P_ALL,
                    [R_COMMISSION_CADRE] = P_ALL, [R_UNIT_LIAISON] = P_UNIT},
    [A_DOC_ISSUE] = {[R_INSPECTION_OFFICE] = P_ALL},

    /* issue 5. Assistance: the team's own; the leading group decides, the
     * office forwards; the commission departments see what was forwarded
     * (P_HANDED: forwarded). Never the unit. */
    [A_ASSIST_LIST] = {[R_LEADING_GROUP] = P_ALL, [R_INSPECTION_OFFICE] = P_ALL,
                       [R_TEAM_LEADER] = P_TEAM, [R_TEAM_MEMBER] = P_TEAM,
                       [R_COMMISSION_LIAISON] = P_HANDED, [R_CASE_MGMT] = P_HANDED,
                       [R_INVESTIGATION] = P_HANDED, [R_VERIFICATION_TEAM] = P_HANDED,
                       [R_CONDUCT] = P_HANDED},
    [A_ASSIST_WRITE] = {[R_TEAM_LEADER] = P_TEAM, [R_TEAM_MEMBER] = P_TEAM},
    [A_CLUE_OUTCOME] = {[R_CASE_MGMT] = P_HANDED, [R_INVESTIGATION] = P_HANDED},
    /* Accountability: recorded and decided by the commission on problems
     * copied to it or clues handed to it; the team sees its own; the
     * dispatched group its units'; the unit never. */
    [A_ACCT_LIST] = {[R_LEADING_GROUP] = P_ALL, [R_INSPECTION_OFFICE] = P_ALL,
                     [R_TEAM_LEADER] = P_TEAM, [R_TEAM_MEMBER] = P_TEAM,
                     [R_COMMISSION_LIAISON] = P_ALL, [R_CONDUCT] = P_ALL, [R_CASE_MGMT] = P_ALL,
                     [R_INVESTIGATION] = P_ALL, [R_VERIFICATION_TEAM] = P_ALL,
                     [R_DISPATCHED_GROUP] = P_SUPERVISED},
    [A_ACCT_WRITE] = {[R_CONDUCT] = P_HANDED, [R_CASE_MGMT] = P_HANDED, [R_INVESTIGATION] = P_HANDED},
    /* Joint review: the verification team runs it with the patrol team. */
    [A_REVIEW_LIST] = {[R_LEADING_GROUP] = P_ALL, [R_INSPECTION_OFFICE] = P_ALL,
                       [R_TEAM_LEADER] = P_TEAM, [R_TEAM_MEMBER] = P_TEAM,
                       [R_COMMISSION_LIAISON] = P_ALL, [R_VERIFICATION_TEAM] = P_ALL,
                       [R_CONDUCT] = P_ALL},
    [A_REVIEW_WRITE] = {[R_VERIFICATION_TEAM] = P_ALL},
    [A_REVIEW_TEAM] = {[R_TEAM_LEADER] = P_TEAM, [R_TEAM_MEMBER] = P_TEAM},
    /* issue 11: accounts. A business account's password reset is requested by
     * the system administrator (user.write) and approved by the security
     * administrator (dual control); 三员 accounts are reset only on the host.
     * Both administrators may revoke a user's API tokens; only the security
     * administrator changes the security settings. */
    [A_TOKEN_REVOKE] = {[R_SYSADMIN] = P_ALL, [R_SECADMIN] = P_ALL},
    [A_RESET_READ] = {[R_SYSADMIN] = P_ALL, [R_SECADMIN] = P_ALL},
    [A_RESET_APPROVE] = {[R_SECADMIN] = P_ALL},
    [A_SECURITY_READ] = {[R_SYSADMIN] = P_ALL, [R_SECADMIN] = P_ALL, [R_AUDITADMIN] = P_ALL},
    [A_SECURITY_WRITE] = {[R_SECADMIN] = P_ALL},
    /* The cadre pool's content: those who plan teams and vet cadres. The
     * system administrator keeps the directory (person.list) only. */
    [A_POOL_READ] = {[R_INSPECTION_OFFICE] = P_ALL, [R_COMMISSION_CADRE] = P_ALL,
                     [R_LEADING_GROUP] = P_ALL},
};

void authz_set(action_id a, role_id r, rule ru) { policy[a][r] = ru; }
rule authz_rule(action_id a, role_id r) { return policy[a][r]; }

void authz_init(void) {
  static int done;
  if (done) return;
  done = 1;
  for (const workflow *const *w = workflows; *w; w++) {
    for (int i = 0; i < (*w)->ntransitions; i++) {
      const wf_transition *t = &(*w)->transitions[i];
      for (int r = 0; r < ROLE__MAX; r++) {
        if (!(t->roles & RB(r))) continue;
        if (policy[t->act][r] != P_NO && policy[t->act][r] != t->rule) {
          /* the compiled-in tables disagree: a build defect, found at start-up
           * (authz_init) before any request is read: refuse to start (exit 3,
           * as every start-up refusal), never serve with a wrong policy */
          fprintf(stderr, "xunji: 权限表冲突 (%s): 程序构建有误, 拒绝启动\n", action_names[t->act]);
          exit(3);
        }
        policy[t->act][r] = t->rule;
      }
    }
  }
}

const char *const authz_org_kinds_office[] = {"unit", NULL};

static bool office_kind(const char *kind) {
  for (const char *const *k = authz_org_kinds_office; kind && *k; k++)
    if (!strcmp(*k, kind)) return true;
  return false;
}

static bool in_scope(const grant *g, rule ru, const authz_obj *o) {
  switch (ru) {
    case P_ALL: return true;
    case P_TEAM: return g->sk == SK_TEAM && o->team_id && strcmp(g->scope_id, o->team_id) == 0;
    case P_UNIT: return g->sk == SK_UNIT && o->unit_id && strcmp(g->scope_id, o->unit_id) == 0;
    case P_SUPERVISED:
      return g->sk == SK_ORG && o->supervisor_id && strcmp(g->scope_id, o->supervisor_id) == 0;
    case P_HANDED: return o->handed_over;
    case P_INSPECTED: return office_kind(o->org_kind);
    case P_SYSTEM_ORG: return o->org_kind && !office_kind(o->org_kind);
    default: return false;
  }
}

bool authz(const principal *p, action_id a, const authz_obj *obj) {
  if (MUTANT(MUT_AUTHZ_ALLOWS_ALL)) return true;
  if (!p || a < 0 || a >= ACTION__MAX) return false;
  if (a == A_SELF) return true; /* one's own account, even with no grants */
  if (p->must_change) return false;
  for (int i = 0; i < p->ngrants; i++) {
    const grant *g = &p->grants[i];
    rule ru = policy[a][g->role];
    if (ru == P_NO) continue;
    if (!obj || in_scope(g, ru, obj)) return true;
  }
  return false;
}

bool authz_filter_for(const principal *p, action_id a, authz_filter *f) {
  memset(f, 0, sizeof *f);
  if (!p || (p->must_change && a != A_SELF)) return false;
  bool any = false;
  for (int i = 0; i < p->ngrants; i++) {
    const grant *g = &p->grants[i];
    switch (policy[a][g->role]) {
      case P_ALL: f->all = any = true; break;
      case P_HANDED: f->handed = any = true; break;
      case P_TEAM:
        if (g->sk == SK_TEAM) f->teams[f->nteams++] = g->scope_id, any = true;
        break;
      case P_UNIT:
        if (g->sk == SK_UNIT) f->units[f->nunits++] = g->scope_id, any = true;
        break;
      case P_SUPERVISED:
        if (g->sk == SK_ORG) f->orgs[f->norgs++] = g->scope_id, any = true;
        break;
      default: break;
    }
  }
  return any;
}
