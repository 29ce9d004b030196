// records.js — one descriptor per record type: where its API lives, its list
// columns and filters, what a record page shows, the forms of its create/edit
// and of each lifecycle verb, and its sections on role home pages. The pages
// (ListPage, RecordPage, HomePage) are generic; adding a record type is adding
// a descriptor here. Which buttons appear is decided by the server: menu
// entries by the user's `actions` (GET /api/v1/me), lifecycle buttons by the
// record's `allowed_actions`; nothing here repeats the policy.
import { fmtTime, fmtBool, fmtYuan, optLabel, opts } from './format.js'
import { nameOf } from './names.js'
import { session, roleLabel } from './session.js'
import { outcomeOf, vocabOf, declared, can, labelOf, wordValue, actionLabel } from './meta.js'
import { keepReceipt, REVEAL_STATES, revealStateLabel } from './reveal.js'

// ---- vocabularies -----------------------------------------------------------
// The server's enumerations come with their Chinese labels from GET /api/v1/meta
// (read when a form, filter or column shows them); only the vocabularies of
// screens the server does not yet declare as record kinds stay here.
export const V = {
  clueSource: vocabOf('clue', 'source'),
  handoverMode: vocabOf('clue', 'handover_mode'),
  disposal: vocabOf('clue', 'method'),
  result: vocabOf('clue', 'result'),
  roundKind: vocabOf('round', 'kind'),
  orgKind: vocabOf('org', 'kind'),
  level: vocabOf('org', 'level'),
  channel: vocabOf('petition', 'channel'),
  briefingSource: vocabOf('briefing', 'source'),
  briefingState: vocabOf('briefing', 'state'),
  foundBy: vocabOf('problem', 'found_by'),
  noticeLevel: vocabOf('notice', 'level'),
  subjectKind: vocabOf('accountability', 'subject_kind'),
  leaderRole: vocabOf('accountability', 'leader_role'),
  form: vocabOf('accountability', 'form'),
  origin: vocabOf('replacement', 'origin'),
  // not (yet) declared kinds: vettings, team members, cadre movements, audit, institutions, letters
  vetting: opts({ pending: '待答复', clear: '无异议', objection: '有异议' }),
  vettingAnswer: opts({ clear: '无异议', objection: '有异议' }),
  memberRole: opts({ leader: '组长', deputy: '副组长', commissioner: '巡察专员', member: '组员', liaison: '联络员' }),
  movement: opts({ commission_to_patrol: '纪检监察干部→巡察岗位', patrol_to_commission: '巡察干部→纪委监委岗位', patrol_to_grassroots: '巡察干部→基层纪委' }),
  auditResult: opts({ ok: '成功', denied: '拒绝', failed: '失败' }),
  instKind: opts({ new: '新建', revised: '修订' }),
  docKind: opts({ clue_handover: '问题线索移交函', vetting_request: '廉政审核函', assistance_request: '提请协助函', feedback_copy: '反馈意见抄送函', rect_notice: '整改督办通知' }),
  tags: ['财务', '审计', '法律', '纪检', '工程', '农业', '组织人事', '信访', '教育', '医疗卫生', '信息技术', '文字综合'],
}

// ---- field helpers ----------------------------------------------------------
const text = (key, label, max, extra = {}) => ({ key, label, type: 'text', max, ...extra })
const memo = (key, label, max = 2000, extra = {}) => ({ key, label, type: 'textarea', max, ...extra })
const date = (key, label, extra = {}) => ({ key, label, type: 'date', ...extra })
const select = (key, label, options, extra = {}) => ({ key, label, type: 'select', options, ...extra })
const ref = (key, label, kind, extra = {}) => ({ key, label, type: 'ref', kind, ...extra })
const req = { required: true }
const note = memo('note', '意见', 2000)
const money = (key, label) => text(key, label, 20, { placeholder: '如 386000.00 (元, 最多两位小数)' })
// whether the record says its page may offer an act (the server's "can", decided on that row)
const canOn = (action) => (r) => can(action, r)
// a reveal request the signed-in user may decide: pending, for a role they hold, not their own
const mayDecideReveal = (r) =>
  r.state === 'pending' && r.requester !== session.user?.id && (session.user?.roles || []).some((g) => g.role === r.approver_role)

// ---- the outcome table (GET /api/v1/outcomes): codes, labels and the four forms -------
const outcomeOptions = () => (session.meta?.outcomes || []).map((o) => ({ value: o.code, label: `${o.label} (${o.kind_label}${o.form ? ' · ' + o.form_label : ''})` }))
const handlingOptions = () => (session.meta?.handling || []).map((o) => ({ value: o.code, label: o.form ? `${o.label} (${o.form_label})` : o.label }))
// the form the server will derive from the chosen code, shown read-only (never sent)
const derivedForm = (key = 'outcome') => ({
  key: `${key}_form`, label: '四种形态 (自动认定)', type: 'derived',
  text: (m) => {
    const o = outcomeOf(m[key])
    if (!o) return ''
    if (m.criminal && o.criminal_ok) return '第四种形态'
    return o.form ? o.form_label : '不计入四种形态'
  },
})
const criminalOk = (m) => !!outcomeOf(m.outcome)?.criminal_ok
// an accountability record's decision: as created (verb undefined) or decided (verb 'decide')
const acctField = (name, extra = {}) => declared('accountability', name, extra)
const decisionFields = (verb) => [
  acctField('outcome', { verb, options: outcomeOptions }), derivedForm(),
  acctField('criminal', { verb, hideWhen: (m) => !criminalOk(m) }),
  acctField('authority', { verb }), acctField('decided_on', { verb }),
  acctField('funds_recovered', { verb }), acctField('funds_returned', { verb }), acctField('losses_recovered', { verb }),
]
// partial: an edit (PATCH) sends what changed
const acctSubjectFields = (partial = false) => [
  acctField('subject_kind', { partial }), acctField('subject_name', { partial }), acctField('subject_post'),
  acctField('leader_role', { hideWhen: (m) => m.subject_kind !== 'leader' }),
]
// 追责问责 opened from a problem's or a clue's page (the record takes its target from it)
const acctTool = (link) => ({
  label: '追责问责', action: 'accountability.write', when: canOn('accountability.write'), path: () => '/accountability',
  body: (r, b) => ({ ...b, [link]: r.id }), open: (d) => `/r/accountability/${d.id}`,
  fields: [...acctSubjectFields(), ...decisionFields(), acctField('note')],
})
// 提请协助 opened from a target's, a problem's or a clue's page
const assistTool = (body, when) => ({
  label: '提请协助', action: 'assistance.write', when, path: () => '/assistance', body, open: (d) => `/r/assistance/${d.id}`,
  fields: [declared('assistance', 'need', { placeholder: '如: 查询会计刘某个人银行账户2018年以来的流水' }), declared('assistance', 'reason')],
})
// a formal letter (公文) issued from a record: the server numbers and audits it
const letterTool = (label, kind, when) => ({
  label, action: 'document.issue', when, path: () => '/documents', body: (r) => ({ kind, object_id: r.id }), open: (d) => `/r/documents/${d.id}`,
})
// the deadline state of a record in colour (deadline.js); its key is the deadline field
const dueCol = (spec, label = '时限状态') => ({ key: `_due_${spec.field}`, label, deadline: spec, width: 120 })
// every kind answers its own deadline state (deadline_due, days_left, warning)
const TASK_DUE = { field: 'deadline' }
const BRIEFING_DUE = { field: 'due_date' }
const NOTICE_DUE = { field: 'due_date' }
const CLUE_DUE = { field: 'deadline_due' } // registration, then the report back
const ASSIST_DUE = { field: 'deadline_due' }
const days = (key, label) => ({ key, label, format: (v) => (v === null || v === undefined ? '' : `${v} 天`) })

// column helpers. A label is the descriptor's own wording (a string, for
// columns the server derives or words differently) or from(kind): the label
// the server declares for that field or drill-down column of kind (meta).
// A from(kind) column without a format of its own shows its value as the
// declaration words it (flags 是/否, money in 元, codes as labels).
const from = (kind) => Object.assign((key) => labelOf(kind, key) || key, { kind })
const withLabel = (o, label) => {
  if (typeof label !== 'function') return Object.assign(o, { label })
  if (label.kind && !o.format && !o.stateOf && !o.text) o.format = (v) => wordValue(label.kind, o.key, v)
  return Object.defineProperty(o, 'label', { get: () => label(o.key), enumerable: true, configurable: true })
}
// a filter or column object whose label is the server's (declared field of kind)
const labelled = (kind, o) => withLabel(o, from(kind))
const col = (key, label, extra = {}) => withLabel({ key, ...extra }, label)
const timeCol = (key, label) => withLabel({ key, sortable: true, format: fmtTime, width: 150 }, label)
// a column of a record's id shown by name: the name the row carries (extra.name,
// e.g. team_name, for users who may read the record but not the team) or else
// the name looked up where the user may list that kind
const refCol = (key, label, kind, extra = {}) => withLabel({ key, format: (v, r) => (extra.name && r && r[extra.name]) || nameOf(kind, v), ...extra }, label)
const optCol = (key, label, options, extra = {}) => withLabel({ key, format: optLabel(options), ...extra }, label)
// a record page field linking to another record (its id in idKey)
const linkCol = (key, label, type, idKey) => ({ key, label, link: (v, r) => (r[idKey] ? `/r/${type}/${r[idKey]}` : null) })

export const records = {
  rounds: {
    label: '巡察轮次',
    api: '/rounds',
    workflow: 'round',
    // the office's vetting request names the round; 纪委组织部 answers it on 廉政审核
    messageLinks: { vetting: (m) => ({ path: '/r/vettings', query: { round_id: m.object_id, state: 'pending' } }) },
    menu: { group: 'plan', action: 'round.list' },
    title: (r) => r.name,
    defaultSort: '-created_at',
    columns: [
      col('name', from('round'), { link: true, sortable: true, width: 200 }),
      optCol('kind', '类型', V.roundKind),
      col('theme', from('round'), { width: 220 }),
      col('planned_start', '计划开始', { sortable: true }),
      col('planned_end', '计划结束', { sortable: true }),
      col('state', from('round'), { stateOf: 'round', tag: true }),
    ],
    filters: [labelled('round', { key: 'q' }), labelled('round', { key: 'state', type: 'state' }), { key: 'kind', label: '类型', type: 'select', options: V.roundKind }],
    detail: [
      col('name', from('round')), col('term', from('round')), col('seq', '轮次'), optCol('kind', '类型', V.roundKind),
      col('theme', from('round')), col('campaign', '联动专项治理'), col('planned_start', '计划开始'), col('planned_end', '计划结束'),
      timeCol('created_at', '创建时间'), timeCol('updated_at', '更新时间'),
    ],
    create: {
      action: 'round.write',
      label: '新建巡察轮次',
      fields: [
        declared('round', 'name'), declared('round', 'term'),
        declared('round', 'seq', { label: '轮次' }),
        declared('round', 'kind'), declared('round', 'theme'), declared('round', 'campaign'),
        declared('round', 'planned_start'), declared('round', 'planned_end'),
      ],
    },
    edit: { action: 'round.write', fields: null /* = create fields */ },
    verbs: {},
    panels: ['RoundPanel'],
    recordTools: [
      letterTool('出具廉政审核函', 'vetting_request'),
    ],
    home: [
      { action: 'round.write', title: '巡察轮次 (进行中与计划中)', query: { sort: '-created_at' } },
      { action: 'round.approve', title: '待批准的巡察计划', query: { state: 'planned' }, pending: true },
    ],
  },

  teams: {
    label: '巡察组',
    api: '/teams',
    kind: 'team',
    menu: { group: 'plan', action: 'team.list' },
    title: (r) => r.name,
    defaultSort: 'name',
    columns: [col('name', '巡察组', { link: true, sortable: true }), refCol('round_id', from('team'), 'round'), refCol('group_id', '常设巡察组', 'org')],
    filters: [{ key: 'round_id', label: '轮次', type: 'ref', kind: 'round' }],
    detail: [col('name', '巡察组'), refCol('round_id', from('team'), 'round'), refCol('group_id', '常设巡察组', 'org'), timeCol('created_at', '创建时间')],
    create: {
      action: 'team.write',
      label: '新建巡察组',
      fields: [declared('team', 'round_id', { kind: 'round' }), declared('team', 'group_id', { label: '常设巡察组', kind: 'org', query: { kind: 'patrol_group' } }), declared('team', 'name', { label: '名称' })],
    },
    edit: { action: 'team.write', fields: [declared('team', 'group_id', { label: '常设巡察组', kind: 'org', query: { kind: 'patrol_group' } }), declared('team', 'name', { label: '名称', partial: true })] },
    panels: ['TeamPanel'],
  },

  targets: {
    label: '巡察对象',
    api: '/targets',
    kind: 'target',
    alsoKinds: ['rectification'], // the target's rectification (its report's deadline reminders) is on its page
    menu: { group: 'plan', action: 'target.list' },
    title: (r) => r.unit_name || nameOf('org', r.unit_id),
    defaultSort: '-created_at',
    columns: [
      refCol('unit_id', from('target'), 'org', { link: true, width: 200, name: 'unit_name' }), refCol('team_id', from('target'), 'team', { name: 'team_name' }),
      col('entry_date', '进驻', { sortable: true }), col('withdrawal_date', '撤离', { sortable: true }),
      col('report_date', '汇报'), col('feedback_date', '反馈'),
    ],
    filters: [labelled('target', { key: 'team_id', type: 'ref', kind: 'team' }), { key: 'round_id', label: '轮次', type: 'ref', kind: 'round' }],
    detail: [
      refCol('unit_id', from('target'), 'org', { name: 'unit_name' }), refCol('team_id', from('target'), 'team', { name: 'team_name' }), refCol('round_id', from('target'), 'round', { name: 'round_name' }),
      col('mobilization_date', '动员'), col('entry_date', '进驻'), col('withdrawal_date', '撤离'), col('report_date', '汇报'), col('feedback_date', '反馈'),
    ],
    create: {
      action: 'target.write',
      label: '新增巡察对象',
      fields: [
        declared('target', 'team_id', { kind: 'team' }), declared('target', 'unit_id', { kind: 'org', query: { kind: 'unit' } }),
        declared('target', 'mobilization_date'), declared('target', 'entry_date'), declared('target', 'withdrawal_date'),
        declared('target', 'report_date'), declared('target', 'feedback_date'),
      ],
    },
    edit: {
      action: 'target.write',
      fields: [declared('target', 'mobilization_date'), declared('target', 'entry_date'), declared('target', 'withdrawal_date'), declared('target', 'report_date'), declared('target', 'feedback_date')],
    },
    panels: ['TargetPanel'],
    recordTools: [assistTool((r, b) => ({ ...b, target_id: r.id }))],
    related: [{ type: 'assistance', title: '提请协助事项', query: (r) => ({ target_id: r.id }) }],
    home: [
      { action: 'clue.create', title: '本组巡察对象' },
      { action: 'target.list', notAction: 'round.list', title: '本单位巡察对象' },
    ],
  },

  clues: {
    label: '问题线索',
    api: '/clues',
    workflow: 'clue',
    menu: { group: 'clue', action: 'clue.read' },
    title: (r) => r.title,
    deadline: CLUE_DUE,
    defaultSort: '-created_at',
    columns: [
      col('title', from('clue'), { link: true, sortable: true, width: 220 }), col('unit_name', '被巡察单位', { width: 180 }),
      col('subject_name', from('clue')), col('team_name', from('clue')), col('state', from('clue'), { stateOf: 'clue', tag: true }),
      optCol('handover_mode', from('clue'), V.handoverMode), col('handover_docno', from('clue')), dueCol(CLUE_DUE), timeCol('created_at', '登记时间'),
    ],
    filters: [
      { key: 'q', label: '标题/被反映人' }, labelled('clue', { key: 'state', type: 'state' }),
      labelled('clue', { key: 'handover_mode', type: 'select', options: V.handoverMode }),
    ],
    detail: [
      col('title', from('clue')), col('unit_name', '被巡察单位'), col('team_name', from('clue')), col('subject_name', from('clue')),
      col('subject_post', '职务'), optCol('source', '来源', V.clueSource), col('discovered_on', from('clue')), col('withdrawal_date', '撤离日期'),
      col('verify_note', '核实意见'), timeCol('verified_at', '核实时间'), optCol('handover_mode', from('clue'), V.handoverMode),
      col('handover_docno', from('clue')), timeCol('handover_at', from('clue')), col('registry_no', from('clue')), timeCol('registered_at', from('clue')),
      optCol('disposal_method', from('clue'), V.disposal), refCol('disposal_dept_id', '承办部门', 'org'), timeCol('disposed_at', from('clue')),
      optCol('result', from('clue'), V.result), col('result_note', '结果说明'), timeCol('concluded_at', from('clue')),
      col('case_filed_on', '立案日期'), col('detention_on', '留置日期'), col('prosecution_on', '移送审查起诉日期'), col('outcome_authority', '决定机关'),
      days('days_discovery_to_handover', '发现至移交'), days('days_handover_to_registration', '移交至登记'),
      { ...days('days_handover_to_disposal', '移交至处置'), always: true, format: (v) => (v === null || v === undefined ? '尚未处置' : `${v} 天`) },
      days('days_handover_to_conclusion', '移交至办结'),
    ],
    secret: { key: 'allegation', label: '反映的主要问题 (加密保存, 查看留痕)' },
    create: {
      action: 'clue.create',
      label: '登记问题线索',
      fields: [
        declared('clue', 'target_id', { label: '被巡察单位', kind: 'target' }), declared('clue', 'title'), declared('clue', 'subject_name'),
        declared('clue', 'subject_post', { label: '职务' }), declared('clue', 'source', { label: '来源' }), declared('clue', 'discovered_on'),
        declared('clue', 'allegation', { rows: 6 }),
      ],
    },
    edit: {
      when: (r) => r.can_edit,
      fields: [
        declared('clue', 'title', { partial: true }), declared('clue', 'subject_name', { partial: true }), declared('clue', 'subject_post', { label: '职务' }),
        declared('clue', 'source', { label: '来源', partial: true }), declared('clue', 'discovered_on', { partial: true }), declared('clue', 'allegation', { partial: true, rows: 6 }),
      ],
    },
    verbs: {
      dispose: [declared('clue', 'method', { verb: 'dispose' }), declared('clue', 'dept_id', { kind: 'org', verb: 'dispose', query: { kind: 'commission_dept' } }), note],
      conclude: [declared('clue', 'result', { verb: 'conclude' }), note],
    },
    history: true,
    recordTools: [
      letterTool('出具移交函', 'clue_handover', (r) => !!r.handover_docno),
      {
        label: '登记立案/留置/移送', action: 'clue.outcome', when: canOn('clue.outcome'), path: (r) => `/clues/${r.id}/outcome`,
        initial: (r) => ({ case_filed_on: r.case_filed_on, detention_on: r.detention_on, prosecution_on: r.prosecution_on, authority: r.outcome_authority }),
        fields: ['case_filed_on', 'detention_on', 'prosecution_on', 'authority'].map((n) => declared('clue', n, { verb: 'outcome' })),
      },
      assistTool((r, b) => ({ ...b, target_id: r.target_id, clue_id: r.id }), canOn('assistance.write')),
      acctTool('clue_id'),
    ],
    related: [
      { type: 'assistance', title: '提请协助事项', query: (r) => ({ clue_id: r.id }) },
      { type: 'accountability', title: '追责问责', query: (r) => ({ clue_id: r.id }) },
    ],
    home: [
      { action: 'clue.handover', title: '待移交的问题线索', query: { state: 'verified' }, pending: true },
      { action: 'clue.register', title: '待登记的问题线索', query: { state: 'handed_over' }, pending: true },
      { action: 'clue.dispose', title: '待处置的问题线索', query: { state: 'registered' }, pending: true },
      { action: 'clue.conclude', title: '处置中的问题线索', query: { state: 'disposing' } },
      { action: 'clue.verify', title: '待核实的问题线索', query: { state: 'draft' }, pending: true },
      { action: 'clue.create', notAction: 'clue.verify', title: '本组问题线索' },
    ],
  },

  petitions: {
    label: '信访件',
    api: '/petitions',
    workflow: 'petition',
    menu: { group: 'clue', action: 'petition.read' },
    title: (r) => `${optLabel(V.channel)(r.channel)} ${r.received_on || ''}`,
    defaultSort: '-created_at',
    columns: [
      col('summary', '内容摘要', { link: true, width: 260 }), optCol('channel', '渠道', V.channel), col('received_on', from('petition'), { sortable: true }),
      refCol('target_id', '被巡察单位', 'target'), col('state', from('petition'), { stateOf: 'petition', tag: true }),
    ],
    filters: [labelled('petition', { key: 'state', type: 'state' }), { key: 'channel', label: '渠道', type: 'select', options: V.channel }],
    detail: [
      col('summary', '内容摘要'), optCol('channel', '渠道', V.channel), col('received_on', from('petition')), refCol('target_id', '被巡察单位', 'target'),
      labelled('petition', { key: 'anonymous', format: fmtBool }), { key: 'reporter_sealed', label: '信访人身份已加密', format: fmtBool },
      { key: 'clue_id', label: '转成的线索', link: (v) => v && `/r/clues/${v}`, format: (v) => (v ? '查看线索' : '') },
      col('note', '说明'), col('reason', from('petition')), timeCol('created_at', '登记时间'),
    ],
    // 举报人保护: the sealed identity, the requests to see it and the anonymous receipt
    panels: ['RevealPanel'],
    create: {
      action: 'petition.create',
      label: '登记信访件',
      after: keepReceipt, // an anonymous petition's receipt, shown once on its record page
      fields: [
        declared('petition', 'target_id', { label: '被巡察单位', kind: 'target' }), declared('petition', 'channel', { label: '渠道' }), declared('petition', 'received_on'),
        declared('petition', 'summary', { label: '内容摘要' }), declared('petition', 'anonymous'),
        declared('petition', 'reporter_name', { hideWhen: (m) => m.anonymous }), declared('petition', 'reporter_contact', { hideWhen: (m) => m.anonymous }),
      ],
    },
    verbs: {
      to_clue: [declared('petition', 'title', { verb: 'to_clue' }), declared('petition', 'subject_name', { verb: 'to_clue' }), declared('petition', 'subject_post', { label: '职务', verb: 'to_clue' }), declared('petition', 'allegation', { verb: 'to_clue' }), note],
      transfer: [declared('petition', 'note', { verb: 'transfer' })],
      close: [declared('petition', 'reason', { verb: 'close' })],
    },
    home: [{ action: 'petition.triage', title: '待分办的信访件', query: { state: 'received' }, pending: true }],
  },

  // 举报人保护 (issue 18): requests to see a petition's reporter. The approver
  // (the role reveal_approver names) sees all, everyone else their own; a row
  // opens its petition. 批准 / 驳回 are offered to the approver role of the
  // request only, never to its requester (the server refuses both anyway).
  revealRequests: {
    label: '查看信访人身份申请',
    api: '/reveal-requests',
    kind: 'reveal_request',
    menu: { group: 'clue', action: 'reveal.approve' },
    defaultSort: null,
    rowLink: (r) => `/r/petitions/${r.object_id}`,
    columns: [
      { key: 'object_id', label: '信访件', link: true, format: () => '查看信访件' },
      col('requester_name', '申请人'), col('reason', '查看理由', { width: 240 }),
      { key: 'state', label: '状态', format: revealStateLabel }, timeCol('created_at', '申请时间'),
      col('decision_note', '审批意见'),
    ],
    filters: [{ key: 'state', label: '状态', type: 'select', options: REVEAL_STATES }],
    rowActions: [
      { label: '批准', action: 'reveal.approve', when: mayDecideReveal, path: (r) => `/reveal-requests/${r.id}/approve`, fields: [memo('note', '意见', 2000)] },
      { label: '驳回', action: 'reveal.approve', when: mayDecideReveal, path: (r) => `/reveal-requests/${r.id}/reject`, fields: [memo('note', '意见', 2000, req)] },
    ],
    messageLinks: { reveal_request: () => '/r/revealRequests?state=pending' },
    userMessageLinks: { reveal_approved: () => '/r/revealRequests?state=approved', reveal_rejected: () => '/r/revealRequests?state=rejected' },
    home: [{ action: 'reveal.approve', title: '待批准的查看信访人身份申请', query: { state: 'pending' }, pending: true, cols: ['object_id', 'requester_name', 'reason', 'created_at'] }],
  },

  vettings: {
    label: '廉政审核',
    api: '/vettings',
    kind: 'vetting',
    menu: { group: 'plan', action: 'vetting.list' },
    noDetail: true,
    defaultSort: null,
    columns: [
      refCol('person_id', '人员', 'person', { text: (r) => r.person_name }), col('team_name', '巡察组'), col('round_name', '巡察轮次', { width: 180 }),
      optCol('state', '审核意见', V.vetting, { tag: true }), col('reason', '理由'), timeCol('requested_at', '提请时间'), timeCol('answered_at', '答复时间'),
    ],
    filters: [{ key: 'state', label: '状态', type: 'select', options: V.vetting }, { key: 'round_id', label: '轮次', type: 'ref', kind: 'round' }],
    rowActions: [
      {
        label: '答复', action: 'vetting.answer', when: (r) => r.state === 'pending',
        path: (r) => `/vettings/${r.id}/answer`,
        fields: [select('result', '审核意见', V.vettingAnswer, req), memo('reason', '理由 (有异议时必填)', 2000)],
      },
    ],
    home: [{ action: 'vetting.answer', title: '待答复的廉政审核', query: { state: 'pending' }, pending: true }],
  },

  briefings: {
    label: '巡前情况通报',
    api: '/briefings',
    kind: 'briefing',
    menu: { group: 'plan', action: 'briefing.list' },
    noDetail: true,
    deadline: BRIEFING_DUE,
    defaultSort: null,
    columns: [
      refCol('target_id', '被巡察单位', 'target', { width: 180 }), col('source_label', '通报来源'), col('due_date', from('briefing')),
      optCol('state', from('briefing'), V.briefingState, { tag: true }), dueCol(BRIEFING_DUE),
      col('answer', from('briefing'), { width: 240 }), timeCol('answered_at', '报送时间'),
    ],
    filters: [
      labelled('briefing', { key: 'state', type: 'select', options: V.briefingState }), labelled('briefing', { key: 'source', type: 'select', options: V.briefingSource }),
      { key: 'overdue', label: '只看逾期', type: 'select', options: [{ value: '1', label: '是' }] },
    ],
    rowActions: [
      {
        label: '报送', action: 'briefing.answer', when: (r) => r.state === 'pending',
        path: (r) => `/briefings/${r.id}/answer`,
        fields: [
          declared('briefing', 'answer', { verb: 'answer', rows: 5 }),
          ...['petitions_3y', 'clues_on_hand', 'cases', 'audit_findings'].map((n) => declared('briefing', n, { verb: 'answer' })),
        ],
      },
    ],
    home: [
      { action: 'briefing.answer', notAction: 'round.write', title: '待报送的巡前情况通报', query: { state: 'pending' }, pending: true },
      { action: 'briefing.request', title: '逾期未报的巡前情况通报', query: { overdue: '1' } },
      { action: 'clue.create', title: '本组巡前情况通报' },
    ],
  },

  problems: {
    label: '问题清单',
    api: '/problems',
    workflow: 'problem',
    menu: { group: 'rect', action: 'problem.read' },
    title: (r) => r.title,
    defaultSort: '-created_at',
    columns: [
      col('seq_no', '编号', { sortable: true }), col('title', '问题', { link: true, width: 220 }), col('unit_name', '被巡察单位', { width: 170 }),
      col('category_name', '问题类别'), col('amount', '金额 (元)', { format: fmtYuan }), col('state', from('problem'), { stateOf: 'problem', tag: true }), col('found_on', from('problem'), { sortable: true }),
    ],
    filters: [{ key: 'q', label: '标题' }, labelled('problem', { key: 'state', type: 'state' }), { key: 'open', label: '未销号', type: 'select', options: [{ value: 'true', label: '是' }] }],
    detail: [
      col('seq_no', '编号'), col('title', '问题'), col('unit_name', '被巡察单位'), col('team_name', from('problem')), col('area_name', '领域'), col('category_name', '问题类别'),
      col('description', from('problem')), col('amount', from('problem')), col('people', from('problem')), optCol('found_by', from('problem'), V.foundBy), col('found_on', from('problem')),
      labelled('problem', { key: 'immediate_fix', format: fmtBool }), { key: 'inaction', label: '不作为慢作为', format: fmtBool },
      col('task_count', '整改任务数'), col('tasks_signed_off', '已销号任务'), col('rectify_note', '整改情况'), col('reopen_reason', '重新整改原因'),
      timeCol('confirmed_at', '确认时间'), timeCol('fed_back_at', '反馈时间'), timeCol('rectified_at', '完成整改'), timeCol('signed_off_at', from('problem')),
    ],
    create: {
      action: 'problem.create',
      label: '登记发现问题',
      fields: [
        declared('problem', 'target_id', { label: '被巡察单位', kind: 'target' }), declared('problem', 'category_id', { kind: 'category' }), declared('problem', 'title', { label: '问题' }),
        declared('problem', 'description', { rows: 5 }), declared('problem', 'amount', { placeholder: '如 1234.56' }), declared('problem', 'people'),
        declared('problem', 'found_by'), declared('problem', 'found_on'),
        { key: 'immediate_fix', label: '立行立改', type: 'bool' }, { key: 'inaction', label: '不作为慢作为', type: 'bool' },
      ],
    },
    edit: { when: (r) => r.editable, fields: null },
    verbs: { complete: [declared('problem', 'note', { verb: 'complete' })], reopen: [declared('problem', 'reason', { verb: 'reopen' })] },
    history: true,
    // the evidence is part of the working papers: shown to those the record says may read them
    files: { title: '佐证材料', when: canOn('problem.papers') },
    recordTools: [assistTool((r, b) => ({ ...b, target_id: r.target_id, problem_id: r.id }), canOn('assistance.write')), acctTool('problem_id')],
    related: [
      { type: 'assistance', title: '提请协助事项', query: (r) => ({ problem_id: r.id }) },
      { type: 'accountability', title: '追责问责', query: (r) => ({ problem_id: r.id }) },
    ],
    home: [
      { action: 'problem.confirm', title: '待确认的问题', query: { state: 'draft' }, pending: true },
      // a member's own drafts: the leader confirms them (待确认的问题 on the leader's home page)
      {
        action: 'problem.create', notAction: 'problem.confirm', title: '我的问题草稿', pending: true,
        query: (u) => ({ state: 'draft', created_by: u.id }), hint: '草稿完善后提交组长确认, 组长确认后列入巡察报告',
      },
      { action: 'problem.create', title: '本组发现的问题' },
      { action: 'rect.write', notAction: 'round.list', title: '反馈的问题 (待整改)', query: { open: 'true' } },
    ],
  },

  reports: {
    label: '巡察报告与反馈',
    api: '/reports',
    workflow: 'report',
    menu: { group: 'rect', action: 'report.read' },
    title: (r) => r.title,
    defaultSort: '-created_at',
    columns: [col('title', '报告', { link: true, width: 220 }), col('team_name', '巡察组'), col('problem_count', '问题数'), col('state', from('report'), { stateOf: 'report', tag: true }), col('meeting_date', from('report'))],
    filters: [labelled('report', { key: 'state', type: 'state' })],
    detail: [
      col('unit_name', '被巡察单位'), col('team_name', '巡察组'), col('problem_count', '问题数'), col('inaction_count', '不作为慢作为'), col('text', '报告正文'),
      col('return_reason', '退回理由'), col('meeting_date', from('report')), col('attendees', from('report'), { format: (v) => (v ? `${v} 人` : '') }),
      col('attendee_names', from('report')), col('feedback_text', from('report')),
      col('rect_plan_due', '整改方案报送期限'), col('rect_report_due', '整改情况报告期限'), timeCol('submitted_at', '提交时间'), timeCol('approved_at', '批准时间'), timeCol('copied_at', '抄送时间'),
    ],
    create: { action: 'report.write', label: '撰写巡察报告', fields: [declared('report', 'target_id', { label: '被巡察单位', kind: 'target' }), declared('report', 'text', { rows: 10 })] },
    edit: { when: (r) => r.editable, fields: [declared('report', 'text', { partial: true, rows: 10 })] },
    verbs: {
      return: [declared('report', 'reason', { verb: 'return' })],
      // 参会人数 is a whole number (the API's integer), 参会人员 who attended (optional text)
      feedback: [
        declared('report', 'meeting_date', { verb: 'feedback' }), declared('report', 'attendees', { verb: 'feedback' }),
        declared('report', 'attendee_names', { verb: 'feedback', placeholder: '如: 巡察组全体成员, 被巡察单位领导班子成员、中层干部及干部职工代表' }),
        declared('report', 'feedback_text', { verb: 'feedback', rows: 8 }),
      ],
    },
    history: true,
    recordTools: [
      {
        label: '对不担当不作为问题启动问责', action: 'accountability.write', when: canOn('accountability.write'), path: (r) => `/reports/${r.id}/accountability`,
        message: (res) => (res.opened.length ? `已启动 ${res.opened.length} 条追责问责记录: ${res.opened.map((o) => o.problem_title).join('、')}` : '所有不担当不作为问题均已启动追责问责'),
      },
      letterTool('出具反馈意见抄送函', 'feedback_copy', (r) => r.state === 'copied'),
    ],
    home: [
      { action: 'report.approve', title: '待审定的巡察报告', query: { state: 'submitted' }, pending: true },
      { action: 'report.write', title: '巡察报告' },
    ],
  },

  'rect-tasks': {
    label: '整改任务',
    api: '/rect-tasks',
    workflow: 'rect_task',
    menu: { group: 'rect', action: 'rect.read' },
    deadline: TASK_DUE,
    title: (r) => r.title,
    defaultSort: '-created_at',
    columns: [
      col('problem_title', '问题', { link: true, width: 200 }), col('measure', from('rect_task'), { width: 200 }), col('unit_name', from('rect_task')), col('owner_name', from('rect_task')),
      col('deadline', from('rect_task'), { sortable: true }), col('state', from('rect_task'), { stateOf: 'rect_task', tag: true }), dueCol(TASK_DUE, '预警'),
    ],
    filters: [
      { key: 'q', label: '措施' }, labelled('rect_task', { key: 'state', type: 'state' }),
      { key: 'overdue', label: '逾期', type: 'select', options: [{ value: 'true', label: '是' }] }, { key: 'open', label: '未销号', type: 'select', options: [{ value: 'true', label: '是' }] },
    ],
    detail: [
      col('problem_no', '问题编号'), col('problem_title', '问题'), col('unit_name', from('rect_task')), col('measure', from('rect_task')), col('owner_name', from('rect_task')), col('owner_post', '职务'),
      col('leader_name', '分管领导'), col('deadline', from('rect_task')), { key: 'long_term', label: '长期坚持', format: fmtBool }, col('days_left', '剩余天数'),
      col('done_note', '完成情况'), col('return_reason', '退回理由'), col('progress_count', '进展次数'), col('open_notices', '未办结督办'),
      timeCol('done_at', '完成时间'), timeCol('signed_off_at', '销号时间'),
    ],
    create: {
      action: 'rect.write',
      label: '新建整改任务',
      fields: [
        declared('rect_task', 'problem_id', { kind: 'problem' }), declared('rect_task', 'measure'), declared('rect_task', 'owner_name'), declared('rect_task', 'owner_post', { label: '职务' }),
        declared('rect_task', 'leader_name'), declared('rect_task', 'deadline'), declared('rect_task', 'long_term'),
      ],
    },
    edit: { when: (r) => r.editable, fields: null },
    verbs: { finish: [declared('rect_task', 'note', { verb: 'finish' })], send_back: [declared('rect_task', 'reason', { verb: 'send_back' })] },
    history: true,
    files: { title: '整改佐证材料' },
    subs: [
      { title: '整改进展', path: 'progress', columns: [{ key: 'text', label: '进展', width: 320 }, { key: 'created_at', label: '时间', format: fmtTime }], add: { action: 'rect.write', label: '填报进展', fields: [memo('text', '进展情况', 5000, req)] } },
      { title: '派驻纪检监察组监督意见', path: 'supervision-notes', action: 'supervision.read', columns: [{ key: 'text', label: '意见', width: 320 }, { key: 'created_at', label: '时间', format: fmtTime }], add: { action: 'supervision.note', label: '填写监督意见', fields: [memo('text', '监督意见', 5000, req)] } },
    ],
    recordTools: [
      { label: '下发督办通知', action: 'notice.issue', path: () => '/notices', body: (r, b) => ({ ...b, task_id: r.id }), fields: [declared('notice', 'level'), declared('notice', 'reason'), declared('notice', 'due_date')] },
    ],
    home: [
      { action: 'rect.write', notAction: 'round.list', title: '本单位整改任务', query: { open: 'true' }, pending: true },
      { action: 'round.write', title: '逾期整改任务', query: { overdue: 'true' }, pending: true },
      { action: 'supervision.note', title: '监督中的整改任务', query: { open: 'true' } },
    ],
  },

  notices: {
    label: '督查督办',
    api: '/notices',
    workflow: 'notice',
    menu: { group: 'rect', action: 'notice.read' },
    deadline: NOTICE_DUE,
    title: (r) => r.title,
    defaultSort: '-created_at',
    columns: [col('docno', from('notice'), { link: true }), col('problem_title', '问题', { width: 200 }), col('unit_name', from('notice')), optCol('level', '级别', V.noticeLevel), col('due_date', from('notice')), col('state', from('notice'), { stateOf: 'notice', tag: true }), dueCol(NOTICE_DUE)],
    filters: [labelled('notice', { key: 'state', type: 'state' }), { key: 'level', label: '级别', type: 'select', options: V.noticeLevel }, { key: 'open', label: '未办结', type: 'select', options: [{ value: 'true', label: '是' }] }],
    detail: [
      col('docno', from('notice')), optCol('level', '级别', V.noticeLevel), col('unit_name', from('notice')), col('problem_title', '问题'), col('task_measure', '整改措施'), col('task_owner', '责任人'),
      col('task_deadline', '整改时限'), col('reason', from('notice')), col('due_date', from('notice')), { key: 'overdue', label: '逾期未复', format: fmtBool }, col('reply', '回复'), col('close_note', '办结意见'),
      timeCol('replied_at', '回复时间'), timeCol('closed_at', '办结时间'),
    ],
    verbs: { reply: [declared('notice', 'reply', { verb: 'reply' })], send_back: [declared('notice', 'reason', { verb: 'send_back' })] },
    history: true,
    recordTools: [letterTool('出具整改督办通知', 'rect_notice', (r) => r.state !== 'closed')],
    home: [
      { action: 'notice.issue', title: '未办结的督办通知', query: { open: 'true' } },
      { action: 'rect.write', notAction: 'round.list', title: '待回复的督办通知', query: { open: 'true' }, pending: true },
    ],
  },

  institutions: {
    label: '制度机制',
    api: '/institutions',
    menu: { group: 'rect', action: 'rect.read' },
    noDetail: true,
    defaultSort: null,
    columns: [col('name', '制度名称', { width: 260 }), refCol('target_id', '被巡察单位', 'target'), optCol('kind', '类型', V.instKind), col('issued_on', '印发日期')],
    filters: [{ key: 'kind', label: '类型', type: 'select', options: V.instKind }],
    create: {
      action: 'rect.write', label: '登记制度机制', noRecordPage: true,
      fields: [ref('target_id', '被巡察单位', 'target', req), text('name', '制度名称', 200, req), select('kind', '类型', V.instKind, req), date('issued_on', '印发日期', req), ref('problem_id', '对应问题', 'problem')],
    },
  },

  documents: {
    label: '公文',
    api: '/documents',
    kind: 'document',
    menu: { group: 'rect', action: 'document.read' },
    title: (r) => r.title,
    defaultSort: null,
    columns: [col('docno', '文号', { link: true }), col('title', '标题', { width: 260 }), col('kind_label', '类别'), col('issued_by_name', '出具人'), timeCol('issued_at', '出具时间')],
    filters: [{ key: 'kind', label: '类别', type: 'select', options: V.docKind }],
    detail: [
      col('docno', '文号'), col('kind_label', '类别'), col('recipient', '主送'), col('issued_by_name', '出具人'), timeCol('issued_at', '出具时间'),
      { key: 'content', label: '正文', format: (v) => (v && Array.isArray(v.body) ? v.body.join('\n') : '') },
    ],
    downloads: [{ label: '下载 PDF', href: (r) => `/api/v1/documents/${r.id}/pdf` }],
  },

  // ---- the discipline side (docs/api-discipline.md) ---------------------------------
  assistance: {
    label: '提请协助',
    api: '/assistance',
    workflow: 'assistance',
    menu: { group: 'disc', action: 'assistance.read' },
    title: (r) => r.title,
    deadline: ASSIST_DUE,
    defaultSort: '-created_at',
    columns: [
      col('seq_no', from('assistance'), { width: 90 }), col('need', from('assistance'), { link: true, width: 240 }), col('unit_name', '被巡察单位', { width: 160 }),
      col('state', from('assistance'), { stateOf: 'assistance', tag: true }), dueCol(ASSIST_DUE), col('result', from('assistance'), { width: 200 }), col('team_name', from('assistance')),
      days('turnaround_days', '办理用时'), timeCol('created_at', '提请时间'),
    ],
    filters: [{ key: 'q', label: '需协助事项' }, labelled('assistance', { key: 'state', type: 'state' }), { key: 'open', label: '未办结', type: 'select', options: [{ value: 'true', label: '是' }] }],
    detail: [
      col('seq_no', from('assistance')), col('unit_name', '被巡察单位'), col('team_name', from('assistance')),
      linkCol('problem_title', '相关问题', 'problems', 'problem_id'), linkCol('clue_title', '相关问题线索', 'clues', 'clue_id'),
      col('need', from('assistance')), col('reason', from('assistance')), timeCol('submitted_at', '提请时间'), timeCol('decided_at', '审批时间'), col('decision_note', '审批意见'),
      timeCol('forwarded_at', '转交时间'), timeCol('accepted_at', '受理时间'), { key: 'accepted_role', label: '受理部门', format: (v) => roleLabel(v) },
      timeCol('completed_at', from('assistance')), col('result', from('assistance')), col('evidence_fixed', from('assistance')),
      { key: 'turnaround_days', label: '提请至完成用时', always: true, format: (v) => (v === null || v === undefined ? '尚未完成' : `${v} 天`) },
      timeCol('closed_at', '关闭时间'),
    ],
    create: {
      action: 'assistance.write',
      label: '提请协助',
      fields: [
        declared('assistance', 'target_id', { label: '被巡察单位', kind: 'target' }), declared('assistance', 'need'), declared('assistance', 'reason'),
        declared('assistance', 'problem_id', { kind: 'problem' }), declared('assistance', 'clue_id', { kind: 'clue' }),
      ],
    },
    edit: { when: (r) => r.editable, fields: [declared('assistance', 'need', { partial: true }), declared('assistance', 'reason', { partial: true }), declared('assistance', 'problem_id', { kind: 'problem' }), declared('assistance', 'clue_id', { kind: 'clue' })] },
    verbs: {
      reject: [declared('assistance', 'reason', { verb: 'reject' })],
      complete: [declared('assistance', 'result', { verb: 'complete', rows: 4 }), declared('assistance', 'evidence_fixed', { verb: 'complete', rows: 3 }), note],
    },
    history: true,
    recordTools: [letterTool('出具提请协助函', 'assistance_request', (r) => ['approved', 'forwarded', 'accepted', 'completed', 'closed'].includes(r.state))],
    home: [
      { action: 'assistance.decide', title: '待审批的提请协助', query: { state: 'submitted' }, pending: true, cols: ['seq_no', 'need', 'unit_name', 'team_name'] },
      { action: 'assistance.forward', title: '待转交纪委监委的提请协助', query: { state: 'approved' }, pending: true, cols: ['seq_no', 'need', 'unit_name', 'team_name'] },
      { action: 'assistance.work', title: '待受理的提请协助', query: { state: 'forwarded' }, pending: true, cols: ['seq_no', 'need', 'unit_name', 'team_name'] },
      { action: 'assistance.work', title: '办理中的提请协助', query: { state: 'accepted' }, cols: ['seq_no', 'need', 'unit_name', 'turnaround_days'] },
      { action: 'assistance.write', title: '本组提请协助及结果', cols: ['need', 'state', 'result', 'turnaround_days'] },
    ],
  },

  accountability: {
    label: '追责问责',
    api: '/accountability',
    workflow: 'accountability',
    menu: { group: 'disc', action: 'accountability.read' },
    title: (r) => r.title,
    defaultSort: '-created_at',
    columns: [
      col('subject_name', from('accountability'), { link: true, width: 150 }), col('subject_post', from('accountability')), col('unit_name', '被巡察单位', { width: 160 }),
      col('outcome_label', '处理结果'), col('form_label', '四种形态'), col('state', from('accountability'), { stateOf: 'accountability', tag: true }),
      col('decided_on', from('accountability'), { sortable: true }), col('funds_recovered', from('accountability')),
    ],
    filters: [
      { key: 'q', label: '问责对象' }, labelled('accountability', { key: 'state', type: 'state' }), labelled('accountability', { key: 'form', type: 'select', options: V.form }),
      labelled('accountability', { key: 'outcome', type: 'select', options: outcomeOptions }), { key: 'subject_kind', label: '对象类别', type: 'select', options: V.subjectKind },
    ],
    detail: [
      optCol('subject_kind', from('accountability'), V.subjectKind), col('subject_name', from('accountability')), col('subject_post', from('accountability')), optCol('leader_role', from('accountability'), V.leaderRole),
      col('unit_name', '被巡察单位'), col('team_name', from('accountability')), linkCol('problem_title', '相关问题', 'problems', 'problem_id'), linkCol('clue_title', '相关问题线索', 'clues', 'clue_id'),
      col('outcome_label', '处理结果'), col('outcome_kind', '处理类别'),
      { key: 'form_label', label: '四种形态 (按处理结果自动认定)', always: true, format: (v, r) => v || (r.outcome ? '不计入四种形态' : '尚未作出处理决定') },
      { key: 'criminal', label: '追究刑事责任', format: (v) => (v ? '是' : '') }, col('authority', from('accountability')), col('decided_on', from('accountability')),
      col('funds_recovered', from('accountability')), col('funds_returned', from('accountability')), col('losses_recovered', from('accountability')),
      col('note', from('accountability')), col('revoked_reason', '撤销理由'), timeCol('created_at', '登记时间'),
    ],
    create: {
      action: 'accountability.write',
      label: '登记追责问责',
      fields: [declared('accountability', 'problem_id', { kind: 'problem' }), declared('accountability', 'clue_id', { kind: 'clue' }), ...acctSubjectFields(), ...decisionFields(), declared('accountability', 'note')],
    },
    edit: {
      when: (r) => r.editable,
      fields: [...acctSubjectFields(true).slice(1), declared('accountability', 'funds_recovered'), declared('accountability', 'funds_returned'), declared('accountability', 'losses_recovered'), declared('accountability', 'note')],
    },
    verbs: {
      decide: [...decisionFields('decide'), acctField('note', { verb: 'decide' })],
      revoke: [declared('accountability', 'reason', { verb: 'revoke' })],
    },
    history: true,
    home: [
      { action: 'accountability.write', title: '待作出处理决定的追责问责', query: { state: 'open' }, pending: true, cols: ['subject_name', 'unit_name', 'state', 'decided_on'] },
      { action: 'accountability.read', notAction: 'accountability.write', title: '追责问责情况', cols: ['subject_name', 'outcome_label', 'form_label', 'decided_on'] },
    ],
  },

  'accountability-pending': {
    label: '待追责问责的问题',
    api: '/accountability/pending',
    menu: { group: 'disc', action: 'accountability.write' },
    rowLink: (r) => `/r/problems/${r.id}`, // the rows are problems
    defaultSort: null,
    columns: [
      col('seq_no', '编号', { width: 90 }), col('title', '问题', { link: true, width: 220 }), col('unit_name', '被巡察单位', { width: 160 }),
      timeCol('copied_at', '抄送时间'), { key: 'inaction', label: '不担当不作为', format: fmtBool }, col('open_records', '未决追责记录'),
    ],
    filters: [{ key: 'days', label: '抄送满 (天)' }, { key: 'inaction', label: '不担当不作为', type: 'select', options: [{ value: 'true', label: '是' }] }],
    home: [{ action: 'accountability.write', notAction: 'clue.outcome', title: '抄送后逾期未作追责问责决定的问题', cols: ['title', 'unit_name', 'copied_at', 'open_records'] }],
  },

  'joint-reviews': {
    label: '联审',
    api: '/joint-reviews',
    workflow: 'joint_review',
    menu: { group: 'disc', action: 'review.read' },
    title: (r) => r.title,
    defaultSort: '-scheduled_on',
    columns: [
      col('title', from('joint_review'), { link: true, width: 220 }), col('team_name', from('joint_review')), col('scheduled_on', from('joint_review'), { sortable: true }),
      col('state', from('joint_review'), { stateOf: 'joint_review', tag: true }), col('item_count', '审议事项'), col('flags_raised', '偏轻偏软提示'), col('flags_cleared', '已消除'),
    ],
    filters: [{ key: 'q', label: '名称' }, labelled('joint_review', { key: 'state', type: 'state' }), labelled('joint_review', { key: 'team_id', type: 'ref', kind: 'team' })],
    detail: [
      col('title', from('joint_review')), col('team_name', from('joint_review')), col('scheduled_on', from('joint_review')), col('place', from('joint_review')), col('participants', from('joint_review')), col('minutes', from('joint_review')),
      col('item_count', '审议事项'), col('flags_raised', '偏轻偏软提示'), col('flags_cleared', '已消除提示'), col('flags_open', '未消除提示'), timeCol('held_at', '召开时间'), timeCol('concluded_at', '完成时间'),
    ],
    create: {
      action: 'review.write',
      label: '安排联审',
      fields: [
        declared('joint_review', 'team_id', { kind: 'team' }), declared('joint_review', 'title'), declared('joint_review', 'scheduled_on'), declared('joint_review', 'place'),
        declared('joint_review', 'participants'), declared('joint_review', 'minutes'),
      ],
    },
    edit: { when: (r) => r.editable, fields: [declared('joint_review', 'title', { partial: true }), declared('joint_review', 'scheduled_on', { partial: true }), declared('joint_review', 'place'), declared('joint_review', 'participants'), declared('joint_review', 'minutes')] },
    verbs: { hold: [declared('joint_review', 'minutes', { verb: 'hold', rows: 5 }), note], conclude: [declared('joint_review', 'minutes', { verb: 'conclude', rows: 5 }), note] },
    history: true,
    panels: ['ReviewItemsPanel'],
    home: [
      { action: 'review.write', title: '未完成的联审', query: { state: 'scheduled' }, cols: ['title', 'team_name', 'scheduled_on', 'item_count'] },
      { action: 'review.write', title: '已召开待完成的联审', query: { state: 'held' }, cols: ['title', 'team_name', 'flags_raised', 'flags_cleared'] },
      { action: 'review.team_account', title: '本组联审', cols: ['title', 'scheduled_on', 'state', 'item_count'] },
    ],
  },

  'recusal-exceptions': {
    label: '回避例外',
    api: '/recusal-exceptions',
    kind: 'recusal_exception',
    menu: { group: 'plan', action: 'recusal.list' },
    noDetail: true,
    defaultSort: null,
    columns: [refCol('person_id', '人员', 'person'), refCol('team_id', '巡察组', 'team'), refCol('unit_id', '单位', 'org'), col('reason', '理由', { width: 240 }), timeCol('created_at', '批准时间')],
    filters: [{ key: 'round_id', label: '轮次', type: 'ref', kind: 'round' }],
    create: {
      action: 'recusal.exception',
      label: '批准回避例外',
      fields: [ref('team_id', '巡察组', 'team', req), ref('person_id', '人员', 'person', req), ref('unit_id', '单位', 'org', { ...req, query: { kind: 'unit' } }), memo('reason', '理由', 2000, req)],
      noRecordPage: true,
    },
  },

  persons: {
    label: '巡察人才库',
    api: '/persons',
    kind: 'person',
    menu: { group: 'pool', action: 'person.list' },
    title: (r) => r.name,
    defaultSort: 'name',
    columns: [col('name', from('person'), { link: true, sortable: true }), refCol('org_id', '单位', 'org', { width: 200 }), col('post', from('person')), col('rank', from('person')), { key: 'party_member', label: '党员', format: fmtBool }],
    filters: [{ key: 'q', label: '姓名' }, { key: 'org_id', label: '单位', type: 'ref', kind: 'org' }],
    detail: [col('name', from('person')), refCol('org_id', '单位', 'org'), col('post', from('person')), col('rank', from('person')), { key: 'party_member', label: '党员', format: fmtBool }],
    create: {
      action: 'person.write',
      label: '新增人员',
      fields: [declared('person', 'name'), declared('person', 'org_id', { label: '单位', kind: 'org' }), declared('person', 'post'), declared('person', 'rank'), declared('person', 'party_member')],
    },
    edit: { action: 'person.write', fields: null },
    panels: ['PersonPanel'],
    tools: [
      {
        label: 'CSV 导入', action: 'person.write', path: '/persons/import',
        fields: [memo('csv', 'CSV 内容 (首行为列名: 姓名,单位,职务,职级,党员,专长)', 2000000, { ...req, rows: 10 })],
      },
    ],
  },

  'cadre-movements': {
    label: '干部交流',
    api: '/cadre-movements',
    menu: { group: 'pool', action: 'movement.list' },
    noDetail: true,
    defaultSort: null,
    columns: [refCol('person_id', '人员', 'person'), optCol('kind', '交流方向', V.movement, { width: 200 }), col('from_post', '原岗位'), col('to_post', '新岗位'), col('moved_on', '交流日期')],
    filters: [{ key: 'kind', label: '方向', type: 'select', options: V.movement }],
    create: {
      action: 'movement.write',
      label: '登记干部交流',
      noRecordPage: true,
      fields: [
        ref('person_id', '人员', 'person', req), select('kind', '交流方向', V.movement, req), ref('from_org_id', '原单位', 'org'), text('from_post', '原岗位', 100),
        ref('to_org_id', '新单位', 'org'), text('to_post', '新岗位', 100, req), date('moved_on', '交流日期', req), memo('note', '备注'),
      ],
    },
  },

  orgs: {
    label: '组织机构',
    api: '/orgs',
    menu: { group: 'sys', action: 'org.write' },
    title: (r) => r.name,
    defaultSort: 'name',
    columns: [col('name', from('org'), { link: true, sortable: true, width: 220 }), optCol('kind', '类别', V.orgKind), optCol('level', from('org'), V.level), refCol('parent_id', '上级', 'org'), refCol('supervisor_id', '监督的派驻组', 'org')],
    filters: [labelled('org', { key: 'q' }), { key: 'kind', label: '类别', type: 'select', options: V.orgKind }],
    detail: [col('name', from('org')), col('short_name', from('org')), optCol('kind', '类别', V.orgKind), optCol('level', from('org'), V.level), refCol('parent_id', '上级', 'org'), refCol('supervisor_id', '监督的派驻组', 'org')],
    create: {
      action: 'org.write',
      label: '新增组织机构',
      fields: [declared('org', 'kind'), declared('org', 'name'), declared('org', 'short_name'), declared('org', 'level'), declared('org', 'parent_id', { kind: 'org' }), declared('org', 'supervisor_id', { kind: 'org', query: { kind: 'dispatched_group' } })],
    },
    edit: { action: 'org.write', fields: null },
  },

  users: {
    label: '用户与授权',
    api: '/users',
    menu: { group: 'sys', action: 'user.list' },
    title: (r) => `${r.display_name} (${r.login})`,
    defaultSort: null,
    columns: [col('login', '登录名', { link: true }), col('display_name', '姓名'), { key: 'disabled', label: '停用', format: fmtBool }, { key: 'locked', label: '锁定', format: fmtBool }, timeCol('last_login_at', '最近登录')],
    filters: [],
    detail: [col('login', '登录名'), col('display_name', '姓名'), { key: 'disabled', label: '停用', format: fmtBool }, { key: 'locked', label: '锁定', format: fmtBool }, { key: 'roles', label: '角色', format: (v) => (v || []).map((g) => roleLabel(g.role)).join('、') }],
    create: { action: 'user.write', label: '新建用户', fields: [text('login', '登录名', 32, req), text('display_name', '姓名', 50, req), ref('org_id', '单位', 'org')], showOnce: 'one_time_password' },
    edit: { action: 'user.write', fields: [text('display_name', '姓名', 50), { key: 'disabled', label: '停用', type: 'bool' }, { key: 'unlock', label: '解除锁定', type: 'bool' }] },
    recordTools: [
      { label: '申请重置密码', action: 'user.write', path: (r) => `/users/${r.id}/reset-password`, showOnce: 'one_time_password', showOnceLabel: '新的一次性密码 (仅显示一次): ' },
      {
        label: '授予角色', action: 'role.grant', path: (r) => `/users/${r.id}/roles`,
        fields: [select('role', '角色', () => (session.meta?.roles || []).map((r) => ({ value: r.role, label: r.label })), req),
          text('scope_id', '范围 (巡察组/单位/派驻组编号)', 40)],
      },
    ],
    home: [{ action: 'user.list', title: '用户' }],
  },

  audit: {
    label: '审计日志',
    api: '/audit',
    menu: { group: 'sys', action: 'audit.read' },
    noDetail: true,
    defaultSort: null,
    columns: [timeCol('at', '时间'), col('actor_login', '操作人'), col('role', '角色', { format: (v) => roleLabel(v) }), col('action', '操作', { width: 160, format: (v) => actionLabel(v) }), col('object_kind', '对象', { format: (v) => session.meta?.kinds?.[v]?.label || v }), optCol('result', '结果', V.auditResult), col('ip', 'IP')],
    filters: [{ key: 'actor_login', label: '操作人' }, { key: 'action', label: '操作' }, { key: 'result', label: '结果', type: 'select', options: V.auditResult }],
    home: [{ action: 'audit.read', title: '最近的审计记录' }],
  },
}

export const menuGroups = [
  { key: 'plan', label: '巡察计划' },
  { key: 'clue', label: '线索与信访' },
  { key: 'rect', label: '问题与整改' },
  { key: 'disc', label: '执纪问责' },
  { key: 'pool', label: '人才库' },
  { key: 'sys', label: '系统管理' },
]

// The sections of the signed-in user's home page: those the descriptors declare
// for actions the user holds (GET /me), each with its list query (a function of
// the user where it names them, e.g. the member's own drafts). `pending` ones
// are work waiting for this user: their counts (the server's list totals) show
// on the home page and as menu badges.
// a home section of a type with deadlines shows their state too
function withDeadline(d, cols) {
  const due = d.columns.find((c) => c.deadline)
  return due && !cols.includes(due) ? [...cols, due] : cols
}
export function homeSections(user) {
  const acts = user?.actions || []
  const out = []
  for (const [type, d] of Object.entries(records))
    for (const [i, h] of (d.home || []).entries())
      if (acts.includes(h.action) && !(h.notAction && acts.includes(h.notAction)))
        out.push({
          key: `${type}.${i}`, type, d, title: h.title, hint: h.hint || '', pending: !!h.pending,
          query: typeof h.query === 'function' ? h.query(user) : h.query || {},
          // a section may name its columns (keys of the list's columns); else the first four
          columns: withDeadline(d, h.cols ? h.cols.map((k) => d.columns.find((c) => c.key === k)).filter(Boolean) : d.columns.slice(0, 4)),
        })
  return out
}

// The page a list row opens: the record page of its type, or the descriptor's
// own rowLink (e.g. the pending-accountability rows are problems); null for
// types without record pages.
export function rowLinkOf(type) {
  const d = records[type]
  if (d.noDetail) return null
  return d.rowLink || ((r) => `/r/${type}/${r.id}`)
}

// The record type of an object the server names by kind: a message's
// object_kind is its workflow's entity (GET /meta) or, outside a lifecycle,
// the record kind a descriptor declares as `kind`.
export function typeOfKind(kind) {
  for (const [type, d] of Object.entries(records)) if (kind && ((d.kind || d.workflow) === kind || d.alsoKinds?.includes(kind))) return type
  return null
}

// Where an inbox message opens: the record it is about (its record page, or
// its list when the type has no record page), or the descriptor's own
// messageLinks[action] (a round's vetting request is answered on 廉政审核).
export function messageLink(m) {
  const type = typeOfKind(m.object_kind)
  if (!type) {
    // a message to a user (object_kind 'user') about something of no record type:
    // a descriptor may claim its action (a decided reveal request opens that list)
    const x = Object.values(records).find((r) => r.userMessageLinks?.[m.action])
    return x ? x.userMessageLinks[m.action](m) : null
  }
  const d = records[type]
  if (d.messageLinks && d.messageLinks[m.action]) return d.messageLinks[m.action](m)
  return d.noDetail || !m.object_id ? `/r/${type}` : `/r/${type}/${m.object_id}`
}
