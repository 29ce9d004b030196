/*
 * config.c — the settings table and its loaders. See config.h.
 */
#include "util/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/netaddr.h"
#include "sec/totp.h"
#include "util/text.h"
#include "util/xmem.h"

const cfg_def cfg_defs[CFG__MAX] = {
    [CFG_DB] = {"db", "XUNJI_DB", CT_STR, "xunji.db", 0, 0, "SQLite 数据库文件"},
    [CFG_KEY_FILE] = {"key_file", "XUNJI_KEY_FILE", CT_STR, "", 0, 0,
                      "主密钥文件 (默认: 数据库文件名.key)"},
    [CFG_AUDIT_ANCHOR] = {"audit_anchor", "XUNJI_AUDIT_ANCHOR", CT_STR, "", 0, 0,
                          "审计锚点文件 (默认: 数据库文件名.audit-anchor)"},
    [CFG_LISTEN] = {"listen", "XUNJI_LISTEN", CT_STR, "127.0.0.1:8080", 0, 0, "监听地址:端口"},
    [CFG_THREADS] = {"threads", "XUNJI_THREADS", CT_INT, "0", 0, 256,
                     "HTTP 工作线程数 (0: CPU 核数的 4 倍)"},
    [CFG_MAX_BODY] = {"max_body", "XUNJI_MAX_BODY", CT_INT, "1048576", 1024, 64 << 20,
                      "请求体上限 (字节)"},
    [CFG_MAX_CONN] = {"max_conn", "XUNJI_MAX_CONN", CT_INT, "512", 4, 100000, "总连接数上限"},
    [CFG_MAX_CONN_PER_IP] = {"max_conn_per_ip", "XUNJI_MAX_CONN_PER_IP", CT_INT, "32", 1, 10000,
                             "单个 IP 连接数上限 (经可信代理时按转发的客户端地址计)"},
    [CFG_REQUEST_DEADLINE] = {"request_deadline", "XUNJI_REQUEST_DEADLINE", CT_INT, "30", 1, 3600,
                              "接收一个完整请求的时限 (秒), 防慢速攻击"},
    [CFG_IDLE_TIMEOUT] = {"idle_timeout", "XUNJI_IDLE_TIMEOUT", CT_INT, "60", 1, 3600,
                          "空闲连接超时 (秒)"},
    [CFG_SESSION_IDLE_MIN] = {"session_idle_minutes", "XUNJI_SESSION_IDLE_MINUTES", CT_INT, "30",
                              1, 1440, "会话空闲超时 (分钟)"},
    [CFG_SESSION_MAX_HOURS] = {"session_max_hours", "XUNJI_SESSION_MAX_HOURS", CT_INT, "12", 1,
                               168, "会话最长时间 (小时)"},
    [CFG_LOCK_AFTER] = {"lock_after", "XUNJI_LOCK_AFTER", CT_INT, "5", 1, 100,
                        "连续登录失败多少次锁定账号"},
    [CFG_LOCK_MINUTES] = {"lock_minutes", "XUNJI_LOCK_MINUTES", CT_INT, "15", 1, 1440,
                          "账号锁定时长 (分钟)"},
    [CFG_LOGIN_PER_IP_MIN] = {"login_per_ip_minute", "XUNJI_LOGIN_PER_IP_MINUTE", CT_INT, "30", 1,
                              100000, "单个 IP 每分钟登录尝试上限"},
    [CFG_PBKDF2_ITER] = {"pbkdf2_iterations", "XUNJI_PBKDF2_ITERATIONS", CT_INT, "100000", 100000,
                         10000000, "密码哈希迭代次数 (PBKDF2-HMAC-SM3)"},
    [CFG_PASSWORD_MAX_AGE_DAYS] = {"password_max_age_days", "XUNJI_PASSWORD_MAX_AGE_DAYS", CT_INT,
                                   "90", 0, 3650, "密码有效期 (天, 0 为不限)"},
    [CFG_COOKIE_SECURE] = {"cookie_secure", "XUNJI_COOKIE_SECURE", CT_INT, "1", 0, 1,
                           "会话 Cookie 加 Secure 与 __Host- 前缀 (经 TLS 网关或本机访问时为 1)"},
    [CFG_DOCNO_HANDOVER] = {"docno_handover", "XUNJI_DOCNO_HANDOVER", CT_STR, "枣巡移", 0, 0,
                            "问题线索移交函文号前缀"},
    [CFG_DOCNO_REGISTRY] = {"docno_registry", "XUNJI_DOCNO_REGISTRY", CT_STR, "枣纪案登", 0, 0,
                            "案管室登记号前缀"},
    [CFG_WEB_ROOT] = {"web_root", "XUNJI_WEB_ROOT", CT_STR, "web/dist", 0, 0,
                      "浏览器界面静态文件目录 (不存在时仅提供 API)"},
    [CFG_TOKEN_DAYS] = {"token_days", "XUNJI_TOKEN_DAYS", CT_INT, "365", 1, 3650,
                        "API 令牌有效期 (天)"},
    [CFG_ACCESS_LOG] = {"access_log", "XUNJI_ACCESS_LOG", CT_INT, "1", 0, 1, "输出访问日志"},
    [CFG_RECUSAL_YEARS] = {"recusal_years", "XUNJI_RECUSAL_YEARS", CT_INT, "5", 0, 50,
                           "回避: 曾在被巡察单位工作的年限 (年内须回避)"},
    [CFG_BRIEFING_AUDIT] = {"briefing_audit_bureau", "XUNJI_BRIEFING_AUDIT_BUREAU", CT_INT, "0", 0,
                            1, "巡前情况通报是否默认请审计局提供 (1: 是)"},
    [CFG_FILES_DIR] = {"files_dir", "XUNJI_FILES_DIR", CT_STR, "", 0, 0,
                       "佐证材料存放目录 (默认: 数据库文件名.files; 不得位于网站目录内)"},
    [CFG_MAX_UPLOAD] = {"max_upload", "XUNJI_MAX_UPLOAD", CT_INT, "20971520", 1024, 256 << 20,
                        "单个佐证材料文件大小上限 (字节)"},
    [CFG_RECT_PLAN_MONTHS] = {"rect_plan_months", "XUNJI_RECT_PLAN_MONTHS", CT_INT, "1", 0, 24,
                              "反馈后报送整改方案的期限 (月)"},
    [CFG_RECT_REPORT_MONTHS] = {"rect_report_months", "XUNJI_RECT_REPORT_MONTHS", CT_INT, "2", 1,
                                24, "反馈后报送整改情况报告的期限 (月)"},
    [CFG_LONG_TERM_MONTHS] = {"long_term_months", "XUNJI_LONG_TERM_MONTHS", CT_INT, "6", 1, 60,
                              "长期整改任务报告进展的期限 (反馈后月数)"},
    [CFG_DOCNO_NOTICE] = {"docno_notice", "XUNJI_DOCNO_NOTICE", CT_STR, "枣巡督", 0, 0,
                          "整改督办通知文号前缀"},
    [CFG_ACCOUNTABILITY_DAYS] = {"accountability_days", "XUNJI_ACCOUNTABILITY_DAYS", CT_INT, "30", 0,
                                 3650, "反馈抄送后多少天仍无追责问责决定即提示 (天)"},
    [CFG_DOCNO_VETTING] = {"docno_vetting", "XUNJI_DOCNO_VETTING", CT_STR, "枣巡审", 0, 0,
                           "廉政审核函文号前缀"},
    [CFG_DOCNO_ASSIST] = {"docno_assist", "XUNJI_DOCNO_ASSIST", CT_STR, "枣巡协", 0, 0,
                          "提请协助函文号前缀"},
    [CFG_DOCNO_COPY] = {"docno_copy", "XUNJI_DOCNO_COPY", CT_STR, "枣巡抄", 0, 0,
                        "反馈意见抄送函文号前缀"},
    [CFG_LOGIN_SOURCE_FREE] = {"login_source_free", "XUNJI_LOGIN_SOURCE_FREE", CT_INT, "10", 1,
                               100000, "单个来源地址可连续登录失败多少次而不延时"},
    [CFG_LOGIN_SOURCE_MAX_DELAY] = {"login_source_max_delay", "XUNJI_LOGIN_SOURCE_MAX_DELAY", CT_INT,
                                    "3600", 1, 86400,
                                    "来源地址登录失败后递增等待时间的上限 (秒)"},
    [CFG_TEST_CLOCK_DAYS] = {"test_clock_days", "XUNJI_TEST_CLOCK_DAYS", CT_INT, "0", -3650, 3650,
                             "测试时钟: 把\"现在\"推后的天数 (仅测试模式 XUNJI_TEST_MODE=1 可用)"},
    [CFG_TEST_PBKDF2_ITER] = {"test_pbkdf2_iterations", "XUNJI_TEST_PBKDF2_ITERATIONS", CT_INT, "0", 0,
                              99999,
                              "测试用密码哈希迭代次数 (0 为不用; 否则 1000 至 99999, 代替 pbkdf2_iterations "
                              "用于新的哈希; 仅测试模式 XUNJI_TEST_MODE=1 可用)"},
    [CFG_TEST_PG_FAIL_COMMIT] = {"test_pg_fail_commit", "XUNJI_TEST_PG_FAIL_COMMIT", CT_INT, "0", 0,
                                 1000000,
                                 "测试用故障注入: 启动后第 N 次写事务提交失败 (0 为不用; 仅 PostgreSQL, "
                                 "仅测试模式 XUNJI_TEST_MODE=1 可用)"},
    [CFG_MAX_QUERY_PARAMS] = {"max_query_params", "XUNJI_MAX_QUERY_PARAMS", CT_INT, "64", 8, 1024,
                              "单个请求的查询参数个数上限 (超过时答复 400)"},
    [CFG_ORPHAN_MINUTES] = {"orphan_minutes", "XUNJI_ORPHAN_MINUTES", CT_INT, "60", 5, 10080,
                            "启动后清理佐证材料目录中无数据库记录的残留文件, 只清理早于此分钟数的文件"},
    [CFG_EXPORT_MAX_ROWS] = {"export_max_rows", "XUNJI_EXPORT_MAX_ROWS", CT_INT, "100000", 1,
                             1000000, "列表或统计明细一次导出为 Excel 的最多行数 (超过则拒绝, 请缩小查询范围)"},
    [CFG_MAX_INFLIGHT_BODY] = {"max_inflight_body_bytes", "XUNJI_MAX_INFLIGHT_BODY_BYTES", CT_INT,
                               "67108864", 65536, 1L << 40,
                               "全部连接正在接收、尚未处理的请求体在内存中合计上限 (字节), 超出时答复 503"},
    [CFG_HEADER_TIMEOUT] = {"header_timeout", "XUNJI_HEADER_TIMEOUT", CT_INT, "10", 1, 3600,
                            "未登录连接发送完整请求头的时限 (秒), 防慢速攻击"},
    [CFG_TRUSTED_PROXIES] = {"trusted_proxies", "XUNJI_TRUSTED_PROXIES", CT_STR, "", 0, 0,
                             "可信代理地址或网段 (逗号分隔, 如 10.0.0.5,192.168.1.0/24); "
                             "仅信任它们转发的 X-Forwarded-For / X-Real-IP"},
    [CFG_PUBLIC_ORIGIN] = {"public_origin", "XUNJI_PUBLIC_ORIGIN", CT_STR, "", 0, 0,
                           "浏览器访问的源 (如 https://xunji.example.gov.cn), 写请求的 Origin 须完全一致"},
    [CFG_TOTP_ALG] = {"totp_algorithm", "XUNJI_TOTP_ALGORITHM", CT_STR, "sha1", 0, 0,
                      "动态口令 (TOTP) 算法: sha1 (身份验证器应用通用), sha256, sha512 或 sm3; "
                      "只影响此后的绑定"},
    [CFG_TOTP_DIGITS] = {"totp_digits", "XUNJI_TOTP_DIGITS", CT_INT, "6", 6, 8,
                         "动态口令位数 (只影响此后的绑定)"},
    [CFG_TOTP_PERIOD] = {"totp_period", "XUNJI_TOTP_PERIOD", CT_INT, "30", 15, 120,
                         "动态口令时间步长 (秒, 只影响此后的绑定)"},
    [CFG_TOTP_WINDOW] = {"totp_window", "XUNJI_TOTP_WINDOW", CT_INT, "1", 0, 3,
                         "动态口令允许的前后时间步数 (时钟偏差)"},
    [CFG_REQUIRE_2FA_ADMIN] = {"require_2fa_admin", "XUNJI_REQUIRE_2FA_ADMIN", CT_INT, "1", 0, 1,
                               "三员 (系统、安全、审计管理员) 首次登录须绑定动态口令, 此后登录须密码加动态口令"},
    [CFG_REQUIRE_2FA_SENSITIVE] = {"require_2fa_sensitive", "XUNJI_REQUIRE_2FA_SENSITIVE", CT_INT,
                                   "1", 0, 1,
                                   "敏感操作 (查看信访人身份与线索反映内容、导出、授权、批准重置密码) "
                                   "须有效的第二因素"},
    [CFG_STEP_UP_MINUTES] = {"step_up_minutes", "XUNJI_STEP_UP_MINUTES", CT_INT, "5", 0, 60,
                             "验证动态口令后多少分钟内敏感操作无须再次输入 (0: 每次都须 X-Xunji-OTP)"},
    [CFG_TOKEN_REQUIRES_2FA] = {"token_requires_2fa", "XUNJI_TOKEN_REQUIRES_2FA", CT_INT, "1", 0, 1,
                                "API 令牌只能发给并只对已启用双因素认证的用户有效"},
    [CFG_MAX_SESSIONS] = {"max_sessions", "XUNJI_MAX_SESSIONS", CT_INT, "3", 0, 100,
                          "每个账号同时有效的会话数上限 (超出时结束最早的会话; 0 为不限)"},
    [CFG_ADMIN_NETWORKS] = {"admin_networks", "XUNJI_ADMIN_NETWORKS", CT_STR, "", 0, 0,
                            "三员只能从这些地址或网段登录 (逗号分隔, 如 10.1.2.0/24; 按可信代理转发后的"
                            "客户端地址; 空为不限)"},
    [CFG_METRICS_NETWORKS] = {"metrics_networks", "XUNJI_METRICS_NETWORKS", CT_STR,
                              "127.0.0.0/8, ::1", 0, 0,
                              "只有这些地址或网段可读取 /metrics 运行指标 (逗号分隔; 按可信代理转发后的"
                              "客户端地址; 空为一律不可读取, 其余地址得到 404)"},
    [CFG_ACCOUNT_DORMANT_DAYS] = {"account_dormant_days", "XUNJI_ACCOUNT_DORMANT_DAYS", CT_INT, "90",
                                  0, 3650,
                                  "账号连续多少天未登录即在下次登录时停用 (天, 0 为不限; 三员账号除外)"},
    [CFG_REVEAL_APPROVER] = {"reveal_approver", "XUNJI_REVEAL_APPROVER", CT_STR, "leading_group", 0,
                             0,
                             "查看信访人身份须经谁批准: leading_group (领导小组) 或 commission_liaison "
                             "(纪委监委联络副书记); none 仅测试模式可用"},
    [CFG_REVEAL_MINUTES] = {"reveal_minutes", "XUNJI_REVEAL_MINUTES", CT_INT, "0", 0, 1440,
                            "批准后可查看信访人身份的时长 (分钟; 0 为仅可查看一次)"},
    [CFG_WARN_FIRST_DAYS] = {"deadline_warn_days", "XUNJI_DEADLINE_WARN_DAYS", CT_INT, "20", 1, 365,
                             "期限预警: 剩余多少天起第一次提醒 (黄色, 提醒承办人)"},
    [CFG_WARN_SECOND_DAYS] = {"deadline_alert_days", "XUNJI_DEADLINE_ALERT_DAYS", CT_INT, "10", 0,
                              365,
                              "期限预警: 剩余多少天起第二次提醒 (深黄色, 另提醒巡察办与派驻纪检监察组; "
                              "应小于 deadline_warn_days)"},
    [CFG_HOLIDAYS] = {"holidays", "XUNJI_HOLIDAYS", CT_STR, "", 0, 0,
                      "法定节假日 (逗号分隔的日期, 如 2026-10-01,2026-10-02), 按工作日计算的期限跳过"},
    [CFG_MAKEUP_WORKDAYS] = {"makeup_workdays", "XUNJI_MAKEUP_WORKDAYS", CT_STR, "", 0, 0,
                             "调休上班的周末 (逗号分隔的日期), 按工作日计算的期限计入"},
    [CFG_CLUE_REGISTER_WORKDAYS] = {"clue_register_workdays", "XUNJI_CLUE_REGISTER_WORKDAYS", CT_INT,
                                    "5", 1, 250, "移交的问题线索登记期限 (工作日, 自移交日起)"},
    [CFG_CLUE_REPORT_MONTHS] = {"clue_report_months", "XUNJI_CLUE_REPORT_MONTHS", CT_INT, "3", 1, 24,
                                "移交的问题线索向巡察办反馈办理结果的期限 (月, 自移交日起)"},
    [CFG_ASSIST_WORKDAYS] = {"assist_workdays", "XUNJI_ASSIST_WORKDAYS", CT_INT, "15", 1, 250,
                             "提请协助事项办结期限 (工作日, 自报送之日起)"},
    [CFG_REMIND_INTERVAL_MINUTES] = {"remind_interval_minutes", "XUNJI_REMIND_INTERVAL_MINUTES",
                                     CT_INT, "60", 0, 10080,
                                     "期限提醒的运行间隔 (分钟; 0 为服务内不运行, 由 xunji remind --now 定时运行)"},
    [CFG_REMIND_LEASE_SECONDS] = {"remind_lease_seconds", "XUNJI_REMIND_LEASE_SECONDS", CT_INT, "600",
                                  10, 86400,
                                  "期限提醒运行租约时长 (秒): 多台服务器时同一时间只有持租约者运行"},
    [CFG_REMIND_DIGEST_DAYS] = {"remind_digest_days", "XUNJI_REMIND_DIGEST_DAYS", CT_INT, "30", 0,
                                3650,
                                "逾期超过多少天的记录不再逐条提醒, 每次运行向每个接收方按类别合发一条汇总提醒 "
                                "(天; 0 为不汇总, 逐条提醒)"},
    [CFG_LETTER_AUTHORITY] = {"letter_authority", "XUNJI_LETTER_AUTHORITY", CT_STR,
                              "中共枣阳市委巡察工作领导小组办公室", 0, 0,
                              "公文发文机关全称 (版头与版记的印发机关)"},
    [CFG_LETTER_TITLE_FONT] = {"letter_title_font", "XUNJI_LETTER_TITLE_FONT", CT_STR,
                               "Noto Serif CJK SC Bold", 0, 0,
                               "公文发文机关标志与标题字体 (Pango 字体描述, 如 \"Noto Serif CJK SC Bold\"; Debian 无小标宋, 缺字逐字回退到文泉驿正黑)"},
    [CFG_LETTER_BODY_FONT] = {"letter_body_font", "XUNJI_LETTER_BODY_FONT", CT_STR,
                              "Noto Serif CJK SC", 0, 0,
                              "公文正文字体 (Pango 字体描述; Debian 无仿宋_GB2312, 默认思源宋体, 缺字逐字回退到文泉驿正黑)"},
    [CFG_LETTER_MARK] = {"letter_mark", "XUNJI_LETTER_MARK", CT_STR, "", 0, 0,
                         "公文默认标注: 空、内部资料 或 工作秘密 (xunji 不处理国家秘密)"},
    [CFG_LETTER_CONTACT_PHONE] = {"letter_contact_phone", "XUNJI_LETTER_CONTACT_PHONE", CT_STR, "", 0,
                                  0, "公文联系电话 (附于联系人之后)"},
    [CFG_DB_REPLICA] = {"db_replica", "XUNJI_DB_REPLICA", CT_STR, "", 0, 0,
                        "只读副本 (PostgreSQL 流复制备库的 postgresql:// 连接串): 列表、统计、下钻、"
                        "导出与检索从副本读取, 用户自己刚写入的内容仍从主库读取; 空为不用副本。"
                        "仅用于 PostgreSQL"},
    [CFG_TEST_SCHED_SECONDS] = {"test_sched_seconds", "XUNJI_TEST_SCHED_SECONDS", CT_INT, "0", 0, 3600,
                                "仅用于测试 (XUNJI_TEST_MODE=1): 服务内各定时任务的间隔 (秒), 0 为按各自设置"},
    [CFG_SESSION_SWEEP_MINUTES] = {"session_sweep_minutes", "XUNJI_SESSION_SWEEP_MINUTES", CT_INT, "10",
                                   0, 1440,
                                   "清理过期会话的间隔 (分钟; 多台服务器时合计每个间隔只运行一次; 0 为不清理)"},
    [CFG_MALLOC_ARENA_MAX] = {"malloc_arena_max", "XUNJI_MALLOC_ARENA_MAX", CT_INT, "2", 1, 64,
                              "serve 的 glibc 内存分配区 (arena) 个数上限: 越小常驻内存越少, 多核高并发时可调大"},
    [CFG_DB_CACHE_KIB] = {"db_cache_kib", "XUNJI_DB_CACHE_KIB", CT_INT, "512", 64, 1048576,
                          "每个 SQLite 连接的页缓存上限 (KiB; 写连接与每个读连接各一份; PostgreSQL 不用)"},
    [CFG_ANSWER_CACHE_KIB] = {"answer_cache_kib", "XUNJI_ANSWER_CACHE_KIB", CT_INT, "4096", 0, 1048576,
                              "查询结果缓存的上限 (KiB; 列表、记录、统计与下钻的应答, 数据库有任何提交即失效; "
                              "0 为不缓存; PostgreSQL 不缓存)"},
    [CFG_ANSWER_CACHE_SECONDS] = {"answer_cache_seconds", "XUNJI_ANSWER_CACHE_SECONDS", CT_INT, "60", 1,
                                  3600, "查询结果缓存中一条应答最长保留的时间 (秒)"},
    [CFG_AUDIT_ANCHOR_INTERVAL_MS] = {"audit_anchor_interval_ms", "XUNJI_AUDIT_ANCHOR_INTERVAL_MS", CT_INT,
                                      "50", 0, 60000,
                                      "serve 两次写审计锚点之间至少间隔的毫秒数 (持续写入时锚点最多落后链头这么久; "
                                      "0 为每次提交后尽快写)"},
};

static char *vals[CFG__MAX];

int cfg_dates_check(const char *list) {
  const char *p = list;
  while (*p) {
    while (*p == ' ' || *p == ',') p++;
    if (!*p) break;
    size_t n = strcspn(p, ", ");
    char d[11];
    int64_t day;
    if (n != 10) return -1;
    memcpy(d, p, 10);
    d[10] = '\0';
    if (!date_parse(d, &day)) return -1;
    p += n;
  }
  return 0;
}

int cfg_set(cfg_id id, const char *value, char *err, size_t errlen) {
  const cfg_def *d = &cfg_defs[id];
  if (id == CFG_TOTP_ALG && totp_alg_lookup(value) < 0) {
    snprintf(err, errlen, "配置项 %s 的值无效: %s (应为 sha1、sha256、sha512 或 sm3)", d->name, value);
    return -1;
  }
  if ((id == CFG_HOLIDAYS || id == CFG_MAKEUP_WORKDAYS) && cfg_dates_check(value)) {
    snprintf(err, errlen, "配置项 %s 的值无效: %s (应为逗号分隔的日期 YYYY-MM-DD)", d->name, value);
    return -1;
  }
  if (id == CFG_LETTER_MARK && *value && strcmp(value, "内部资料") && strcmp(value, "工作秘密")) {
    snprintf(err, errlen, "配置项 %s 的值无效: %s (应为空、内部资料 或 工作秘密)", d->name, value);
    return -1;
  }
  if ((id == CFG_ADMIN_NETWORKS || id == CFG_METRICS_NETWORKS) && *value) {
    net_range *nr = NULL;
    char why[256];
    int n = net_ranges_parse(value, &nr, why, sizeof why);
    free(nr);
    if (n < 0) {
      snprintf(err, errlen, "配置项 %s 的值无效: %s", d->name, value);
      return -1;
    }
  }
  if (d->type == CT_INT) {
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || end == value || *end || v < d->min || v > d->max) {
      snprintf(err, errlen, "配置项 %s 的值无效: %s (应为 %ld 至 %ld 的整数)", d->name, value,
               d->min, d->max);
      return -1;
    }
  }
  free(vals[id]);
  vals[id] = xstrdup(value);
  return 0;
}

static int lookup(const char *name, size_t n) {
  for (int i = 0; i < CFG__MAX; i++)
    if (strlen(cfg_defs[i].name) == n && strncmp(cfg_defs[i].name, name, n) == 0) return i;
  return -1;
}

int cfg_set_kv(const char *kv, char *err, size_t errlen) {
  const char *eq = strchr(kv, '=');
  if (!eq) {
    snprintf(err, errlen, "配置格式应为 名称=值: %s", kv);
    return -1;
  }
  int id = lookup(kv, (size_t)(eq - kv));
  if (id < 0) {
    snprintf(err, errlen, "未知配置项: %.*s", (int)(eq - kv), kv);
    return -1;
  }
  return cfg_set((cfg_id)id, eq + 1, err, errlen);
}

static char *trim(char *s) {
  while (isspace((unsigned char)*s)) s++;
  char *e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1])) *--e = '\0';
  return s;
}

static int load_file(const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(err, errlen, "无法读取配置文件 %s: %s", path, strerror(errno));
    return -1;
  }
  char line[1024];
  int lineno = 0, rc = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    if (!strchr(line, '\n') && !feof(f)) {
      snprintf(err, errlen, "%s:%d: 行过长", path, lineno);
      rc = -1;
      break;
    }
    char *s = trim(line);
    if (!*s || *s == '#') continue;
    char *eq = strchr(s, '=');
    if (!eq) {
      snprintf(err, errlen, "%s:%d: 应为 名称 = 值", path, lineno);
      rc = -1;
      break;
    }
    *eq = '\0';
    char *k = trim(s), *v = trim(eq + 1);
    int id = lookup(k, strlen(k));
    if (id < 0) {
      snprintf(err, errlen, "%s:%d: 未知配置项 %s", path, lineno, k);
      rc = -1;
      break;
    }
    if (cfg_set((cfg_id)id, v, err, errlen)) {
      rc = -1;
      break;
    }
  }
  fclose(f);
  return rc;
}

int cfg_load(const char *file, char *err, size_t errlen) {
  for (int i = 0; i < CFG__MAX; i++) {
    free(vals[i]);
    vals[i] = xstrdup(cfg_defs[i].def);
  }
  if (!file) file = getenv("XUNJI_CONFIG");
  if (file && *file && load_file(file, err, errlen)) return -1;
  for (int i = 0; i < CFG__MAX; i++) {
    const char *e = getenv(cfg_defs[i].env);
    if (e && cfg_set((cfg_id)i, e, err, errlen)) return -1;
  }
  return 0;
}

void cfg_finish(void) {
  char tmp[4096];
  if (!*vals[CFG_KEY_FILE]) {
    snprintf(tmp, sizeof tmp, "%s.key", vals[CFG_DB]);
    free(vals[CFG_KEY_FILE]);
    vals[CFG_KEY_FILE] = xstrdup(tmp);
  }
  if (!*vals[CFG_FILES_DIR]) {
    snprintf(tmp, sizeof tmp, "%s.files", vals[CFG_DB]);
    free(vals[CFG_FILES_DIR]);
    vals[CFG_FILES_DIR] = xstrdup(tmp);
  }
  if (!*vals[CFG_AUDIT_ANCHOR]) {
    snprintf(tmp, sizeof tmp, "%s.audit-anchor", vals[CFG_DB]);
    free(vals[CFG_AUDIT_ANCHOR]);
    vals[CFG_AUDIT_ANCHOR] = xstrdup(tmp);
  }
}

const char *cfg_str(cfg_id id) { return vals[id] ? vals[id] : cfg_defs[id].def; }
long cfg_int(cfg_id id) { return strtol(cfg_str(id), NULL, 10); }

void cfg_free(void) {
  for (int i = 0; i < CFG__MAX; i++) {
    free(vals[i]);
    vals[i] = NULL;
  }
}
