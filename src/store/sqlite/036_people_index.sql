-- 036: distinct people (people_accountable: count(DISTINCT unit_id || '|' || subject_name)
-- over the decided records of people and leaders) through one index (issue 15: a figure
-- that cannot be summed across groups costs O(people in scope)). report/stats.c reads the
-- records alone, without the kind's table as x and the joins to rounds, teams and orgs,
-- where no filter needs them and the user's condition holds for every record; the index
-- covers the condition and the expression, so the figure reads the index only.
CREATE INDEX accountability_people ON accountability(state, unit_id, subject_name, subject_kind, form);
