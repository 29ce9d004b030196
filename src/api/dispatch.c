/*
 * dispatch.c — the route table and the one choke point every request goes
 * through (after Redis's processCommand): route lookup, authentication,
 * CSRF and Origin checks, the forced password change, function-level
 * authz, JSON parsing. Handlers run only after all of these passed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/changelog.h"
#include "api/entity.h"
#include "api/record.h"
#include "api/service.h"
#include "domain/reports/reports.h"
#include "core/workflow.h"
#include "sec/audit_detail.h"
#include "sec/crypto.h"
#include "util/config.h"
#include "util/text.h"
#include "util/xmem.h"
#include "util/mutant.h"

/* The acts repeat the descriptor's (C needs constants here); tests check they agree. */
#define ENTITY_ROUTES(path, e, label, la, wa)                                              \
  {"GET", "/api/v1/" path, h_entity_list, la, 0, "列出" label, &e},                        \
  {"POST", "/api/v1/" path, h_entity_create, wa, 0, "新建" label, &e},                     \
  {"GET", "/api/v1/" path "/{id}", h_entity_get, la, 0, "查看" label, &e},                 \
  {"PATCH", "/api/v1/" path "/{id}", h_entity_update, wa, 0, "修改" label, &e}

#define RECORD_ROUTES(path, k, label, la, ca, ea)                                          \
  {"GET", "/api/v1/" path, h_rec_list, la, RF_RECORD, "列出" label, &k},                    \
  {"POST", "/api/v1/" path, h_rec_create, ca, RF_RECORD, "新建" label, &k},                 \
  {"GET", "/api/v1/" path "/{id}", h_rec_get, la, RF_RECORD, "查看" label, &k},             \
  {"PATCH", "/api/v1/" path "/{id}", h_rec_update, ea, RF_RECORD, "修改" label, &k},        \
  {"GET", "/api/v1/" path "/{id}/history", h_rec_history, la, RF_RECORD, label "流转记录", &k}

extern const struct file_owner fo_problem, fo_task;

const route routes[] = {
    {"GET", "/healthz", h_healthz, A_SELF, RF_PUBLIC, "健康检查", NULL},
    {"POST", "/api/v1/auth/login", h_login, A_SELF, RF_PUBLIC, "登录", NULL},
    {"POST", "/api/v1/auth/logout", h_logout, A_SELF, RF_MUST_CHANGE, "退出登录", NULL},
    {"POST", "/api/v1/auth/password", h_password, A_SELF, RF_MUST_CHANGE, "修改口令", NULL},
    {"GET", "/api/v1/me", h_me, A_SELF, RF_MUST_CHANGE, "当前用户", NULL},
    {"GET", "/api/v1/meta", h_meta, A_SELF, 0, "角色、状态与流程定义", NULL},
    {"GET", "/api/v1/messages", h_messages, A_SELF, 0, "收件箱", NULL},
    {"POST", "/api/v1/messages/{id}/read", h_message_read, A_SELF, 0, "标记消息已读", NULL},
    {"GET", "/api/v1/users", h_users_list, A_USER_LIST, 0, "列出用户", NULL},
    {"POST", "/api/v1/users", h_users_create, A_USER_WRITE, 0, "新建用户", NULL},
    {"GET", "/api/v1/users/{id}", h_users_get, A_USER_LIST, 0, "查看用户", NULL},
    {"PATCH", "/api/v1/users/{id}", h_users_update, A_USER_WRITE, 0, "修改或停用用户", NULL},
    {"POST", "/api/v1/users/{id}/reset-password", h_users_reset, A_USER_WRITE, 0,
     "申请重置业务账号口令 (经安全管理员批准后由申请人领取一次性口令; 三员账号不可)", NULL},
    {"GET", "/api/v1/password-resets", h_resets_list, A_RESET_READ, 0, "口令重置申请", NULL},
    {"GET", "/api/v1/password-resets/{id}", h_reset_get, A_RESET_READ, 0, "查看口令重置申请", NULL},
    {"POST", "/api/v1/password-resets/{id}/approve", h_reset_approve, A_RESET_APPROVE, 0,
     "安全管理员批准口令重置 (立即注销该账号全部会话与令牌)", NULL},
    {"POST", "/api/v1/password-resets/{id}/reject", h_reset_reject, A_RESET_APPROVE, 0,
     "安全管理员驳回口令重置申请", NULL},
    {"POST", "/api/v1/password-resets/{id}/collect", h_reset_collect, A_USER_WRITE, 0,
     "申请人领取一次性口令 (仅一次)", NULL},
    {"GET", "/api/v1/security-settings", h_security_get, A_SECURITY_READ, 0, "安全设置", NULL},
    {"PATCH", "/api/v1/security-settings", h_security_update, A_SECURITY_WRITE, 0,
     "安全管理员修改安全设置 (留痕)", NULL},
    {"GET", "/api/v1/me/tokens", h_my_tokens, A_SELF, 0, "本人的 API 令牌 (不含令牌本身)", NULL},
    {"DELETE", "/api/v1/me/tokens/{id}", h_my_token_revoke, A_SELF, 0, "吊销本人的 API 令牌", NULL},
    {"GET", "/api/v1/users/{id}/tokens", h_user_tokens, A_USER_LIST, 0, "用户的 API 令牌", NULL},
    {"DELETE", "/api/v1/users/{id}/tokens/{id}", h_user_token_revoke, A_TOKEN_REVOKE, 0,
     "吊销用户的 API 令牌", NULL},
    {"GET", "/api/v1/users/{id}/roles", h_roles_list, A_USER_LIST, 0, "查看用户授权", NULL},
    {"POST", "/api/v1/users/{id}/roles", h_roles_grant, A_ROLE_GRANT, 0, "授予角色", NULL},
    {"DELETE", "/api/v1/users/{id}/roles/{id}", h_roles_revoke, A_ROLE_GRANT, 0, "撤销角色",
     NULL},
    {"GET", "/api/v1/grants", h_grants_list, A_ROLE_GRANT, 0,
     "已终止的授权 (?ended=true, 默认; ?ended=false: 设有截止日期的有效授权), 查询留痕", NULL},
    {"GET", "/api/v1/audit", h_audit_list, A_AUDIT_READ, 0, "查询审计日志", NULL},
    ENTITY_ROUTES("orgs", ent_org, "组织机构", A_ORG_LIST, A_ORG_WRITE),
    ENTITY_ROUTES("persons", ent_person, "人员", A_PERSON_LIST, A_PERSON_WRITE),
    ENTITY_ROUTES("rounds", ent_round, "巡察轮次", A_ROUND_LIST, A_ROUND_WRITE),
    ENTITY_ROUTES("teams", ent_team, "巡察组", A_TEAM_LIST, A_TEAM_WRITE),
    ENTITY_ROUTES("targets", ent_target, "巡察对象", A_TARGET_LIST, A_TARGET_WRITE),
    {"GET", "/api/v1/clues", h_rec_list, A_CLUE_LIST, RF_RECORD, "列出问题线索", &rk_clue},
    {"POST", "/api/v1/clues", h_rec_create, A_CLUE_CREATE, RF_RECORD, "登记问题线索 (草稿)", &rk_clue},
    {"GET", "/api/v1/clues/{id}", h_rec_get, A_CLUE_LIST, RF_RECORD, "查看问题线索", &rk_clue},
    {"PATCH", "/api/v1/clues/{id}", h_rec_update, A_CLUE_EDIT, RF_RECORD, "修改草稿线索", &rk_clue},
    {"GET", "/api/v1/clues/{id}/history", h_rec_history, A_CLUE_LIST, RF_RECORD, "线索流转记录", &rk_clue},
    {"POST", "/api/v1/clues/{id}/outcome", h_clue_outcome, A_CLUE_OUTCOME, 0,
     "登记立案、留置、移送审查起诉情况及决定机关", NULL},
    {"POST", "/api/v1/clues/{id}/{verb}", h_rec_action, A_CLUE_LIST, RF_LIFECYCLE | RF_RECORD,
     "线索流转: verify|handover|register|dispose|conclude", &rk_clue},
    /* issue 3: patrol programme (domain/programme/programme.c); specific paths before {verb} */
    {"POST", "/api/v1/rounds/{id}/vetting", h_round_vetting_request, A_VETTING_REQUEST, 0,
     "为本轮全部巡察组成员提请廉政审核", NULL},
    {"GET", "/api/v1/rounds/{id}/pledges", h_round_pledges_list, A_TEAM_LIST, 0,
     "本轮「十五严禁」承诺书签订情况", NULL},
    {"POST", "/api/v1/rounds/{id}/pledges", h_round_pledge_sign, A_TEAM_WRITE, 0,
     "登记签订「十五严禁」承诺书", NULL},
    {"GET", "/api/v1/rounds/{id}/suggestions", h_round_suggestions, A_MATCH_SUGGEST, 0,
     "智能匹配: 为各巡察组推荐人选 (附理由)", NULL},
    {"POST", "/api/v1/rounds/{id}/{verb}", h_rounds_action, A_ROUND_LIST, RF_LIFECYCLE,
     "轮次流转: approve|mobilize|enter|withdraw|feedback|rectify|close", &wf_round},
    {"GET", "/api/v1/teams/{id}/members", h_team_members_list, A_TEAM_LIST, 0, "巡察组成员", NULL},
    {"POST", "/api/v1/teams/{id}/members", h_team_members_add, A_TEAM_WRITE, 0, "编入巡察组成员",
     NULL},
    {"DELETE", "/api/v1/teams/{id}/members/{id}", h_team_members_remove, A_TEAM_WRITE, 0,
     "调出巡察组成员", NULL},
    {"POST", "/api/v1/teams/{id}/targets", h_team_targets_bulk, A_TARGET_WRITE, 0,
     "批量确定巡察对象 (整批成功或整批失败)", NULL},
    {"POST", "/api/v1/teams/{id}/targets/import", h_team_targets_import, A_TARGET_WRITE, 0,
     "从 .xlsx 或 CSV 导入巡察对象 (逐行校验, 整批成功或整批失败)", NULL},
    {"GET", "/api/v1/vettings", h_vettings_list, A_VETTING_LIST, 0, "廉政审核记录", NULL},
    {"POST", "/api/v1/vettings/{id}/answer", h_vetting_answer, A_VETTING_ANSWER, 0,
     "答复廉政审核 (无异议/有异议)", NULL},
    {"GET", "/api/v1/persons/{id}/work-history", h_person_history_list, A_POOL_READ, 0,
     "人员工作经历", NULL},
    {"POST", "/api/v1/persons/{id}/work-history", h_person_history_add, A_PERSON_WRITE, 0,
     "登记工作经历", NULL},
    {"GET", "/api/v1/persons/{id}/relatives", h_person_relatives_list, A_POOL_READ, 0,
     "人员申报的近亲属", NULL},
    {"POST", "/api/v1/persons/{id}/relatives", h_person_relatives_add, A_PERSON_WRITE, 0,
     "登记近亲属及其工作单位", NULL},
    {"GET", "/api/v1/persons/{id}/trainings", h_person_trainings_list, A_POOL_READ, 0,
     "人员培训记录", NULL},
    {"POST", "/api/v1/persons/{id}/trainings", h_person_trainings_add, A_PERSON_WRITE, 0,
     "登记培训记录", NULL},
    {"POST", "/api/v1/persons/{id}/tags", h_person_tags_set, A_PERSON_WRITE, 0,
     "设置人员专长标签", NULL},
    {"GET", "/api/v1/persons/{id}/profile", h_person_profile, A_POOL_READ, 0,
     "人才库档案 (专长、经历、亲属、培训、承诺书、廉政审核)", NULL},
    {"POST", "/api/v1/orgs/import", h_orgs_import, A_ORG_WRITE, 0,
     "巡察办从 CSV 或 .xlsx 导入被巡察单位和村 (社区) (逐行校验, 整批成功或整批失败)", NULL},
    {"POST", "/api/v1/persons/import", h_persons_import, A_PERSON_WRITE, 0,
     "从 CSV 或 .xlsx 导入人员 (逐行校验, 整批成功或整批失败)", NULL},
    {"POST", "/api/v1/targets/{id}/briefings", h_target_briefings_request, A_BRIEFING_REQUEST, 0,
     "请各来源提供巡前情况通报", NULL},
    {"GET", "/api/v1/briefings", h_rec_list, A_BRIEFING_LIST, RF_RECORD,
     "巡前情况通报 (含逾期标记)", &rk_briefing},
    {"POST", "/api/v1/briefings/{id}/answer", h_briefing_answer, A_BRIEFING_ANSWER, 0,
     "报送巡前情况通报", NULL},
    {"GET", "/api/v1/petitions", h_rec_list, A_PETITION_LIST, RF_RECORD, "列出信访件", &rk_petition},
    {"POST", "/api/v1/petitions", h_rec_create, A_PETITION_CREATE, RF_RECORD,
     "登记信访件 (信访人身份加密保存)", &rk_petition},
    {"GET", "/api/v1/petitions/{id}", h_rec_get, A_PETITION_LIST, RF_RECORD,
     "查看信访件 (有权者可见信访人身份, 读取留痕)", &rk_petition},
    {"POST", "/api/v1/petitions/{id}/reveal-requests", h_reveal_request, A_PETITION_LIST,
     RF_RECORD, "申请查看信访人身份 (须填理由, 经第二人批准后可查看)", &rk_petition},
    {"POST", "/api/v1/petitions/{id}/receipt", h_petition_receipt, A_PETITION_LIST,
     RF_RECORD | RF_NO_ADDR, "核对匿名信访人的查询码 (不记录来源地址)", &rk_petition},
    {"GET", "/api/v1/reveal-requests", h_reveal_list, A_SELF, 0,
     "查看信访人身份的申请 (批准人: 全部; 其他人: 本人的)", NULL},
    {"POST", "/api/v1/reveal-requests/{id}/{verb}", h_reveal_decide, A_REVEAL_APPROVE, 0,
     "批准或驳回查看信访人身份的申请: approve|reject (不得批准本人的申请)", NULL},
    {"POST", "/api/v1/petitions/{id}/{verb}", h_rec_action, A_PETITION_LIST,
     RF_LIFECYCLE | RF_RECORD, "信访件分办: to_clue|transfer|close", &rk_petition},
    RECORD_ROUTES("replacements", rk_replacement, "巡察组成员调整 (动员部署后, 须领导小组批准)",
                  A_VETTING_LIST, A_TEAM_WRITE, A_TEAM_WRITE),
    {"POST", "/api/v1/replacements/{id}/{verb}", h_rec_action, A_VETTING_LIST,
     RF_LIFECYCLE | RF_RECORD, "巡察组成员调整: approve|reject", &rk_replacement},
    {"GET", "/api/v1/cadre-movements", h_movements_list, A_MOVEMENT_LIST, 0,
     "巡察与纪检监察岗位干部交流记录", NULL},
    {"POST", "/api/v1/cadre-movements", h_movements_create, A_MOVEMENT_WRITE, 0,
     "登记干部交流", NULL},
    {"GET", "/api/v1/cadre-stats", h_cadre_stats, A_MOVEMENT_LIST, 0,
     "干部交流与派员参与巡察统计", NULL},
    {"GET", "/api/v1/recusal/check", h_recusal_check, A_RECUSAL_LIST, 0,
     "检查人员对巡察组各对象的回避情形", NULL},
    {"GET", "/api/v1/recusal-exceptions", h_recusal_exceptions_list, A_RECUSAL_LIST, 0,
     "回避例外记录", NULL},
    {"POST", "/api/v1/recusal-exceptions", h_recusal_exception_create, A_RECUSAL_EXCEPTION, 0,
     "领导小组批准回避例外 (须说明理由)", NULL},
    /* issue 4: findings to rectification (domain/findings/findings.c, rectification.c, files.c) */
    {"GET", "/api/v1/problem-categories", h_categories_list, A_PROBLEM_LIST, 0,
     "问题类别 (两级分类)", NULL},
    {"POST", "/api/v1/problem-categories", h_categories_create, A_CATEGORY_WRITE, 0,
     "新增问题类别", NULL},
    {"PATCH", "/api/v1/problem-categories/{id}", h_categories_update, A_CATEGORY_WRITE, 0,
     "修改、停用问题类别或设定联审最低处理形态", NULL},
    RECORD_ROUTES("problems", rk_problem, "问题底稿", A_PROBLEM_LIST, A_PROBLEM_CREATE, A_PROBLEM_EDIT),
    {"GET", "/api/v1/problems/{id}/files", h_files_list, A_PROBLEM_PAPERS, RF_RECORD,
     "问题佐证材料", &fo_problem},
    {"POST", "/api/v1/problems/{id}/files", h_files_upload, A_PROBLEM_EDIT, RF_UPLOAD,
     "上传问题佐证材料 (原始文件为请求体, ?name=文件名)", &fo_problem},
    {"POST", "/api/v1/problems/{id}/{verb}", h_rec_action, A_PROBLEM_LIST,
     RF_LIFECYCLE | RF_RECORD, "问题流转: confirm|rectify|complete|sign_off|reopen", &rk_problem},
    RECORD_ROUTES("reports", rk_report, "巡察报告", A_REPORT_LIST, A_REPORT_WRITE, A_REPORT_WRITE),
    {"POST", "/api/v1/reports/{id}/accountability", h_report_open_accountability, A_ACCT_WRITE, 0,
     "党风室对抄送反馈中的不担当不作为问题启动追责问责", NULL},
    {"POST", "/api/v1/reports/{id}/{verb}", h_rec_action, A_REPORT_LIST, RF_LIFECYCLE | RF_RECORD,
     "巡察报告与反馈: submit|return|approve|feedback|copy", &rk_report},
    RECORD_ROUTES("rect-tasks", rk_task, "整改任务", A_RECT_READ, A_RECT_WRITE, A_RECT_WRITE),
    {"GET", "/api/v1/rect-tasks/{id}/progress", h_task_progress_list, A_RECT_READ, 0,
     "整改进展", NULL},
    {"POST", "/api/v1/rect-tasks/{id}/progress", h_task_progress_add, A_RECT_WRITE, 0,
     "填报整改进展", NULL},
    {"GET", "/api/v1/rect-tasks/{id}/files", h_files_list, A_RECT_READ, RF_RECORD,
     "整改佐证材料", &fo_task},
    {"POST", "/api/v1/rect-tasks/{id}/files", h_files_upload, A_RECT_WRITE, RF_UPLOAD,
     "上传整改佐证材料 (原始文件为请求体, ?name=文件名)", &fo_task},
    {"GET", "/api/v1/rect-tasks/{id}/supervision-notes", h_supervision_notes_list,
     A_SUPERVISION_READ, 0, "派驻纪检监察组的日常监督意见", NULL},
    {"POST", "/api/v1/rect-tasks/{id}/supervision-notes", h_supervision_note_add,
     A_SUPERVISION_NOTE, 0, "派驻纪检监察组填写监督意见", NULL},
    {"POST", "/api/v1/rect-tasks/{id}/{verb}", h_rec_action, A_RECT_READ, RF_LIFECYCLE | RF_RECORD,
     "整改任务流转: start|finish|sign_off|send_back", &rk_task},
    {"GET", "/api/v1/notices", h_rec_list, A_NOTICE_LIST, RF_RECORD,
     "督查督办通知 (?open=true 为未办结)", &rk_notice},
    {"POST", "/api/v1/notices", h_rec_create, A_NOTICE_ISSUE, RF_RECORD,
     "下发督查督办通知 (提醒/督办/约谈)", &rk_notice},
    {"GET", "/api/v1/notices/{id}", h_rec_get, A_NOTICE_LIST, RF_RECORD, "查看督办通知", &rk_notice},
    {"GET", "/api/v1/notices/{id}/history", h_rec_history, A_NOTICE_LIST, RF_RECORD,
     "督办通知流转记录", &rk_notice},
    {"POST", "/api/v1/notices/{id}/{verb}", h_rec_action, A_NOTICE_LIST, RF_LIFECYCLE | RF_RECORD,
     "督办通知流转: reply|close|send_back", &rk_notice},
    {"GET", "/api/v1/targets/{id}/rectification", h_rectification_get, A_RECT_READ, 0,
     "整改总览: 整改方案、问题清单、任务清单、责任清单、制度机制", NULL},
    {"PUT", "/api/v1/targets/{id}/rectification/plan", h_rect_plan_put, A_RECT_WRITE, 0,
     "报送整改方案", NULL},
    {"PUT", "/api/v1/targets/{id}/rectification/report", h_rect_report_put, A_RECT_WRITE, 0,
     "报送整改情况报告", NULL},
    {"POST", "/api/v1/targets/{id}/supervision", h_supervision_ack, A_SUPERVISION_ACK, 0,
     "派驻纪检监察组确认纳入日常监督", NULL},
    {"GET", "/api/v1/institutions", h_institutions_list, A_RECT_READ, 0, "修订完善的制度机制",
     NULL},
    {"POST", "/api/v1/institutions", h_institutions_create, A_RECT_WRITE, 0,
     "登记修订完善的制度机制", NULL},
    /* issue 5: discipline side (domain/discipline/discipline.c, review.c) */
    RECORD_ROUTES("assistance", rk_assistance, "提请协助事项", A_ASSIST_LIST, A_ASSIST_WRITE, A_ASSIST_WRITE),
    {"POST", "/api/v1/assistance/{id}/{verb}", h_rec_action, A_ASSIST_LIST, RF_LIFECYCLE | RF_RECORD,
     "提请协助流转: submit|approve|reject|forward|accept|complete|close", &rk_assistance},
    {"GET", "/api/v1/outcomes", h_outcomes, A_SELF, 0,
     "处理结果代码表 (名称、类别、计入的四种形态)", NULL},
    {"GET", "/api/v1/accountability/pending", h_accountability_pending, A_ACCT_LIST, 0,
     "抄送后逾期仍无追责问责决定的问题", NULL},
    RECORD_ROUTES("accountability", rk_accountability, "追责问责记录", A_ACCT_LIST, A_ACCT_WRITE, A_ACCT_WRITE),
    {"POST", "/api/v1/accountability/{id}/{verb}", h_rec_action, A_ACCT_LIST, RF_LIFECYCLE | RF_RECORD,
     "追责问责: decide|revoke", &rk_accountability},
    RECORD_ROUTES("joint-reviews", rk_review, "联审", A_REVIEW_LIST, A_REVIEW_WRITE, A_REVIEW_WRITE),
    {"GET", "/api/v1/joint-reviews/{id}/items", h_review_items_list, A_REVIEW_LIST, 0,
     "联审事项 (含偏轻偏软提示)", NULL},
    {"POST", "/api/v1/joint-reviews/{id}/items", h_review_items_add, A_REVIEW_WRITE, 0,
     "列入联审事项 (问题或问题线索)", NULL},
    {"POST", "/api/v1/joint-reviews/{id}/{verb}", h_rec_action, A_REVIEW_LIST,
     RF_LIFECYCLE | RF_RECORD, "联审流转: hold|conclude", &rk_review},
    {"PATCH", "/api/v1/review-items/{id}", h_review_item_update, A_REVIEW_LIST, 0,
     "填写联审事项: 核查组的核查情况与处理意见, 巡察组的来源与经过, 会议最终意见", NULL},
    {"POST", "/api/v1/review-items/{id}/clear", h_review_item_clear, A_REVIEW_WRITE, 0,
     "说明理由消除偏轻偏软提示", NULL},
    {"GET", "/api/v1/files/{id}", h_file_download, A_SELF, 0,
     "下载佐证材料 (附件方式, 读取留痕)", NULL},
    /* issue 6: statistics, ledgers, formal letters (domain/reports/stats.c, ledgers.c, documents.c) */
    {"GET", "/api/v1/stats", h_stats, A_STATS_READ, 0,
     "统计: 全部指标 (可按轮次、专项、巡察组、单位、日期、层级筛选)", NULL},
    {"GET", "/api/v1/stats/measures", h_stats_measures, A_STATS_READ, 0,
     "统计指标定义 (名称、单位、适用的筛选条件)", NULL},
    {"GET", "/api/v1/stats/{measure}/records", h_stats_records, A_STATS_READ, 0,
     "统计穿透: 某项指标所统计的记录", NULL},
    {"GET", "/api/v1/stats/{measure}/groups", h_stats_groups, A_STATS_READ, 0,
     "某项指标按巡察轮次、巡察组或被巡察单位分组的数值", NULL},
    {"GET", "/api/v1/stats/summary.pdf", h_summary_pdf, A_STATS_READ, 0,
     "汇总报告 PDF: 主要数字与统计图 (筛选同统计, 导出留痕)", NULL},
    {"GET", "/api/v1/stats/summary.xlsx", h_summary_xlsx, A_STATS_READ, 0,
     "汇总表 .xlsx: 统计指标与各项分布 (筛选同统计, 导出留痕)", NULL},
    {"GET", "/api/v1/ledgers", h_ledgers_list, A_LEDGER_EXPORT, 0, "可导出的台账", NULL},
    {"GET", "/api/v1/ledgers/{name}", h_ledger_export, A_LEDGER_EXPORT, 0,
     "导出台账 .xlsx (问题线索移交、问题、整改; 筛选同统计, 导出留痕)", NULL},
    {"GET", "/api/v1/documents", h_documents_list, A_DOC_LIST, 0, "已出具的公文 (函、通知)", NULL},
    {"POST", "/api/v1/documents", h_documents_issue, A_DOC_ISSUE, 0,
     "依据记录出具公文 (问题线索移交函、廉政审核函、提请协助函、反馈意见抄送函、整改督办通知; 编发文号并留痕)", NULL},
    {"GET", "/api/v1/documents/{id}", h_documents_get, A_DOC_LIST, 0, "查看公文", NULL},
    {"GET", "/api/v1/documents/{id}/pdf", h_documents_pdf, A_DOC_LIST, 0,
     "下载公文 PDF (GB/T 9704 版式, 下载留痕)", NULL},
};
const int nroutes = (int)(sizeof routes / sizeof *routes);

void api_init(void) { authz_init(); }

/* ---- matching ------------------------------------------------------------ */
static int verb_ok(const char *s, size_t n) {
  if (n == 0 || n > 32) return 0;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_')) return 0;
  return 1;
}

/* 1 if path matches pattern, collecting {..} segments into r->params. */
static int match(const char *pattern, const char *path, req *r) {
  int np = 0;
  const char *p = pattern, *s = path;
  while (*p && *s) {
    if (*p == '{') {
      const char *pe = strchr(p, '}');
      const char *se = strchr(s, '/');
      size_t sl = se ? (size_t)(se - s) : strlen(s);
      if (sl >= sizeof r->params[0] || np >= REQ_MAX_PARAMS) return 0;
      char seg[64];
      memcpy(seg, s, sl);
      seg[sl] = '\0';
      if (strncmp(p, "{id}", 4) == 0 ? !uuid_valid(seg) : !verb_ok(seg, sl)) return 0;
      memcpy(r->params[np++], seg, sl + 1);
      p = pe + 1;
      s += sl;
    } else {
      if (*p != *s) return 0;
      p++;
      s++;
    }
  }
  if (*p || *s) return 0;
  r->nparams = np;
  return 1;
}

/* ---- replies ------------------------------------------------------------- */
int api_error(req *r, int status, const char *code, const char *fld, const char *fmt, ...) {
  /* Formatted whole, then cut at a character boundary if longer than
   * API_MSG_MAX bytes, so a long Chinese message stays valid UTF-8 (lists
   * are shortened before, with buf_list: "…等 N 项"). */
  va_list ap;
  va_start(ap, fmt);
  char *msg = xmalloc(API_MSG_MAX + 1);
  text_vfmt(msg, API_MSG_MAX + 1, fmt, ap);
  va_end(ap);
  json_decref(r->out);
  json_t *field_v = json_string(fld ? fld : "");
  if (!field_v) field_v = json_string(""); /* invalid UTF-8 from a client: not echoed */
  json_t *msg_v = json_string(msg);
  if (!msg_v) msg_v = json_string("请求无效"); /* invalid UTF-8 in a client's value */
  free(msg);
  r->out = json_pack("{s:{s:s,s:o,s:o}}", "error", "code", code, "message", msg_v, "field",
                     field_v);
  r->status = status;
  return status;
}

int api_xres(req *r, xres *x) {
  api_error(r, x->status ? x->status : 500, x->code[0] ? x->code : "internal", x->field, "%s",
            x->message);
  if (x->extra) json_object_update(json_object_get(r->out, "error"), x->extra);
  xres_free(x);
  return r->status;
}

int api_verr(req *r, const verr *e) {
  return api_error(r, e->status ? e->status : 400, e->code, e->field, "%s", e->message);
}

int api_ok(req *r, int status, json_t *out) {
  json_decref(r->out);
  r->out = out;
  r->status = status;
  return status;
}

int api_store_error(req *r, int rc, store_tx *tx) {
  xres x = XRES_INIT;
  xres_store(&x, rc, r->id, tx ? store_errmsg(tx) : NULL);
  return api_xres(r, &x);
}

/* ---- audit ------------------------------------------------------------------ */
int api_audit(req *r, store_tx *tx, const char *action, const char *kind, const char *id,
              const char *result, json_t *detail) {
  return api_audit_old(r, tx, action, kind, id, result, detail, NULL);
}

int api_audit_old(req *r, store_tx *tx, const char *action, const char *kind, const char *id,
                  const char *result, json_t *detail, const json_t *old) {
  svc_actor ac;
  api_actor(r, &ac);
  int rc = svc_audit(r->app, tx, &ac, action, kind, id, result, detail, old);
  api_actor_end(r, &ac);
  return rc;
}

void api_actor(req *r, svc_actor *ac) {
  memset(ac, 0, sizeof *ac);
  ac->who = &r->who;
  if (r->authed) principal_roles(&r->who, ac->roles_buf, sizeof ac->roles_buf);
  ac->user_id = r->authed ? r->who.user_id : NULL;
  /* an unauthenticated login attempt records the login it tried */
  ac->login = r->authed || r->who.login[0] ? r->who.login : NULL;
  ac->roles = r->authed ? ac->roles_buf : NULL;
  ac->rid = r->id;
  ac->ip = r->client_ip;
  ac->head = r->head;
}

void api_actor_end(req *r, const svc_actor *ac) {
  if (ac->head.seq > r->head.seq) r->head = ac->head;
}

int svc_audit(app *a, store_tx *tx, svc_actor *ac, const char *action, const char *kind,
              const char *id, const char *result, const json_t *detail, const json_t *old) {
  if (MUTANT(MUT_AUDIT_SKIPPED)) return 0;
  /* ids, field names and codes only, never business content */
  json_t *safe = audit_detail_safe((json_t *)detail);
  char *d = safe ? json_dumps(safe, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref(safe);
  audit_entry e = {ac->user_id, ac->login, ac->roles, action, kind, id, result, ac->rid, ac->ip, d};
  audit_head h;
  int rc = audit_append(tx, &a->keys, &e, &h);
  free(d);
  if (rc == STORE_OK) ac->head = h;
  /* the values go to the record's own change log, behind its read rule */
  if (rc == STORE_OK && !strcmp(result, "ok") && !ac->audit_only)
    rc = chlog_write(ac, tx, h.seq, action, kind, id, old, detail);
  return rc;
}

int svc_commit(app *a, store_tx *tx, svc_actor *ac, xres *x) {
  int rc = store_commit(tx);
  if (rc != STORE_OK) {
    fprintf(stderr, "xunji: %s 提交失败\n", ac->rid ? ac->rid : "-");
    xres_err(x, 500, "internal", "", "保存失败, 数据未写入 (请求编号 %s)", ac->rid ? ac->rid : "-");
    return rc;
  }
  if (ac->head.seq > 0) audit_anchor_note(a->anchor, &a->keys, &ac->head);
  return STORE_OK;
}

int svc_audit_alone(app *a, svc_actor *ac, const char *action, const char *kind, const char *id,
                    const json_t *detail, xres *x) {
  store_tx *tx = NULL;
  int rc = store_write(a->db, &tx);
  if (rc) return svc_fail(NULL, ac, rc, x);
  rc = svc_audit(a, tx, ac, action, kind, id, "ok", detail, NULL);
  if (rc) return svc_fail(tx, ac, rc, x);
  return svc_commit(a, tx, ac, x) ? x->status : 0;
}

int svc_fail(store_tx *tx, svc_actor *ac, int rc, xres *x) {
  if (rc < 0) xres_store(x, rc, ac->rid, tx ? store_errmsg(tx) : NULL);
  if (tx) store_rollback(tx);
  return x->status ? x->status : xres_err(x, 500, "internal", "", "服务器内部错误 (请求编号 %s)",
                                          ac->rid ? ac->rid : "-");
}

int api_commit(req *r, store_tx *tx) {
  int rc = store_commit(tx);
  if (rc != STORE_OK) {
    fprintf(stderr, "xunji: %s 提交失败\n", r->id);
    api_error(r, 500, "internal", "", "保存失败, 数据未写入 (请求编号 %s)", r->id);
    return rc;
  }
  if (r->head.seq > 0) audit_anchor_note(r->app->anchor, &r->app->keys, &r->head);
  return STORE_OK;
}

int api_finish(req *r, store_tx *tx, json_t *row, int rc, int status) {
  if (rc || !row) {
    if (rc <= 0) api_store_error(r, rc ? rc : STORE_ERR, tx);
    store_rollback(tx);
    json_decref(row);
    return r->status;
  }
  if (api_commit(r, tx)) {
    json_decref(row);
    return r->status;
  }
  api_set_etag(r, json_integer_value(json_object_get(row, "version")));
  return api_ok(r, status, row);
}

int api_deny(req *r, action_id a, const char *kind, const char *id, int hide) {
  store_tx *tx;
  if (store_write(r->app->db, &tx) == STORE_OK) {
    json_t *d = json_pack("{s:s,s:s}", "method", r->method, "path", r->path);
    if (!d) d = json_object();
    if (api_audit(r, tx, action_names[a], kind, id, "denied", d) == STORE_OK) api_commit(r, tx);
    else store_rollback(tx);
    json_decref(d);
  }
  if (hide) return api_error(r, 404, "not_found", "", "记录不存在或无权访问");
  return api_error(r, 403, "forbidden", "", "无权执行此操作");
}

int api_reveal(req *r, const char *kind, const char *id, const char *sealed,
               const char *audit_action, char **plain) {
  char ctx[96];
  snprintf(ctx, sizeof ctx, "%s:%s", kind, id);
  *plain = field_open(&r->app->keys, ctx, sealed);
  if (!*plain) fprintf(stderr, "xunji: %s %s 的密文校验失败\n", r->id, ctx);
  store_tx *tx;
  int rc = store_write(r->app->db, &tx);
  if (rc == STORE_OK) {
    rc = api_audit(r, tx, audit_action, kind, id, *plain ? "ok" : "failed", NULL);
    if (rc == STORE_OK) rc = api_commit(r, tx);
    else store_rollback(tx);
  }
  if (rc) {
    if (*plain) xwipe(*plain, strlen(*plain));
    free(*plain);
    *plain = NULL;
    return rc > 0 ? r->status : api_store_error(r, rc, NULL);
  }
  return 0;
}

/* ---- input -------------------------------------------------------------- */
int api_body(req *r, const field *f, int n, bool partial) {
  if (!r->in) r->in = json_object();
  verr e;
  if (!fields_validate(r->in, f, n, partial, &e)) return api_verr(r, &e);
  return 0;
}

void api_set_etag(req *r, int64_t version) {
  snprintf(r->etag, sizeof r->etag, "\"%lld\"", (long long)version);
}

int api_if_match(req *r, int64_t version) {
  const char *im = req_header(r, "If-Match");
  if (!im || strcmp(im, "*") == 0) return 0;
  char want[32];
  snprintf(want, sizeof want, "\"%lld\"", (long long)version);
  const char *p = im;
  if (strncmp(p, "W/", 2) == 0) p += 2;
  if (strcmp(p, want) == 0) return 0;
  return api_error(r, 409, "stale", "If-Match",
                   "记录已被他人修改 (当前版本 %lld), 请刷新后重试", (long long)version);
}

int api_paging(req *r, int64_t *limit, int64_t *offset) {
  const char *ps = req_arg(r, "page"), *pp = req_arg(r, "per_page");
  long page = 1, per = 20;
  char *end;
  if (ps) {
    page = strtol(ps, &end, 10);
    if (*end || page < 1 || page > 1000000)
      return api_error(r, 400, "invalid_field", "page", "「页码」应为正整数");
  }
  if (pp) {
    per = strtol(pp, &end, 10);
    if (*end || per < 1 || per > 200)
      return api_error(r, 400, "invalid_field", "per_page", "「每页条数」应在 1 至 200 之间");
  }
  *limit = per;
  *offset = (page - 1) * per;
  return 0;
}

int api_list(req *r, const api_list_q *q) {
  int64_t limit, offset;
  if (api_paging(r, &limit, &offset)) return r->status;
  buf sql;
  buf_init(&sql, 32768);
  store_tx *tx;
  int rc = store_read(r->app->db, &tx);
  if (rc) return api_store_error(r, rc, NULL);
  int64_t total = 0;
  buf_addf(&sql, "SELECT count(*) FROM %s%s", q->from, q->where);
  rc = store_query_int(tx, buf_str(&sql), q->p, q->np, &total);
  buf_reset(&sql);
  buf_addf(&sql, "SELECT %s FROM %s%s%s LIMIT $%d OFFSET $%d", q->cols, q->from, q->where,
           q->order, q->np + 1, q->np + 2);
  q->p[q->np] = SV_I(limit);
  q->p[q->np + 1] = SV_I(offset);
  json_t *items = rc == STORE_OK ? store_query_json(tx, buf_str(&sql), q->p, q->np + 2) : NULL;
  buf_free(&sql);
  size_t i;
  json_t *it;
  if (items && q->fix) json_array_foreach(items, i, it) q->fix(tx, it, q->ctx);
  store_rollback(tx);
  if (!items) return api_store_error(r, rc ? rc : STORE_ERR, NULL);
  return api_ok(r, 200, json_pack("{s:o,s:I,s:I,s:I}", "items", items, "total", (json_int_t)total,
                                  "page", (json_int_t)(offset / limit + 1), "per_page",
                                  (json_int_t)limit));
}

const char *api_now(char b[21]) {
  ts_now(b);
  return b;
}

int api_next_seq(store_tx *tx, const char *series, int year, int64_t *n) {
  sval p[] = {SV_S(series), SV_I(year)};
  return store_query_int(tx,
                         "INSERT INTO doc_seq(series,year,last) VALUES($1,$2,1) "
                         "ON CONFLICT(series,year) DO UPDATE SET last=doc_seq.last+1 "
                         "RETURNING last",
                         p, 2, n);
}

int api_notify(req *r, store_tx *tx, const char *role, const char *scope, const char *kind,
               const char *object_id, const char *action, const char *title, const char *body) {
  char id[UUID_LEN], now[TS_LEN];
  uuid7(id);
  ts_now(now);
  sval p[] = {SV_S(id),        SV_S(now),    SV_S(r->authed ? r->who.user_id : NULL),
              SV_S(role),      SV_S(scope ? scope : ""), SV_S(kind),
              SV_S(object_id), SV_S(action), SV_S(title),
              SV_S(body ? body : "")};
  return store_exec(tx,
                    "INSERT INTO messages(id,created_at,from_user,to_role,to_scope,object_kind,"
                    "object_id,action,title,body) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
                    p, 10, NULL);
}

/* ---- the choke point --------------------------------------------------------- */
/* The query string: at most max_query_params arguments, none given twice (no
 * route documents a repeated argument; handlers read each name once). */
typedef struct qctx {
  const char *keys[1024];
  int n, max;
  const char *bad; /* the repeated name, or NULL when there are too many */
} qctx;

static bool query_arg(void *c, const char *k, const char *v) {
  (void)v;
  qctx *x = c;
  if (x->n >= x->max) return false;
  for (int i = 0; i < x->n; i++)
    if (!strcmp(x->keys[i], k)) {
      x->bad = k;
      return false;
    }
  x->keys[x->n++] = k;
  return true;
}

static int query_check(req *r) {
  qctx x = {.max = (int)cfg_int(CFG_MAX_QUERY_PARAMS)};
  if (x.max > (int)(sizeof x.keys / sizeof *x.keys)) x.max = (int)(sizeof x.keys / sizeof *x.keys);
  if (req_each_arg(r, query_arg, &x)) return 0;
  if (!x.bad) return api_error(r, 400, "too_many_params", "", "查询参数过多 (上限 %d 个)", x.max);
  size_t n = strlen(x.bad);
  const char *k = n <= 60 && utf8_valid(x.bad, n) ? x.bad : "?";
  return api_error(r, 400, "duplicate_param", k, "查询参数「%s」重复", k);
}

/* The Origin of a write must be the origin the browser uses: public_origin in
 * full (scheme, host and port) when it is set; otherwise http://Host, or
 * https://Host when the request came through a trusted proxy (a TLS gateway). */
static int same_origin(req *r, const char *origin) {
  const char *pub = cfg_str(CFG_PUBLIC_ORIGIN);
  if (*pub) {
    size_t n = strlen(pub);
    while (n && pub[n - 1] == '/') n--;
    return strlen(origin) == n && strncasecmp(origin, pub, n) == 0;
  }
  const char *host = req_header(r, "Host");
  if (!host) return 0;
  const char *rest = NULL;
  if (strncasecmp(origin, "http://", 7) == 0) rest = origin + 7;
  else if (r->via_proxy && strncasecmp(origin, "https://", 8) == 0) rest = origin + 8;
  return rest && strcasecmp(rest, host) == 0;
}

int api_prepare(req *r) {
  if (r->prepared) return 0;
  r->prepared = true;
  if (strcmp(r->path, "/healthz") != 0 && strncmp(r->path, "/api/", 5) != 0) return 0; /* static */
  const route *rt = NULL;
  int path_known = 0;
  for (int i = 0; i < nroutes; i++) {
    if (!match(routes[i].pattern, r->path, r)) continue;
    path_known = 1;
    if (strcmp(routes[i].method, r->method) == 0) {
      rt = &routes[i];
      break;
    }
  }
  if (!rt) {
    if (path_known) return api_error(r, 405, "method_not_allowed", "", "不支持的请求方法 %s", r->method);
    return api_error(r, 404, "not_found", "", "接口不存在");
  }
  r->route = rt;
  if (!(rt->flags & RF_PUBLIC)) {
    if (session_authenticate(r)) return r->status;
    int write = strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0;
    if (write && r->via_cookie) {
      const char *tok = req_header(r, "X-CSRF-Token");
      const char *origin = req_header(r, "Origin");
      if (!tok || strlen(tok) != 64 || !ct_equal(tok, r->csrf, 64) ||
          (origin && !same_origin(r, origin))) {
        api_deny(r, rt->act, NULL, NULL, 0);
        return api_error(r, 403, "csrf", "X-CSRF-Token", "缺少或错误的 CSRF 令牌, 请刷新页面后重试");
      }
    }
    if (r->who.must_change && !(rt->flags & RF_MUST_CHANGE))
      return api_error(r, 403, "password_change_required", "password",
                       "首次登录或口令已过期, 请先修改口令");
    if (!authz(&r->who, rt->act, NULL)) return api_deny(r, rt->act, NULL, NULL, 0);
  }
  if (rt->flags & RF_NO_ADDR) { /* neither the audit nor the access log keeps the address */
    r->client_ip[0] = '\0';
    r->ip[0] = '\0';
    r->via_proxy = false;
  }
  return query_check(r); /* the URL alone: before any body is read */
}

void api_run(req *r) {
  const route *rt = r->route;
  if (!rt) {
    h_static(r);
    return;
  }
  if (r->body.len > 0 && !(rt->flags & RF_UPLOAD)) {
    const char *ct = req_header(r, "Content-Type");
    if (!ct || strncasecmp(ct, "application/json", 16) != 0) {
      api_error(r, 415, "unsupported_media_type", "", "请求体须为 application/json");
      return;
    }
    if (!utf8_valid(r->body.p, r->body.len)) {
      api_error(r, 400, "invalid_json", "", "请求体不是有效的 UTF-8 文本");
      return;
    }
    json_error_t je;
    r->in = json_loadb(r->body.p, r->body.len, JSON_REJECT_DUPLICATES, &je);
    if (!r->in) {
      api_error(r, 400, "invalid_json", "", "JSON 格式错误 (第 %d 行第 %d 列)", je.line,
                je.column);
      return;
    }
    if (!json_is_object(r->in)) {
      api_error(r, 400, "invalid_json", "", "请求体应为 JSON 对象");
      return;
    }
  }
  rt->fn(r);
}

void api_dispatch(req *r) {
  if (api_prepare(r) == 0) api_run(r);
}

json_t *api_route_table(void) {
  json_t *a = json_array();
  for (int i = 0; i < nroutes; i++) {
    const route *rt = &routes[i];
    json_t *o = json_pack("{s:s,s:s,s:s,s:b,s:b,s:s}", "method", rt->method, "pattern",
                          rt->pattern, "action", action_names[rt->act], "public",
                          (rt->flags & RF_PUBLIC) != 0, "must_change_ok",
                          (rt->flags & RF_MUST_CHANGE) != 0, "summary", rt->summary);
    if (rt->flags & RF_LIFECYCLE) {
      const workflow *w = (rt->flags & RF_RECORD) ? ((const rec_kind *)rt->arg)->wf : rt->arg;
      json_t *verbs = json_array();
      for (int k = 0; k < w->ntransitions; k++) {
        const wf_transition *t = &w->transitions[k];
        json_t *roles_a = json_array();
        for (int ro = 0; ro < ROLE__MAX; ro++)
          if (t->roles & RB(ro)) json_array_append_new(roles_a, json_string(roles[ro].name));
        json_array_append_new(verbs, json_pack("{s:s,s:s,s:s,s:s,s:o}", "verb", t->verb, "from",
                                               t->from, "to", t->to, "label", t->label, "roles",
                                               roles_a));
      }
      json_object_set_new(o, "verbs", verbs);
    }
    json_array_append_new(a, o);
  }
  return a;
}
