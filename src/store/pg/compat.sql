-- compat.sql — the SQLite functions xunji's SQL uses, for PostgreSQL.
-- Run by pg.c at every migrate (idempotent), in schema sqlite_compat, which
-- every connection has on its search_path after public. DML is written once
-- (store.h); where SQLite and PostgreSQL differ in a function, it is here.
CREATE SCHEMA IF NOT EXISTS sqlite_compat;

-- group_concat(x [, sep]): SQLite's string aggregate (NULLs skipped).
CREATE OR REPLACE FUNCTION sqlite_compat.gc_step(acc text, v text, sep text) RETURNS text
  LANGUAGE sql IMMUTABLE AS
  $$ SELECT CASE WHEN v IS NULL THEN acc WHEN acc IS NULL THEN v ELSE acc || sep || v END $$;
CREATE OR REPLACE FUNCTION sqlite_compat.gc_step1(acc text, v text) RETURNS text
  LANGUAGE sql IMMUTABLE AS
  $$ SELECT CASE WHEN v IS NULL THEN acc WHEN acc IS NULL THEN v ELSE acc || ',' || v END $$;
CREATE OR REPLACE AGGREGATE sqlite_compat.group_concat(text, text)
  (SFUNC = sqlite_compat.gc_step, STYPE = text);
CREATE OR REPLACE AGGREGATE sqlite_compat.group_concat(text)
  (SFUNC = sqlite_compat.gc_step1, STYPE = text);

-- instr(haystack, needle): 1-based position or 0
CREATE OR REPLACE FUNCTION sqlite_compat.instr(h text, n text) RETURNS bigint
  LANGUAGE sql IMMUTABLE AS $$ SELECT strpos(h, n)::bigint $$;

-- hex(blob) and randomblob(n) (migration 015 makes session ids with them)
CREATE OR REPLACE FUNCTION sqlite_compat.hex(b bytea) RETURNS text
  LANGUAGE sql IMMUTABLE AS $$ SELECT upper(encode(b, 'hex')) $$;
CREATE OR REPLACE FUNCTION sqlite_compat.randomblob(n bigint) RETURNS bytea
  LANGUAGE sql VOLATILE AS
  $$ SELECT decode(string_agg(lpad(to_hex((random() * 255)::int), 2, '0'), ''), 'hex')
       FROM generate_series(1, n) $$;

-- JSON kept as text, as in SQLite
CREATE OR REPLACE FUNCTION sqlite_compat.json_valid(t text) RETURNS boolean
  LANGUAGE plpgsql IMMUTABLE AS
  $$ BEGIN PERFORM t::json; RETURN t IS NOT NULL; EXCEPTION WHEN others THEN RETURN false; END $$;
CREATE OR REPLACE FUNCTION sqlite_compat.json_type(t text) RETURNS text
  LANGUAGE sql IMMUTABLE AS
  $$ SELECT CASE json_typeof(t::json) WHEN 'number' THEN
              CASE WHEN t ~ '^\s*-?\d+\s*$' THEN 'integer' ELSE 'real' END
            WHEN 'boolean' THEN t::json #>> '{}' ELSE json_typeof(t::json) END $$;
CREATE OR REPLACE FUNCTION sqlite_compat.json_array(VARIADIC v text[]) RETURNS text
  LANGUAGE sql IMMUTABLE AS $$ SELECT array_to_json(v)::text $$;
-- json_each(text): the rows of a JSON array or object; value as text (a
-- string element without its quotes, as SQLite gives it)
CREATE OR REPLACE FUNCTION sqlite_compat.json_each(t text)
  RETURNS TABLE(key text, value text, type text)
  LANGUAGE sql IMMUTABLE AS
  $$ SELECT (e.o - 1)::text, e.v #>> '{}', json_typeof(e.v)
       FROM json_array_elements(CASE WHEN json_typeof(t::json) = 'array' THEN t::json
                                     ELSE '[]'::json END) WITH ORDINALITY AS e(v, o)
     UNION ALL
     SELECT e.k, e.v #>> '{}', json_typeof(e.v)
       FROM json_each(CASE WHEN json_typeof(t::json) = 'object' THEN t::json
                           ELSE '{}'::json END) AS e(k, v) $$;

-- BEFORE UPDATE/DELETE triggers of the form
--   BEGIN SELECT RAISE(ABORT, 'message'); END
-- (the append-only audit tables) become this trigger function.
CREATE OR REPLACE FUNCTION sqlite_compat.raise_abort() RETURNS trigger
  LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation'; END $$;

-- sum(condition) / total(x): SQLite sums truth values as 0/1
CREATE OR REPLACE FUNCTION sqlite_compat.sum_bool_step(acc bigint, v boolean) RETURNS bigint
  LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN v IS NULL THEN acc ELSE coalesce(acc, 0) + v::int END $$;
CREATE OR REPLACE AGGREGATE sqlite_compat.sum(boolean)
  (SFUNC = sqlite_compat.sum_bool_step, STYPE = bigint);

-- typeof(x): SQLite's storage class names
CREATE OR REPLACE FUNCTION sqlite_compat.typeof(v anyelement) RETURNS text
  LANGUAGE sql IMMUTABLE AS
  $$ SELECT CASE WHEN v IS NULL THEN 'null'
                 WHEN pg_typeof(v) IN ('bigint'::regtype, 'integer'::regtype, 'smallint'::regtype,
                                       'boolean'::regtype) THEN 'integer'
                 WHEN pg_typeof(v) IN ('double precision'::regtype, 'real'::regtype,
                                       'numeric'::regtype) THEN 'real'
                 WHEN pg_typeof(v) = 'bytea'::regtype THEN 'blob'
                 ELSE 'text' END $$;
