-- seed_zaoyang.sql — the historical records of Zaoyang's patrols 2018–2020
-- behind the figures of the seed (《五个加强》; DOMAIN.md §5), loaded by
-- `xunji seed zaoyang` (cli/seed.c) on top of the demo data (`init --demo`),
-- in one transaction. The statistics then reproduce the seed exactly:
--   all rounds: 292 cadres vetted, 32 commission cadres on teams,
--     4 + 1 + 1 cadre movements, 16 clues handed over during patrol since
--     2019 (all disposed of), 2 joint reviews discussing 32 problems,
--     877 people held accountable, 3223.46万元 cleared, returned and recovered;
--   2019 人防 special patrol (campaign 人防领域专项治理): 46 problems
--     rectified, 20 people 立案, 1 留置, 3 移送司法, 23 组织处理, 2596万元 recovered;
--   2020 脱贫攻坚 special patrol (campaign 脱贫攻坚): 160 villages, 1149
--     problems rectified, 5 党纪处分, 136 组织处理, 12.38万元 returned,
--     13.77万元 losses recovered, 46 systems revised.
-- Records are generated from small tables (numbers, names) so that every
-- count comes from rows, never from a typed figure. Ids are fixed
-- ('0170TTTT-0000-7000-8000-NNNNNNNNNNNN', T the table, N the row) so the
-- fixture is reproducible. Clue allegations are sealed afterwards by seed.c
-- (they are encrypted with the installation's key). Every statement here is
-- plain SQL without parameters; the temp tables are dropped at the end.
-- One text for both backends (the loader runs it as it is on PostgreSQL too):
-- printf() and date() come from src/store/pg/compat.sql there, every derived
-- table has an alias and a join without a condition is a CROSS JOIN.

CREATE TEMP TABLE n(i INTEGER PRIMARY KEY);
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 1199)
INSERT INTO n SELECT i FROM c;

-- who records: the demo accounts (the fixture needs `init --demo`)
CREATE TEMP TABLE who(k TEXT PRIMARY KEY, id TEXT NOT NULL);
INSERT INTO who SELECT login, id FROM users
 WHERE login IN ('office','leader1','member1','casemgmt','conduct','verification','lg','cadre',
                 'investigation');

CREATE TEMP TABLE org(k TEXT PRIMARY KEY, id TEXT NOT NULL);
INSERT INTO org SELECT 'u' || (row_number() OVER (ORDER BY created_at, rowid)), id FROM orgs
 WHERE kind = 'unit';
INSERT INTO org SELECT k, (SELECT id FROM orgs WHERE name = v) FROM (
  SELECT 'g1' AS k, '市委第一巡察组' AS v UNION ALL SELECT 'g2', '市委第二巡察组'
  UNION ALL SELECT 'g3', '市委第三巡察组' UNION ALL SELECT 'g4', '市委第四巡察组'
  UNION ALL SELECT 'commission', '枣阳市纪委监委'
  UNION ALL SELECT 'casemgmt', '市纪委监委案件监督管理室'
  UNION ALL SELECT 'investigation', '市纪委监委第一审查调查室'
  UNION ALL SELECT 'renfang', '枣阳市人民防空办公室'
  UNION ALL SELECT 'orgdept', '中共枣阳市委组织部') x;

-- names: 20 surnames x 30 given names
CREATE TEMP TABLE sn(i INTEGER PRIMARY KEY, s TEXT NOT NULL);
INSERT INTO sn VALUES (0,'王'),(1,'李'),(2,'张'),(3,'刘'),(4,'陈'),(5,'杨'),(6,'黄'),(7,'赵'),
 (8,'吴'),(9,'周'),(10,'徐'),(11,'孙'),(12,'马'),(13,'朱'),(14,'胡'),(15,'郭'),(16,'何'),
 (17,'高'),(18,'林'),(19,'罗');
CREATE TEMP TABLE gn(i INTEGER PRIMARY KEY, g TEXT NOT NULL);
INSERT INTO gn VALUES (0,'建国'),(1,'海燕'),(2,'志强'),(3,'丽华'),(4,'明辉'),(5,'晓东'),(6,'春梅'),
 (7,'国庆'),(8,'红霞'),(9,'文斌'),(10,'雪梅'),(11,'俊杰'),(12,'玉兰'),(13,'振华'),(14,'桂芳'),
 (15,'德胜'),(16,'秀英'),(17,'长江'),(18,'新民'),(19,'金凤'),(20,'永刚'),(21,'爱华'),
 (22,'立新'),(23,'美玲'),(24,'宏伟'),(25,'淑珍'),(26,'光明'),(27,'翠兰'),(28,'小军'),
 (29,'卫东');
CREATE TEMP VIEW nm AS SELECT n.i AS i, (SELECT s FROM sn WHERE sn.i = n.i % 20) ||
  (SELECT g FROM gn WHERE gn.i = (n.i / 20) % 30) AS name FROM n;

-- ---- rounds and teams ------------------------------------------------------
-- r1, r2: regular rounds of 2018; r3: 2019 人防 special; r4: regular round of
-- 2019; r5: 2020 脱贫攻坚 special.
CREATE TEMP TABLE rd(k INTEGER PRIMARY KEY, id TEXT, start TEXT, fin TEXT);
INSERT INTO rd VALUES
 (1, '01700001-0000-7000-8000-000000000001', '2018-03-12', '2018-05-11'),
 (2, '01700001-0000-7000-8000-000000000002', '2018-09-10', '2018-11-09'),
 (3, '01700001-0000-7000-8000-000000000003', '2019-05-06', '2019-06-28'),
 (4, '01700001-0000-7000-8000-000000000004', '2019-09-02', '2019-10-31'),
 (5, '01700001-0000-7000-8000-000000000005', '2020-05-11', '2020-07-10');
INSERT INTO rounds(id, name, term, seq, kind, theme, campaign, planned_start, planned_end, state,
                   created_at, updated_at)
SELECT rd.id, x.name, x.term, x.seq, x.kind, x.theme, x.campaign, rd.start, rd.fin, 'closed',
       rd.start || 'T01:00:00Z', rd.fin || 'T09:00:00Z'
  FROM rd JOIN (
  SELECT 1 AS k, '七届市委第三轮巡察' AS name, '七届' AS term, 3 AS seq, 'regular' AS kind,
         '聚焦全面从严治党主体责任落实' AS theme, NULL AS campaign
  UNION ALL SELECT 2, '七届市委第四轮巡察', '七届', 4, 'regular', '聚焦选人用人和基层党建', NULL
  UNION ALL SELECT 3, '2019年人防领域专项巡察', '七届', 5, 'special',
         '配合省纪委监委人防领域腐败问题专项治理', '人防领域专项治理'
  UNION ALL SELECT 4, '八届市委第一轮巡察', '八届', 1, 'regular', '聚焦群众身边腐败和作风问题', NULL
  UNION ALL SELECT 5, '2020年脱贫攻坚专项巡察', '八届', 2, 'special',
         '为决战脱贫攻坚提供坚强保障: 全市160个有贫困人口的村(社区)', '脱贫攻坚') x ON x.k = rd.k;

-- teams: (round, number 1..4); r3 has one team, r1 and r2 two, r4 and r5 four
CREATE TEMP TABLE tm(r INTEGER, t INTEGER, id TEXT, PRIMARY KEY (r, t));
INSERT INTO tm SELECT rd.k, t.i + 1, printf('01700002-0000-7000-8000-%012x', rd.k * 16 + t.i + 1)
  FROM rd JOIN n t ON t.i < (CASE rd.k WHEN 3 THEN 1 WHEN 1 THEN 2 WHEN 2 THEN 2 ELSE 4 END);
INSERT INTO teams(id, round_id, group_id, name, created_at, updated_at)
SELECT tm.id, rd.id, (SELECT id FROM org WHERE k = 'g' || tm.t),
       CASE WHEN tm.r = 3 THEN '人防领域专项巡察组'
            ELSE '第' || substr('一二三四', tm.t, 1) || '巡察组' END,
       rd.start || 'T01:00:00Z', rd.start || 'T01:00:00Z'
  FROM tm JOIN rd ON rd.k = tm.r;

-- the 160 villages (社区) with poor households: 8 towns x 20 villages
CREATE TEMP TABLE town(i INTEGER PRIMARY KEY, name TEXT);
INSERT INTO town VALUES (0,'琚湾镇'),(1,'吴店镇'),(2,'七方镇'),(3,'杨垱镇'),(4,'太平镇'),
 (5,'新市镇'),(6,'鹿头镇'),(7,'刘升镇');
CREATE TEMP TABLE vroot(i INTEGER PRIMARY KEY, name TEXT);
INSERT INTO vroot VALUES (0,'东岗村'),(1,'西湾村'),(2,'南岗村'),(3,'北河村'),(4,'王湾村'),
 (5,'李庄村'),(6,'张岗村'),(7,'刘楼村'),(8,'陈岗村'),(9,'杨湾村'),(10,'周庄村'),(11,'赵岗村'),
 (12,'黄湾村'),(13,'吴庄村'),(14,'徐岗社区'),(15,'孙湾村'),(16,'马庄村'),(17,'朱岗村'),
 (18,'胡湾社区'),(19,'郭庄村');
INSERT INTO orgs(id, kind, name, level, created_at, updated_at)
SELECT printf('01700004-0000-7000-8000-%012x', n.i), 'unit',
       (SELECT name FROM town WHERE town.i = n.i / 20) || (SELECT name FROM vroot WHERE vroot.i = n.i % 20),
       'village', '2020-05-01T01:00:00Z', '2020-05-01T01:00:00Z'
  FROM n WHERE n.i < 160;

-- targets: (round, team, unit); villages 40 per team of r5
CREATE TEMP TABLE tg(id TEXT PRIMARY KEY, r INTEGER, t INTEGER, unit TEXT, ord INTEGER);
INSERT INTO tg SELECT printf('01700003-0000-7000-8000-%012x', x.r * 1000 + x.ord), x.r, x.t,
       (SELECT id FROM org WHERE k = x.u), x.ord FROM (
  SELECT 1 AS r, 1 AS t, 'u3' AS u, 0 AS ord UNION ALL SELECT 1, 1, 'u4', 1
  UNION ALL SELECT 1, 2, 'u5', 2 UNION ALL SELECT 1, 2, 'u6', 3
  UNION ALL SELECT 2, 1, 'u7', 0 UNION ALL SELECT 2, 1, 'u8', 1
  UNION ALL SELECT 2, 2, 'u9', 2 UNION ALL SELECT 2, 2, 'u10', 3
  UNION ALL SELECT 3, 1, 'renfang', 0
  UNION ALL SELECT 4, 1, 'u11', 0 UNION ALL SELECT 4, 2, 'u12', 1
  UNION ALL SELECT 4, 3, 'u2', 2 UNION ALL SELECT 4, 4, 'u10', 3) x;
INSERT INTO tg SELECT printf('01700003-0000-7000-8000-%012x', 5000 + n.i), 5, n.i / 40 + 1,
       printf('01700004-0000-7000-8000-%012x', n.i), n.i FROM n WHERE n.i < 160;
INSERT INTO targets(id, round_id, team_id, unit_id, mobilization_date, entry_date,
                    withdrawal_date, report_date, feedback_date, created_at, updated_at)
SELECT tg.id, rd.id, tm.id, tg.unit, rd.start, date(rd.start, '+1 day'), date(rd.fin, '-10 days'),
       date(rd.fin, '+5 days'), date(rd.fin, '+20 days'), rd.start || 'T01:00:00Z',
       rd.start || 'T01:00:00Z'
  FROM tg JOIN rd ON rd.k = tg.r JOIN tm ON tm.r = tg.r AND tm.t = tg.t;

-- ---- cadres: 292 vetted, 289 served (3 objections were replaced) -------------
-- persons 0..31 come from the commission (32 commission cadres on teams)
INSERT INTO persons(id, name, org_id, post, rank, party_member, created_at, updated_at)
SELECT printf('01700005-0000-7000-8000-%012x', nm.i), nm.name,
       CASE WHEN nm.i < 32 THEN (SELECT id FROM org WHERE k = CASE nm.i % 3 WHEN 0 THEN 'commission'
                                 WHEN 1 THEN 'casemgmt' ELSE 'investigation' END)
            ELSE (SELECT id FROM org WHERE k = 'u' || (1 + nm.i % 12)) END,
       CASE WHEN nm.i < 32 THEN '纪检监察干部' ELSE '抽调干部' END,
       CASE WHEN nm.i % 5 = 0 THEN '四级主任科员' ELSE '科员' END, 1,
       '2018-01-15T01:00:00Z', '2018-01-15T01:00:00Z'
  FROM nm WHERE nm.i < 292;

-- person i serves on team (r, t) = the (i % 13)-th of the 13 teams; r3 (one
-- team) takes every 13th person
CREATE TEMP TABLE tmo(o INTEGER PRIMARY KEY, r INTEGER, t INTEGER);
INSERT INTO tmo SELECT row_number() OVER (ORDER BY r, t) - 1, r, t FROM tm;
INSERT INTO team_members(id, round_id, team_id, person_id, role, origin, source_unit_id,
                         created_by, created_at, updated_at)
SELECT printf('01700006-0000-7000-8000-%012x', p.i), rd.id, tm.id,
       printf('01700005-0000-7000-8000-%012x', p.i),
       CASE WHEN p.i < 13 THEN 'leader' WHEN p.i < 32 THEN 'commissioner' ELSE 'member' END,
       CASE WHEN p.i < 32 THEN 'commission' ELSE 'seconded' END,
       (SELECT org_id FROM persons WHERE id = printf('01700005-0000-7000-8000-%012x', p.i)),
       (SELECT id FROM who WHERE k = 'office'), rd.start || 'T02:00:00Z', rd.start || 'T02:00:00Z'
  FROM n p JOIN tmo ON tmo.o = p.i % 13 JOIN tm ON tm.r = tmo.r AND tm.t = tmo.t
  JOIN rd ON rd.k = tm.r
 WHERE p.i < 289;

-- vettings: one per person in its round; the last three had objections
INSERT INTO vettings(id, round_id, person_id, state, reason, requested_by, requested_at,
                     answered_by, answered_at, created_at, updated_at)
SELECT printf('01700007-0000-7000-8000-%012x', p.i), rd.id,
       printf('01700005-0000-7000-8000-%012x', p.i),
       CASE WHEN p.i < 289 THEN 'clear' ELSE 'objection' END,
       CASE WHEN p.i < 289 THEN NULL ELSE '近三年受过党纪处分, 不宜参加巡察工作' END,
       (SELECT id FROM who WHERE k = 'office'), date(rd.start, '-20 days') || 'T02:00:00Z',
       (SELECT id FROM who WHERE k = 'cadre'), date(rd.start, '-15 days') || 'T08:00:00Z',
       date(rd.start, '-20 days') || 'T02:00:00Z', date(rd.start, '-15 days') || 'T08:00:00Z'
  FROM n p JOIN tmo ON tmo.o = p.i % 13 JOIN tm ON tm.r = tmo.r AND tm.t = tmo.t
  JOIN rd ON rd.k = tm.r
 WHERE p.i < 292;

-- the cadre exchanges of the seed: 4 commission cadres to patrol posts, 1
-- deputy team leader to head 案管室, 1 patrol cadre to a township commission
INSERT INTO cadre_movements(id, person_id, kind, from_org_id, from_post, to_org_id, to_post,
                            moved_on, note, created_by, created_at)
SELECT printf('01700014-0000-7000-8000-%012x', x.i), printf('01700005-0000-7000-8000-%012x', x.p),
       x.kind, x.fo, x.fp, x.too, x.tp, x.d, NULL, (SELECT id FROM who WHERE k = 'cadre'),
       x.d || 'T02:00:00Z' FROM (
  SELECT 0 AS i, 0 AS p, 'commission_to_patrol' AS kind, (SELECT id FROM org WHERE k='commission') AS fo,
         '纪检监察干部' AS fp, (SELECT id FROM org WHERE k='g1') AS too, '巡察组专职副组长' AS tp, '2018-06-01' AS d
  UNION ALL SELECT 1, 1, 'commission_to_patrol', (SELECT id FROM org WHERE k='commission'), '纪检监察干部',
         (SELECT id FROM org WHERE k='g2'), '巡察组专职副组长', '2018-06-01'
  UNION ALL SELECT 2, 2, 'commission_to_patrol', (SELECT id FROM org WHERE k='commission'), '纪检监察干部',
         (SELECT id FROM org WHERE k='g3'), '巡察专员', '2019-03-01'
  UNION ALL SELECT 3, 3, 'commission_to_patrol', (SELECT id FROM org WHERE k='commission'), '纪检监察干部',
         (SELECT id FROM org WHERE k='g4'), '巡察专员', '2019-03-01'
  UNION ALL SELECT 4, 40, 'patrol_to_commission', (SELECT id FROM org WHERE k='g1'), '巡察组专职副组长',
         (SELECT id FROM org WHERE k='casemgmt'), '案件监督管理室主任', '2020-01-10'
  UNION ALL SELECT 5, 41, 'patrol_to_grassroots', (SELECT id FROM org WHERE k='g2'), '巡察干部',
         NULL, '吴店镇纪委副书记', '2020-03-20') x;

-- ---- problems ----------------------------------------------------------------
-- pb(i, r, t, target, n within the round): r3 46, r5 1149, r1 and r2 60 each,
-- r4 60; all of r3 and r5 rectified and signed off, the regular rounds
-- mostly so.
CREATE TEMP TABLE pb(i INTEGER PRIMARY KEY, r INTEGER, k INTEGER, target TEXT);
INSERT INTO pb SELECT n.i, 3, n.i, (SELECT id FROM tg WHERE r = 3) FROM n WHERE n.i < 46;
INSERT INTO pb SELECT 100 + n.i, 5, n.i,
       (SELECT id FROM tg WHERE r = 5 AND ord = n.i % 160) FROM n WHERE n.i < 1149;
INSERT INTO pb SELECT 2000 + x.r * 100 + n.i, x.r, n.i,
       (SELECT id FROM tg WHERE tg.r = x.r AND tg.ord = n.i % 4)
  FROM n CROSS JOIN (SELECT 1 AS r UNION ALL SELECT 2 UNION ALL SELECT 4) x WHERE n.i < 60;
CREATE TEMP TABLE cat(o INTEGER PRIMARY KEY, id TEXT);
INSERT INTO cat SELECT row_number() OVER (ORDER BY code) - 1, id FROM problem_categories
 WHERE parent_id IS NOT NULL;
INSERT INTO problems(id, seq_no, target_id, round_id, team_id, unit_id, category_id, title,
                     description, amount_fen, people, found_by, found_on, immediate_fix, inaction,
                     state, confirmed_at, confirmed_by, reported_at, fed_back_at, rectifying_at,
                     rectified_at, rectified_by, rectify_note, signed_off_at, signed_off_by,
                     created_by, created_at, updated_at)
SELECT printf('01700008-0000-7000-8000-%012x', pb.i),
       printf('%s-%04d', substr(rd.start, 1, 4),
              CASE pb.r WHEN 4 THEN 46 + pb.k + 1 WHEN 2 THEN 60 + pb.k + 1 ELSE pb.k + 1 END),
       tg.id, rd.id, tm.id, tg.unit,
       CASE pb.r WHEN 3 THEN (SELECT id FROM problem_categories WHERE code = CASE WHEN pb.k % 3 = 0 THEN '0403' WHEN pb.k % 3 = 1 THEN '0401' ELSE '0801' END)
                 WHEN 5 THEN (SELECT id FROM problem_categories WHERE code = CASE WHEN pb.k % 4 = 0 THEN '0701' WHEN pb.k % 4 = 1 THEN '0702' WHEN pb.k % 4 = 2 THEN '0301' ELSE '0801' END)
                 ELSE (SELECT id FROM cat WHERE o = pb.k % (SELECT count(*) FROM cat)) END,
       CASE pb.r WHEN 3 THEN '人防工程易地建设费征收管理问题 (' || (pb.k + 1) || ')'
                 WHEN 5 THEN (SELECT name FROM orgs WHERE id = tg.unit) || '扶贫领域问题 (' || (pb.k / 160 + 1) || ')'
                 ELSE '巡察发现问题 (' || (pb.k + 1) || ')' END,
       '历史巡察记录 (由《五个加强》所述数字生成的示范数据)',
       CASE WHEN pb.r = 3 THEN 5000000 + pb.k * 10000 WHEN pb.k % 7 = 0 THEN 120000 ELSE 0 END,
       NULL,
       CASE pb.k % 4 WHEN 0 THEN 'interview' WHEN 1 THEN 'records' WHEN 2 THEN 'field_visit' ELSE 'petition' END,
       date(rd.start, '+' || (5 + pb.k % 30) || ' days'),
       CASE WHEN pb.r = 5 AND pb.k % 4 = 0 THEN 1 ELSE 0 END,
       CASE WHEN pb.k % 9 = 0 THEN 1 ELSE 0 END,
       CASE WHEN pb.r IN (3, 5) OR pb.k % 10 <> 9 THEN 'signed_off' ELSE 'rectifying' END,
       date(rd.start, '+' || (6 + pb.k % 30) || ' days') || 'T02:00:00Z',
       (SELECT id FROM who WHERE k = 'leader1'),
       date(rd.fin, '+5 days') || 'T02:00:00Z', date(rd.fin, '+20 days') || 'T02:00:00Z',
       date(rd.fin, '+21 days') || 'T02:00:00Z',
       CASE WHEN pb.r IN (3, 5) OR pb.k % 10 <> 9 THEN date(rd.fin, '+' || (60 + pb.k % 40) || ' days') || 'T02:00:00Z' END,
       CASE WHEN pb.r IN (3, 5) OR pb.k % 10 <> 9 THEN (SELECT id FROM who WHERE k = 'office') END,
       CASE WHEN pb.r IN (3, 5) OR pb.k % 10 <> 9 THEN '已按整改方案完成整改' END,
       CASE WHEN pb.r IN (3, 5) OR pb.k % 10 <> 9 THEN date(rd.fin, '+' || (70 + pb.k % 40) || ' days') || 'T02:00:00Z' END,
       CASE WHEN pb.r IN (3, 5) OR pb.k % 10 <> 9 THEN (SELECT id FROM who WHERE k = 'office') END,
       (SELECT id FROM who WHERE k = 'member1'),
       date(rd.start, '+' || (5 + pb.k % 30) || ' days') || 'T02:00:00Z',
       date(rd.fin, '+' || (70 + pb.k % 40) || ' days') || 'T02:00:00Z'
  FROM pb JOIN rd ON rd.k = pb.r JOIN tg ON tg.id = pb.target
  JOIN tm ON tm.r = tg.r AND tm.t = tg.t;

-- 46 systems revised in the 脱贫攻坚 special patrol
INSERT INTO institutions(id, target_id, round_id, unit_id, problem_id, name, kind, issued_on,
                         created_by, created_at)
SELECT printf('01700013-0000-7000-8000-%012x', n.i), p.target_id, p.round_id, p.unit_id, p.id,
       (SELECT name FROM orgs WHERE id = p.unit_id) ||
       CASE n.i % 3 WHEN 0 THEN '扶贫资金使用管理办法' WHEN 1 THEN '村级事务公开制度' ELSE '精准识别动态管理办法' END,
       CASE WHEN n.i % 2 = 0 THEN 'revised' ELSE 'new' END,
       date(substr(p.rectified_at, 1, 10)), (SELECT id FROM who WHERE k = 'office'),
       p.rectified_at
  FROM n JOIN problems p ON p.id = printf('01700008-0000-7000-8000-%012x', 100 + n.i * 7)
 WHERE n.i < 46;

-- ---- clues: 16 handed over during patrol since 2019, 5 after patrol in 2018 --
-- cl(i, r, subject): r3 6 (the 人防 cases), r4 4, r5 6, r1 3, r2 2
CREATE TEMP TABLE cl(i INTEGER PRIMARY KEY, r INTEGER, k INTEGER, mode TEXT);
INSERT INTO cl SELECT n.i, CASE WHEN n.i < 6 THEN 3 WHEN n.i < 10 THEN 4 WHEN n.i < 16 THEN 5
                                WHEN n.i < 19 THEN 1 ELSE 2 END,
       n.i, CASE WHEN n.i < 16 THEN 'during_patrol' ELSE 'after_patrol' END FROM n WHERE n.i < 21;
INSERT INTO clues(id, target_id, round_id, team_id, unit_id, title, subject_name, subject_post,
                  source, discovered_on, allegation_enc, state, verified_at, verified_by,
                  verify_note, handover_at, handover_by, handover_mode, handover_docno,
                  registered_at, registered_by, registry_no, disposal_method, disposal_dept_id,
                  disposed_at, disposed_by, result, result_note, concluded_at, concluded_by,
                  created_by, created_at, updated_at, case_filed_on, detention_on,
                  prosecution_on, outcome_authority)
SELECT printf('01700010-0000-7000-8000-%012x', cl.i), tg.id, rd.id, tm.id, tg.unit,
       CASE cl.r WHEN 3 THEN '人防办工作人员涉嫌违规减免、截留易地建设费'
                 WHEN 5 THEN '村干部涉嫌虚报冒领扶贫资金'
                 ELSE '单位负责人涉嫌违规发放津补贴' END,
       (SELECT name FROM nm WHERE nm.i = 600 + cl.i), CASE cl.r WHEN 5 THEN '村党支部书记' ELSE '科长' END,
       CASE cl.i % 3 WHEN 0 THEN 'records' WHEN 1 THEN 'interview' ELSE 'petition' END,
       date(rd.start, '+' || (8 + cl.i % 9) || ' days'), '', 'concluded',
       date(rd.start, '+' || (9 + cl.i % 9) || ' days') || 'T02:00:00Z', (SELECT id FROM who WHERE k = 'leader1'),
       '经初步了解核实, 线索具体, 可查性强',
       CASE cl.mode WHEN 'during_patrol' THEN date(rd.start, '+' || (12 + cl.i % 9) || ' days')
                    ELSE date(rd.fin, '+12 days') END || 'T03:00:00Z',
       (SELECT id FROM who WHERE k = 'office'), cl.mode,
       printf('枣巡移〔%s〕%d号', substr(rd.start, 1, 4), 1 + cl.i),
       CASE cl.mode WHEN 'during_patrol' THEN date(rd.start, '+' || (13 + cl.i % 9) || ' days')
                    ELSE date(rd.fin, '+13 days') END || 'T02:00:00Z',
       (SELECT id FROM who WHERE k = 'casemgmt'),
       printf('枣纪案登〔%s〕%d号', substr(rd.start, 1, 4), 1 + cl.i),
       CASE WHEN cl.r = 3 OR cl.i % 2 = 0 THEN 'preliminary_verification' ELSE 'talk_inquiry' END,
       (SELECT id FROM org WHERE k = 'investigation'),
       CASE cl.mode WHEN 'during_patrol' THEN date(rd.start, '+' || (15 + cl.i % 9) || ' days')
                    ELSE date(rd.fin, '+16 days') END || 'T02:00:00Z',
       (SELECT id FROM who WHERE k = 'casemgmt'),
       CASE WHEN cl.r = 3 OR cl.i % 2 = 0 THEN 'case_filed' ELSE 'closed_out' END,
       '依规依纪依法处置完毕',
       date(rd.fin, '+' || (40 + cl.i) || ' days') || 'T02:00:00Z', (SELECT id FROM who WHERE k = 'casemgmt'),
       (SELECT id FROM who WHERE k = 'member1'),
       date(rd.start, '+' || (8 + cl.i % 9) || ' days') || 'T02:00:00Z',
       date(rd.fin, '+' || (40 + cl.i) || ' days') || 'T02:00:00Z',
       CASE WHEN cl.r = 3 OR cl.i % 2 = 0 THEN date(rd.start, '+' || (30 + cl.i) || ' days') END,
       CASE WHEN cl.i = 0 THEN date(rd.start, '+' || (32 + cl.i) || ' days') END,
       CASE WHEN cl.i < 3 THEN date(rd.fin, '+' || (35 + cl.i) || ' days') END,
       CASE WHEN cl.r = 3 OR cl.i % 2 = 0 THEN '中共枣阳市纪律检查委员会 枣阳市监察委员会' END
  FROM cl JOIN rd ON rd.k = cl.r
  JOIN tg ON tg.r = cl.r AND tg.ord = (CASE WHEN cl.r = 5 THEN cl.i * 11 % 160 ELSE cl.i % (SELECT count(*) FROM tg t2 WHERE t2.r = cl.r) END)
  JOIN tm ON tm.r = tg.r AND tm.t = tg.t;

-- ---- accountability ----------------------------------------------------------
-- ac(i, r, subject name index, outcome, problem or clue, funds): one row per
-- outcome. Subject names (nm: unique within any 600 consecutive indices) are
-- distinct within a unit, so each person is counted once.
CREATE TEMP TABLE ac(i INTEGER PRIMARY KEY, r INTEGER, nm INTEGER, kind TEXT, leader TEXT,
                     outcome TEXT, problem TEXT, clue TEXT, rec INTEGER, ret INTEGER, loss INTEGER);
CREATE TEMP TABLE orgcode(i INTEGER PRIMARY KEY, code TEXT);
INSERT INTO orgcode VALUES (0,'suspension'),(1,'reassignment'),(2,'ordered_resignation'),
 (3,'dismissal_from_post'),(4,'demotion');
-- 人防: the subjects of the six 人防 clues and fourteen more are 立案 (20);
-- the first is detained; the first three are transferred for prosecution;
-- the other seventeen get party discipline; 23 more get 组织处理; 2596万元.
INSERT INTO ac SELECT n.i, 3, CASE WHEN n.i < 6 THEN 600 + n.i ELSE 700 + n.i END, 'person', NULL,
       'case_filed', CASE WHEN n.i >= 6 THEN printf('01700008-0000-7000-8000-%012x', n.i) END,
       CASE WHEN n.i < 6 THEN printf('01700010-0000-7000-8000-%012x', n.i) END,
       129800000, 0, 0 FROM n WHERE n.i < 20;
INSERT INTO ac SELECT 20, 3, 600, 'person', NULL, 'detention', NULL,
       '01700010-0000-7000-8000-000000000000', 0, 0, 0;
INSERT INTO ac SELECT 21 + n.i, 3, 600 + n.i, 'person', NULL, 'prosecution_transfer', NULL,
       printf('01700010-0000-7000-8000-%012x', n.i), 0, 0, 0 FROM n WHERE n.i < 3;
INSERT INTO ac SELECT 24 + n.i, 3, CASE WHEN n.i < 3 THEN 603 + n.i ELSE 706 + n.i - 3 END,
       'person', NULL, CASE WHEN n.i % 2 = 0 THEN 'party_serious_warning' ELSE 'party_warning' END,
       CASE WHEN n.i >= 3 THEN printf('01700008-0000-7000-8000-%012x', 6 + n.i - 3) END,
       CASE WHEN n.i < 3 THEN printf('01700010-0000-7000-8000-%012x', 3 + n.i) END, 0, 0, 0
  FROM n WHERE n.i < 17;
INSERT INTO ac SELECT 41 + n.i, 3, 800 + n.i, 'person', NULL,
       (SELECT code FROM orgcode WHERE orgcode.i = n.i % 5),
       printf('01700008-0000-7000-8000-%012x', 20 + n.i), NULL, 0, 0, 0 FROM n WHERE n.i < 23;
-- 脱贫攻坚: 5 党纪处分 and 136 组织处理 of village cadres; 12.38万元 returned,
-- 13.77万元 losses recovered
INSERT INTO ac SELECT 100 + n.i, 5, n.i, 'person', NULL,
       CASE WHEN n.i < 5 THEN (CASE WHEN n.i < 3 THEN 'party_warning' ELSE 'party_serious_warning' END)
            ELSE (SELECT code FROM orgcode WHERE orgcode.i = n.i % 5) END,
       printf('01700008-0000-7000-8000-%012x', 100 + n.i), NULL, 0,
       CASE WHEN n.i BETWEEN 10 AND 19 THEN 1238000 ELSE 0 END,
       CASE WHEN n.i BETWEEN 20 AND 29 THEN 1377000 ELSE 0 END
  FROM n WHERE n.i < 141;
-- the regular rounds: 693 more people (问责, discipline, 约谈 of leaders),
-- 601.31万元 recovered; and one party organisation held accountable
INSERT INTO ac SELECT 1000 + n.i, CASE WHEN n.i < 231 THEN 1 WHEN n.i < 462 THEN 2 ELSE 4 END,
       n.i, CASE WHEN n.i % 231 IN (229, 230) THEN 'leader' ELSE 'person' END,
       CASE n.i % 231 WHEN 229 THEN 'principal' WHEN 230 THEN 'supervising' END,
       CASE WHEN n.i % 231 >= 229 THEN 'work_interview'
            WHEN n.i % 10 < 5 THEN (CASE n.i % 4 WHEN 0 THEN 'talk_reminder' WHEN 1 THEN 'criticism' WHEN 2 THEN 'admonition' ELSE 'ordered_review' END)
            WHEN n.i % 10 < 8 THEN (CASE WHEN n.i % 3 = 0 THEN 'party_serious_warning' ELSE 'party_warning' END)
            WHEN n.i % 10 = 8 THEN 'gov_demerit'
            ELSE (SELECT code FROM orgcode WHERE orgcode.i = n.i % 5) END,
       printf('01700008-0000-7000-8000-%012x',
              2000 + (CASE WHEN n.i < 231 THEN 1 WHEN n.i < 462 THEN 2 ELSE 4 END) * 100 + (n.i % 231) % 60),
       NULL, CASE WHEN n.i % 231 < 50 AND n.i < 231 THEN 12026200 ELSE 0 END, 0, 0
  FROM n WHERE n.i < 693;
INSERT INTO ac SELECT 1999, 4, 0, 'organization', NULL, 'circulated_criticism',
       printf('01700008-0000-7000-8000-%012x', 2400), NULL, 0, 0, 0;
-- The seed's 公款私存 example (八届市委第一轮巡察, 枣阳市吴店镇): the team found
-- that the accountant kept public money in a private account, asked the
-- commission for help (the assistance request below), the commission queried
-- the accountant's bank statements and the clue was fixed; the accountant got
-- 严重警告, the principal and the supervising leader 工作约谈. These are three of
-- the outcomes above, tied to the story's clue and problem (the same people
-- are counted: the totals do not move).
UPDATE ac SET problem = NULL, clue = '01700010-0000-7000-8000-000000000009', nm = 609
 WHERE i = 1465;
UPDATE ac SET problem = printf('01700008-0000-7000-8000-%012x', 2449) WHERE i = 1692;
INSERT INTO accountability(id, problem_id, clue_id, target_id, round_id, team_id, unit_id,
                           subject_kind, subject_name, subject_post, leader_role, outcome,
                           criminal, form, authority, decided_on, funds_recovered_fen,
                           funds_returned_fen, losses_recovered_fen, note, state, created_by,
                           created_at, updated_at)
SELECT printf('01700009-0000-7000-8000-%012x', ac.i), ac.problem, ac.clue, src.target_id,
       src.round_id, src.team_id, src.unit_id, ac.kind,
       CASE WHEN ac.kind = 'organization' THEN (SELECT name FROM orgs WHERE id = src.unit_id) || '党组'
            ELSE (SELECT name FROM nm WHERE nm.i = ac.nm) END,
       CASE ac.kind WHEN 'leader' THEN CASE ac.leader WHEN 'principal' THEN '党组书记' ELSE '分管副局长' END
                    WHEN 'person' THEN CASE ac.r WHEN 5 THEN '村干部' ELSE '工作人员' END END,
       ac.leader, ac.outcome, 0, NULL,
       CASE WHEN ac.outcome IN ('reassignment','suspension','ordered_resignation','dismissal_from_post','demotion','work_interview')
            THEN '中共枣阳市委组织部' ELSE '中共枣阳市纪律检查委员会' END,
       date((SELECT fin FROM rd WHERE rd.k = ac.r), '+' || (60 + ac.i % 90) || ' days'),
       ac.rec, ac.ret, ac.loss, NULL, 'decided', (SELECT id FROM who WHERE k = 'conduct'),
       date((SELECT fin FROM rd WHERE rd.k = ac.r), '+' || (60 + ac.i % 90) || ' days') || 'T06:00:00Z',
       date((SELECT fin FROM rd WHERE rd.k = ac.r), '+' || (60 + ac.i % 90) || ' days') || 'T06:00:00Z'
  FROM ac JOIN (SELECT id, target_id, round_id, team_id, unit_id, 'p' AS t FROM problems
                UNION ALL SELECT id, target_id, round_id, team_id, unit_id, 'c' FROM clues) src
    ON src.id = coalesce(ac.problem, ac.clue);

UPDATE accountability SET subject_post = '会计' WHERE id = printf('01700009-0000-7000-8000-%012x', 1465);

-- ---- the 公款私存 story: problem, clue and the assistance request ---------------
UPDATE problems SET title = '单位会计公款私存',
       description = '单位会计将公款存入个人银行账户 (历史记录, 据《五个加强》所述事例)'
 WHERE id = printf('01700008-0000-7000-8000-%012x', 2449);
UPDATE clues SET title = '单位会计涉嫌公款私存', subject_post = '会计',
       disposal_method = 'preliminary_verification', result = 'case_filed',
       case_filed_on = date(substr(concluded_at, 1, 10), '-20 days'),
       outcome_authority = '中共枣阳市纪律检查委员会 枣阳市监察委员会'
 WHERE id = '01700010-0000-7000-8000-000000000009';
INSERT INTO assistance(id, seq_no, target_id, round_id, team_id, unit_id, problem_id, clue_id, need,
                       reason, state, submitted_at, submitted_by, decided_at, decided_by,
                       decision_note, forwarded_at, forwarded_by, accepted_at, accepted_by,
                       accepted_role, completed_at, completed_by, result, evidence_fixed, closed_at,
                       closed_by, created_by, created_at, updated_at)
SELECT '01700018-0000-7000-8000-000000000001', substr(c.discovered_on, 1, 4) || '-0001', c.target_id,
       c.round_id, c.team_id, c.unit_id, printf('01700008-0000-7000-8000-%012x', 2449), c.id,
       '查询该单位会计个人银行账户流水',
       '巡察组发现该单位会计涉嫌公款私存, 需查询其个人银行账户流水以固定证据, 巡察组无权查询',
       'closed',
       c.discovered_on || 'T06:00:00Z', (SELECT id FROM who WHERE k = 'leader1'),
       date(c.discovered_on, '+1 day') || 'T02:00:00Z', (SELECT id FROM who WHERE k = 'lg'), '同意提请',
       date(c.discovered_on, '+1 day') || 'T06:00:00Z', (SELECT id FROM who WHERE k = 'office'),
       date(c.discovered_on, '+2 days') || 'T02:00:00Z', (SELECT id FROM who WHERE k = 'investigation'),
       'investigation',
       date(c.discovered_on, '+3 days') || 'T08:00:00Z', (SELECT id FROM who WHERE k = 'investigation'),
       '经查询会计个人银行账户流水, 公款私存问题属实, 线索已固定',
       '银行账户流水、会计凭证已调取并固定',
       date(c.discovered_on, '+4 days') || 'T02:00:00Z', (SELECT id FROM who WHERE k = 'leader1'),
       (SELECT id FROM who WHERE k = 'member1'), c.discovered_on || 'T05:00:00Z',
       date(c.discovered_on, '+4 days') || 'T02:00:00Z'
  FROM clues c WHERE c.id = '01700010-0000-7000-8000-000000000009';

-- ---- reports, feedback meetings and the copy (抄送) ---------------------------------
-- One report per target, approved, fed back at a meeting and copied to the
-- commission and 组织部. The 2020 脱贫攻坚 patrol fed its 160 villages back at
-- one 集中反馈大会 of 300余人: every village's report records its people there
-- (two, one for every tenth village: 304 in all); the other rounds fed each
-- unit back at its own meeting.
INSERT INTO reports(id, target_id, round_id, team_id, unit_id, text, state, submitted_at,
                    submitted_by, approved_at, approved_by, meeting_date, attendees, feedback_text,
                    fed_back_at, fed_back_by, copied_at, copied_by, created_by, created_at,
                    updated_at)
SELECT printf('01700015-0000-7000-8000-%012x', tg.r * 1000 + tg.ord), tg.id, rd.id, tm.id, tg.unit,
       '关于对' || u.name || '党组织巡察情况的报告 (历史记录)', 'copied',
       date(rd.fin, '+5 days') || 'T02:00:00Z', (SELECT id FROM who WHERE k = 'leader1'),
       date(rd.fin, '+12 days') || 'T02:00:00Z', (SELECT id FROM who WHERE k = 'lg'),
       x.meeting,
       CASE WHEN tg.r = 5 THEN (CASE WHEN tg.ord % 10 = 0 THEN 1 ELSE 2 END)
            WHEN tg.r = 3 THEN 45 ELSE 20 + (tg.ord * 7) % 15 END,
       '巡察反馈意见 (历史记录)',
       x.meeting || 'T06:00:00Z', (SELECT id FROM who WHERE k = 'office'),
       date(x.meeting, '+3 days') || 'T02:00:00Z', (SELECT id FROM who WHERE k = 'office'),
       (SELECT id FROM who WHERE k = 'leader1'), date(rd.fin, '+3 days') || 'T02:00:00Z',
       date(x.meeting, '+3 days') || 'T02:00:00Z'
  FROM tg JOIN rd ON rd.k = tg.r JOIN tm ON tm.r = tg.r AND tm.t = tg.t
  JOIN orgs u ON u.id = tg.unit
  JOIN (SELECT tg2.id AS id, CASE WHEN tg2.r IN (3, 5) THEN date(rd2.fin, '+20 days')
                                  ELSE date(rd2.fin, '+' || (17 + tg2.ord % 4) || ' days') END AS meeting
          FROM tg tg2 JOIN rd rd2 ON rd2.k = tg2.r) x ON x.id = tg.id;
INSERT INTO report_problems(report_id, problem_id)
SELECT rp.id, p.id FROM problems p JOIN reports rp ON rp.target_id = p.target_id
 WHERE p.id LIKE '01700008-%';
INSERT INTO report_copies(id, report_id, recipient, recipient_org_id, copied_by, copied_at)
SELECT x.t || substr(rp.id, 9), rp.id, x.recipient, (SELECT id FROM org WHERE org.k = x.o),
       rp.copied_by, rp.copied_at
  FROM reports rp CROSS JOIN (SELECT '01700016' AS t, 'commission' AS recipient, 'commission' AS o
                        UNION ALL SELECT '01700019', 'organization_dept', 'orgdept') x
 WHERE rp.id LIKE '01700015-%';

-- ---- rectification tasks of the rectified problems --------------------------------
-- One task per problem signed off (销号): measure, the people responsible, a
-- deadline two months after the feedback (or the day it was done, if later),
-- done and signed off with the problem.
INSERT INTO rect_tasks(id, problem_id, target_id, round_id, team_id, unit_id, measure, owner_name,
                       owner_post, leader_name, deadline, long_term, state, started_at, done_at,
                       done_note, signed_off_at, signed_off_by, created_by, created_at, updated_at)
SELECT '01700017-0000-7000-8000-' || substr(p.id, 25), p.id, p.target_id, p.round_id, p.team_id,
       p.unit_id, '针对「' || p.title || '」制定整改措施, 建立台账, 逐项落实',
       (SELECT name FROM nm WHERE nm.i = 300 + q.o % 290), '责任科室负责人',
       (SELECT name FROM nm WHERE nm.i = 900 + q.o % 290),
       max(date(substr(p.fed_back_at, 1, 10), '+2 months'), date(substr(p.rectified_at, 1, 10))), 0,
       'signed_off', p.rectifying_at, p.rectified_at, '已按整改方案完成整改', p.signed_off_at,
       p.signed_off_by, (SELECT id FROM who WHERE k = 'office'), p.rectifying_at, p.signed_off_at
  FROM problems p JOIN (SELECT id, row_number() OVER (ORDER BY id) AS o FROM problems
                         WHERE id LIKE '01700008-%' AND state = 'signed_off') q ON q.id = p.id;

-- the number series continue after the historical records
INSERT INTO doc_seq(series, year, last)
SELECT series, year, last FROM (
  SELECT 'problem' AS series, CAST(substr(seq_no, 1, 4) AS INTEGER) AS year,
         max(CAST(substr(seq_no, 6) AS INTEGER)) AS last
    FROM problems WHERE id LIKE '01700008-%' GROUP BY 2
  UNION ALL SELECT 'assistance', CAST(substr(seq_no, 1, 4) AS INTEGER), 1
    FROM assistance WHERE id = '01700018-0000-7000-8000-000000000001') x WHERE 1 = 1
ON CONFLICT(series, year) DO UPDATE SET last = max(doc_seq.last, excluded.last);

-- ---- joint reviews: 2 held with 32 problems ------------------------------------
INSERT INTO joint_reviews(id, round_id, team_id, title, scheduled_on, place, participants,
                          minutes, state, held_at, concluded_at, created_by, created_at, updated_at)
SELECT printf('01700011-0000-7000-8000-%012x', x.i), rd.id, tm.id, x.title, x.d,
       '市纪委监委三楼会议室', '市纪委监委核查组、' || x.team, '逐项审议问题来源、发现经过和处理意见',
       'concluded', x.d || 'T01:30:00Z', x.d || 'T09:00:00Z',
       (SELECT id FROM who WHERE k = 'verification'), date(x.d, '-7 days') || 'T02:00:00Z',
       x.d || 'T09:00:00Z'
  FROM (SELECT 1 AS i, 3 AS r, 1 AS t, '人防领域专项巡察问题处理情况联合审议' AS title, '2019-09-20' AS d,
               '人防领域专项巡察组' AS team
        UNION ALL SELECT 2, 5, 1, '脱贫攻坚专项巡察问题处理情况联合审议', '2020-10-15', '脱贫攻坚专项巡察第一巡察组') x
  JOIN rd ON rd.k = x.r JOIN tm ON tm.r = x.r AND tm.t = x.t;
-- review 1: 18 of the 人防 problems; review 2: 14 problems of r5's first team.
-- Two items were flagged (rectified before accountability was decided) and
-- cleared with the meeting's reason.
INSERT INTO review_items(id, review_id, problem_id, finding, proposed, proposed_note, source_text,
                         how_found, learned, final, final_note, flag_rectified_first,
                         flag_lenient, flag_detail, flag_cleared_at, flag_cleared_by, clear_reason,
                         flags_raised, flags_cleared, cleared_handling, created_at, updated_at)
SELECT printf('01700012-0000-7000-8000-%012x', x.i), x.rv, x.p, '核查属实', x.h, NULL,
       '巡察组个别谈话和查阅账目', '调阅会计凭证并实地核查', '问题发生在上届领导班子任期内', x.h,
       '同意核查组处理意见', x.flag, 0,
       CASE WHEN x.flag = 1 THEN json_array('问题已于追责问责决定前整改完毕') END,
       CASE WHEN x.flag = 1 THEN x.d || 'T08:00:00Z' END,
       CASE WHEN x.flag = 1 THEN (SELECT id FROM who WHERE k = 'verification') END,
       CASE WHEN x.flag = 1 THEN '经联审, 整改前已启动问责程序, 处理意见适当' END,
       x.flag, x.flag, CASE WHEN x.flag = 1 THEN x.h END,
       x.d || 'T02:00:00Z', x.d || 'T08:00:00Z'
  FROM (SELECT n.i AS i, '01700011-0000-7000-8000-000000000001' AS rv,
               printf('01700008-0000-7000-8000-%012x', n.i) AS p,
               CASE WHEN n.i < 6 THEN 'case_filed' ELSE 'party_warning' END AS h,
               CASE WHEN n.i = 7 THEN 1 ELSE 0 END AS flag, '2019-09-20' AS d
          FROM n WHERE n.i < 18
        UNION ALL
        SELECT 100 + n.i, '01700011-0000-7000-8000-000000000002',
               printf('01700008-0000-7000-8000-%012x', 100 + n.i), 'reassignment',
               CASE WHEN n.i = 3 THEN 1 ELSE 0 END, '2020-10-15'
          FROM n WHERE n.i < 14) x;

DROP VIEW nm;
DROP TABLE n; DROP TABLE who; DROP TABLE org; DROP TABLE sn; DROP TABLE gn; DROP TABLE rd;
DROP TABLE tm; DROP TABLE town; DROP TABLE vroot; DROP TABLE tg; DROP TABLE tmo; DROP TABLE pb;
DROP TABLE cat; DROP TABLE cl; DROP TABLE ac; DROP TABLE orgcode;
