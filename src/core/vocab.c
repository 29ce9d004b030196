/*
 * vocab.c — labels of the enumeration codes (see vocab.h).
 */
#include "core/vocab.h"

#include <stdlib.h>
#include <string.h>

#include "core/outcomes.h"

typedef struct vocab_entry {
  const char *kind; /* NULL: any kind with this field */
  const char *field;
  const char *code;
  const char *label;
} vocab_entry;

static const vocab_entry table[] = {
    /* organisations */
    {"org", "kind", "committee", "党委"},
    {"org", "kind", "leading_group", "巡察工作领导小组"},
    {"org", "kind", "inspection_office", "巡察办"},
    {"org", "kind", "patrol_group", "巡察组"},
    {"org", "kind", "commission", "纪委监委"},
    {"org", "kind", "commission_dept", "纪委监委内设部门"},
    {"org", "kind", "dispatched_group", "派驻纪检监察组"},
    {"org", "kind", "organization_dept", "组织部"},
    {"org", "kind", "unit", "被巡察单位"},
    {"org", "kind", "audit_bureau", "审计局"},
    {"org", "level", "city", "市直"},
    {"org", "level", "township", "乡镇"},
    {"org", "level", "village", "村(社区)"},
    {"org", "code", "conduct", "党风政风监督室"},
    {"org", "code", "case_mgmt", "案件监督管理室"},
    {"org", "code", "petitions", "信访室"},
    {"org", "code", "supervision", "监督检查室"},
    {"org", "code", "investigation", "审查调查室"},
    {"org", "code", "verification", "核查组"},
    {"org", "code", "cadre", "纪委组织部"},
    /* rounds */
    {"round", "kind", "regular", "常规巡察"},
    {"round", "kind", "special", "专项巡察"},
    {"round", "kind", "mobile", "机动巡察"},
    {"round", "kind", "elevated", "提级巡察"},
    {"round", "kind", "cross", "交叉巡察"},
    {"round", "kind", "follow_up", "巡察“回头看”"},
    {"round", "kind", "village", "村(社区)巡察"},
    {"round", "kind", "linked", "联动巡察"},
    /* clues */
    {"clue", "source", "interview", "个别谈话"},
    {"clue", "source", "records", "查阅资料"},
    {"clue", "source", "field_visit", "实地走访"},
    {"clue", "source", "petition", "信访举报"},
    {"clue", "source", "other", "其他"},
    {"clue", "handover_mode", "during_patrol", "边巡边交"},
    {"clue", "handover_mode", "after_patrol", "巡后移交"},
    {"clue", "method", "talk_inquiry", "谈话函询"},
    {"clue", "method", "preliminary_verification", "初步核实"},
    {"clue", "method", "pending", "暂存待查"},
    {"clue", "method", "closed_out", "予以了结"},
    {"clue", "result", "case_filed", "立案"},
    {"clue", "result", "no_case", "不予立案"},
    {"clue", "result", "closed_out", "予以了结"},
    /* petitions */
    {"petition", "channel", "letter", "来信"},
    {"petition", "channel", "visit", "来访"},
    {"petition", "channel", "phone", "来电"},
    {"petition", "channel", "online", "网络"},
    {"petition", "channel", "qr_code", "码上巡"},
    /* briefings (no workflow: its two states are labelled here) */
    {"briefing", "source", "dispatched_group", "派驻纪检监察组"},
    {"briefing", "source", "petitions", "信访室"},
    {"briefing", "source", "case_mgmt", "案管室"},
    {"briefing", "source", "conduct", "党风政风监督室"},
    {"briefing", "source", "organization_dept", "组织部"},
    {"briefing", "source", "audit_bureau", "审计局"},
    {"briefing", "state", "pending", "待报送"},
    {"briefing", "state", "answered", "已报送"},
    /* problems */
    {"problem", "found_by", "interview", "个别谈话"},
    {"problem", "found_by", "records", "调阅资料"},
    {"problem", "found_by", "field_visit", "下沉了解"},
    {"problem", "found_by", "petition", "信访件"},
    {"problem", "found_by", "other", "其他"},
    /* supervision notices */
    {"notice", "level", "reminder", "提醒"},
    {"notice", "level", "supervise", "督办"},
    {"notice", "level", "interview", "约谈"},
    /* accountability */
    {"accountability", "subject_kind", "person", "个人"},
    {"accountability", "subject_kind", "organization", "党组织"},
    {"accountability", "subject_kind", "leader", "领导干部"},
    {"accountability", "leader_role", "principal", "主要领导"},
    {"accountability", "leader_role", "supervising", "分管领导"},
    /* member replacements */
    {"replacement", "origin", "seconded", "抽调"},
    {"replacement", "origin", "commission", "派员参与"},
};

const char *vocab_label(const char *kind, const char *field, const char *const *values,
                        const workflow *wf, const char *code) {
  if (!field || !code) return NULL;
  if (wf && !strcmp(field, "state") && wf_state_index(wf, code) >= 0)
    return wf_state_label(wf, code);
  if (values == outcome_codes || values == handling_codes) return handling_label(code);
  if (!strcmp(field, "form") && code[0] >= '1' && code[0] <= '4' && !code[1])
    return form_label(code[0] - '0');
  const char *any = NULL;
  for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
    const vocab_entry *e = &table[i];
    if (strcmp(e->field, field) || strcmp(e->code, code)) continue;
    if (kind && e->kind && !strcmp(e->kind, kind)) return e->label;
    if (!any) any = e->label;
  }
  return kind ? NULL : any;
}
