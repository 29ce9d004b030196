-- 018: a problem's task counts (the record engine's problem columns count a
-- problem's tasks and its signed-off tasks) go through one index on
-- (problem_id, state). With only rect_tasks_problem(problem_id) and
-- rect_tasks_state(state, deadline), SQLite without statistics chose the state
-- index and walked every signed-off task in the database for each problem:
-- GET of one problem fell from ~10,000/s at 2,000 problems to 49/s at
-- 100,000 (bench/README.md). The new index leads with problem_id, so it also
-- serves every lookup the old rect_tasks_problem did.
CREATE INDEX rect_tasks_problem_state ON rect_tasks(problem_id, state);
DROP INDEX rect_tasks_problem;
