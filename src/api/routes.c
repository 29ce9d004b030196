/*
 * routes.c — the route table: every endpoint of the API once, with its handler, its
 * function-level action, flags and Chinese summary (`xunji routes`,
 * docs, the role x route matrix); api_route_table publishes it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/changelog.h"
#include "api/record.h"
#include "api/service.h"
#include "api/twofa.h"
#include "domain/reports/reports.h"
#include "core/workflow.h"
#include "sec/audit_detail.h"
#include "sec/crypto.h"
#include "util/config.h"
#include "util/text.h"
#include "util/xmem.h"
#include "util/mutant.h"


/* The acts repeat the kind's (C needs constants here); tests check they agree.
 * A record of the directory or the round plan: no history route of its own. */
#define PLAIN_ROUTES(path, k, label, la, wa)                                               \
  {"GET", "/api/v1/" path, h_rec_list, la, RF_RECORD | RF_CACHE, "列出" label, &k},                    \
  {"POST", "/api/v1/" path, h_rec_create, wa, RF_RECORD, "新建" label, &k},                 \
  {"GET", "/api/v1/" path "/{id}", h_rec_get, la, RF_RECORD | RF_CACHE, "查看" label, &k},             \
  {"PATCH", "/api/v1/" path "/{id}", h_rec_update, wa, RF_RECORD, "修改" label, &k}

#define RECORD_ROUTES(path, k, label, la, ca, ea)                                          \
  {"GET", "/api/v1/" path, h_rec_list, la, RF_RECORD | RF_CACHE, "列出" label, &k},                    \
  {"POST", "/api/v1/" path, h_rec_create, ca, RF_RECORD, "新建" label, &k},                 \
  {"GET", "/api/v1/" path "/{id}", h_rec_get, la, RF_RECORD | RF_CACHE, "查看" label, &k},             \
  {"PATCH", "/api/v1/" path "/{id}", h_rec_update, ea, RF_RECORD, "修改" label, &k},        \
  {"GET", "/api/v1/" path "/{id}/history", h_rec_history, la, RF_RECORD | RF_CACHE, label "流转记录", &k}

extern const struct file_owner fo_problem, fo_task;

const route routes[] = {
    {"GET", "/healthz", h_healthz, A_SELF, RF_PUBLIC, "健康检查", NULL},
    {"GET", "/metrics", h_metrics, A_SELF, RF_PUBLIC,
     "运行指标 (Prometheus 文本格式; 仅 metrics_networks 中的地址可访问, 其余为 404)", NULL},
    {"POST", "/api/v1/auth/login", h_login, A_SELF, RF_PUBLIC, "登录", NULL},
    {"POST", "/api/v1/auth/logout", h_logout, A_SELF, RF_MUST_CHANGE | RF_ENROL, "退出登录", NULL},
    {"POST", "/api/v1/auth/password", h_password, A_SELF, RF_MUST_CHANGE | RF_ENROL, "修改密码", NULL},
    {"GET", "/api/v1/me", h_me, A_SELF, RF_MUST_CHANGE | RF_ENROL, "当前用户", NULL},
    /* issue 18: second factor and one's own sessions (api/twofa.c) */
    {"GET", "/api/v1/me/2fa", h_2fa_status, A_SELF, RF_ENROL, "本人的双因素认证状态", NULL},
    {"POST", "/api/v1/me/2fa/enrol", h_2fa_enrol, A_SELF, RF_ENROL,
     "绑定动态口令: 返回密钥、otpauth 链接、二维码 (SVG) 与 10 个一次性恢复码 (只显示一次)", NULL},
    {"POST", "/api/v1/me/2fa/confirm", h_2fa_confirm, A_SELF, RF_ENROL,
     "输入动态口令确认绑定, 启用双因素认证", NULL},
    {"POST", "/api/v1/me/2fa/disable", h_2fa_disable, A_SELF, 0,
     "停用双因素认证 (须当前动态口令; 本人的 API 令牌随之吊销)", NULL},
    {"POST", "/api/v1/me/2fa/verify", h_2fa_verify, A_SELF, 0,
     "验证动态口令: 此后 step_up_minutes 分钟内可执行敏感操作", NULL},
    {"GET", "/api/v1/me/sessions", h_my_sessions, A_SELF, RF_ENROL, "本人的有效会话", NULL},
    {"DELETE", "/api/v1/me/sessions/{id}", h_my_session_end, A_SELF, RF_ENROL, "结束本人的一个会话",
     NULL},
    {"GET", "/api/v1/meta", h_meta, A_SELF, RF_CACHE, "角色、状态与流程定义", NULL},
    {"GET", "/api/v1/messages", h_messages, A_SELF, 0, "收件箱", NULL},
    {"POST", "/api/v1/messages/{id}/read", h_message_read, A_SELF, 0, "标记消息已读", NULL},
    {"GET", "/api/v1/users", h_users_list, A_USER_LIST, 0, "列出用户", NULL},
    {"POST", "/api/v1/users", h_users_create, A_USER_WRITE, 0, "新建用户", NULL},
    {"GET", "/api/v1/users/{id}", h_users_get, A_USER_LIST, 0, "查看用户", NULL},
    {"PATCH", "/api/v1/users/{id}", h_users_update, A_USER_WRITE, 0, "修改或停用用户", NULL},
    {"POST", "/api/v1/users/{id}/reset-password", h_users_reset, A_USER_WRITE, 0,
     "申请重置业务账号密码 (经安全管理员批准后由申请人领取一次性密码; 三员账号不可)", NULL},
    {"GET", "/api/v1/password-resets", h_resets_list, A_RESET_READ, 0, "密码重置申请", NULL},
    {"GET", "/api/v1/password-resets/{id}", h_reset_get, A_RESET_READ, 0, "查看密码重置申请", NULL},
    {"POST", "/api/v1/password-resets/{id}/approve", h_reset_approve, A_RESET_APPROVE, RF_2FA,
     "安全管理员批准密码重置 (立即注销该账号全部会话与令牌)", NULL},
    {"POST", "/api/v1/password-resets/{id}/reject", h_reset_reject, A_RESET_APPROVE, 0,
     "安全管理员驳回密码重置申请", NULL},
    {"POST", "/api/v1/password-resets/{id}/collect", h_reset_collect, A_USER_WRITE, 0,
     "申请人领取一次性密码 (仅一次)", NULL},
    {"GET", "/api/v1/security-settings", h_security_get, A_SECURITY_READ, 0, "安全设置", NULL},
    {"PATCH", "/api/v1/security-settings", h_security_update, A_SECURITY_WRITE, 0,
     "安全管理员修改安全设置 (留痕)", NULL},
    {"GET", "/api/v1/me/tokens", h_my_tokens, A_SELF, 0, "本人的 API 令牌 (不含令牌本身)", NULL},
    {"DELETE", "/api/v1/me/tokens/{id}", h_my_token_revoke, A_SELF, 0, "吊销本人的 API 令牌", NULL},
    {"GET", "/api/v1/users/{id}/tokens", h_user_tokens, A_USER_LIST, 0, "用户的 API 令牌", NULL},
    {"DELETE", "/api/v1/users/{id}/tokens/{id}", h_user_token_revoke, A_TOKEN_REVOKE, 0,
     "吊销用户的 API 令牌", NULL},
    {"GET", "/api/v1/users/{id}/roles", h_roles_list, A_USER_LIST, 0, "查看用户授权", NULL},
    {"POST", "/api/v1/users/{id}/roles", h_roles_grant, A_ROLE_GRANT, RF_2FA, "授予角色", NULL},
    {"DELETE", "/api/v1/users/{id}/roles/{id}", h_roles_revoke, A_ROLE_GRANT, RF_2FA, "撤销角色",
     NULL},
    {"GET", "/api/v1/grants", h_grants_list, A_ROLE_GRANT, 0,
     "已终止的授权 (?ended=true, 默认; ?ended=false: 设有截止日期的有效授权), 查询留痕", NULL},
    {"GET", "/api/v1/audit", h_audit_list, A_AUDIT_READ, 0, "查询审计日志", NULL},
    {"GET", "/api/v1/audit/export", h_audit_export, A_AUDIT_READ, RF_2FA,
     "导出一段日期的审计日志 (?from=&to=, 带 HMAC-SM3 签名, 可用 xunji audit verify-export 校验)",
     NULL},
    PLAIN_ROUTES("orgs", rk_org, "组织机构", A_ORG_LIST, A_ORG_WRITE),
    PLAIN_ROUTES("persons", rk_person, "人员", A_PERSON_LIST, A_PERSON_WRITE),
    PLAIN_ROUTES("rounds", rk_round, "巡察轮次", A_ROUND_LIST, A_ROUND_WRITE),
    PLAIN_ROUTES("teams", rk_team, "巡察组", A_TEAM_LIST, A_TEAM_WRITE),
    PLAIN_ROUTES("targets", rk_target, "巡察对象", A_TARGET_LIST, A_TARGET_WRITE),
    {"GET", "/api/v1/clues", h_rec_list, A_CLUE_LIST, RF_RECORD | RF_CACHE, "列出问题线索", &rk_clue},
    {"POST", "/api/v1/clues", h_rec_create, A_CLUE_CREATE, RF_RECORD, "登记问题线索 (草稿)", &rk_clue},
    {"GET", "/api/v1/clues/{id}", h_rec_get, A_CLUE_LIST, RF_RECORD | RF_REVEAL, "查看问题线索",
     &rk_clue},
    {"PATCH", "/api/v1/clues/{id}", h_rec_update, A_CLUE_EDIT, RF_RECORD, "修改草稿线索", &rk_clue},
    {"GET", "/api/v1/clues/{id}/history", h_rec_history, A_CLUE_LIST, RF_RECORD | RF_CACHE, "线索流转记录", &rk_clue},
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
    {"GET", "/api/v1/briefings", h_rec_list, A_BRIEFING_LIST, RF_RECORD | RF_CACHE,
     "巡前情况通报 (含逾期标记)", &rk_briefing},
    {"POST", "/api/v1/briefings/{id}/answer", h_briefing_answer, A_BRIEFING_ANSWER, 0,
     "报送巡前情况通报", NULL},
    {"GET", "/api/v1/petitions", h_rec_list, A_PETITION_LIST, RF_RECORD | RF_CACHE, "列出信访件", &rk_petition},
    {"POST", "/api/v1/petitions", h_rec_create, A_PETITION_CREATE, RF_RECORD,
     "登记信访件 (信访人身份加密保存)", &rk_petition},
    {"GET", "/api/v1/petitions/{id}", h_rec_get, A_PETITION_LIST, RF_RECORD | RF_REVEAL,
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
    {"GET", "/api/v1/problem-categories", h_categories_list, A_PROBLEM_LIST, RF_CACHE,
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
    {"GET", "/api/v1/notices", h_rec_list, A_NOTICE_LIST, RF_RECORD | RF_CACHE,
     "督查督办通知 (?open=true 为未办结)", &rk_notice},
    {"POST", "/api/v1/notices", h_rec_create, A_NOTICE_ISSUE, RF_RECORD,
     "下发督查督办通知 (提醒/督办/约谈)", &rk_notice},
    {"GET", "/api/v1/notices/{id}", h_rec_get, A_NOTICE_LIST, RF_RECORD | RF_CACHE, "查看督办通知", &rk_notice},
    {"GET", "/api/v1/notices/{id}/history", h_rec_history, A_NOTICE_LIST, RF_RECORD | RF_CACHE,
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
    {"GET", "/api/v1/outcomes", h_outcomes, A_SELF, RF_CACHE,
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
    {"GET", "/api/v1/stats", h_stats, A_STATS_READ, RF_CACHE,
     "统计: 全部指标 (可按轮次、专项、巡察组、单位、日期、层级筛选)", NULL},
    {"GET", "/api/v1/stats/measures", h_stats_measures, A_STATS_READ, RF_CACHE,
     "统计指标定义 (名称、单位、适用的筛选条件)", NULL},
    {"GET", "/api/v1/stats/{measure}/records", h_stats_records, A_STATS_READ, RF_CACHE,
     "统计穿透: 某项指标所统计的记录", NULL},
    {"GET", "/api/v1/stats/{measure}/groups", h_stats_groups, A_STATS_READ, RF_CACHE,
     "某项指标按巡察轮次、巡察组或被巡察单位分组的数值", NULL},
    {"GET", "/api/v1/stats/summary.pdf", h_summary_pdf, A_STATS_READ, RF_2FA,
     "汇总报告 PDF: 主要数字与统计图 (筛选同统计, 导出留痕)", NULL},
    {"GET", "/api/v1/stats/summary.xlsx", h_summary_xlsx, A_STATS_READ, RF_2FA,
     "汇总表 .xlsx: 统计指标与各项分布 (筛选同统计, 导出留痕)", NULL},
    /* issue 17: any list or drill-down as .xlsx, prints audited (domain/reports/listexport.c) */
    {"GET", "/api/v1/exports/records/{kind}", h_export_records, A_SELF, RF_2FA,
     "导出列表 (.xlsx, 与列表相同的查询条件与可见范围; 标题行、序号、冻结表头、导出人与时间水印)", NULL},
    {"GET", "/api/v1/exports/stats/{measure}", h_export_stats, A_STATS_READ, RF_2FA,
     "导出统计明细 (.xlsx, 与明细相同的筛选与可见范围)", NULL},
    {"GET", "/api/v1/search", h_search, A_SELF, 0,
     "查找记录: 按文号、登记号、问题编号、单位或人名, 在本人可查看的各类记录中 (按类分组)", NULL},
    {"POST", "/api/v1/prints", h_print_audit, A_SELF, 0,
     "登记一次打印 (记录或列表, 只记编号与筛选条件名), 返回水印的打印人与时间", NULL},
    {"GET", "/api/v1/ledgers", h_ledgers_list, A_LEDGER_EXPORT, 0, "可导出的台账", NULL},
    {"GET", "/api/v1/ledgers/{name}", h_ledger_export, A_LEDGER_EXPORT, RF_2FA,
     "导出台账 .xlsx (问题线索移交、问题、整改; 筛选同统计, 导出留痕)", NULL},
    {"GET", "/api/v1/documents", h_documents_list, A_DOC_LIST, 0, "已出具的公文 (函、通知)", NULL},
    {"POST", "/api/v1/documents", h_documents_issue, A_DOC_ISSUE, 0,
     "依据记录出具公文 (问题线索移交函、廉政审核函、提请协助函、反馈意见抄送函、整改督办通知; 编发文号并留痕)", NULL},
    {"GET", "/api/v1/documents/{id}", h_documents_get, A_DOC_LIST, 0, "查看公文", NULL},
    {"GET", "/api/v1/documents/{id}/pdf", h_documents_pdf, A_DOC_LIST, RF_2FA,
     "下载公文 PDF (GB/T 9704 版式, 下载留痕)", NULL},
};
const int nroutes = (int)(sizeof routes / sizeof *routes);

json_t *api_route_table(void) {
  json_t *a = json_array();
  for (int i = 0; i < nroutes; i++) {
    const route *rt = &routes[i];
    json_t *o = json_pack("{s:s,s:s,s:s,s:b,s:b,s:s}", "method", rt->method, "pattern",
                          rt->pattern, "action", action_names[rt->act], "public",
                          (rt->flags & RF_PUBLIC) != 0, "must_change_ok",
                          (rt->flags & RF_MUST_CHANGE) != 0, "summary", rt->summary);
    if (rt->flags & RF_2FA) json_object_set_new(o, "second_factor", json_true());
    if (rt->flags & RF_CACHE) json_object_set_new(o, "answer_cache", json_true());
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
