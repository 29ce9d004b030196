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

-- date(t [, modifier]): SQLite's date() for an ISO date or timestamp text and
-- one modifier '±N day(s)|month(s)|year(s)'; text 'YYYY-MM-DD', NULL when the
-- input is not a date. Months and years move the month and keep the day, which
-- then overflows into the next month as SQLite's does (2019-12-31 +2 months =
-- 2020-03-02), not clamped as PostgreSQL's interval arithmetic would.
CREATE OR REPLACE FUNCTION sqlite_compat.date(t text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE STRICT AS
  $$ BEGIN
       IF t !~ '^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$' THEN
         RETURN NULL;
       END IF;
       RETURN to_char(left(t, 10)::date, 'YYYY-MM-DD');
     EXCEPTION WHEN others THEN RETURN NULL;
     END $$;
CREATE OR REPLACE FUNCTION sqlite_compat.date(t text, modifier text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE STRICT AS
  $$ DECLARE d date; m text[]; k bigint; mon bigint;
     BEGIN
       IF sqlite_compat.date(t) IS NULL THEN RETURN NULL; END IF;
       d := left(t, 10)::date;
       m := regexp_match(modifier, '^\s*([+-]?\d+)\s+(day|month|year)s?\s*$', 'i');
       IF m IS NULL THEN RETURN NULL; END IF;
       k := m[1]::bigint;
       IF lower(m[2]) = 'day' THEN RETURN to_char(d + k::int, 'YYYY-MM-DD'); END IF;
       mon := extract(year FROM d)::bigint * 12 + extract(month FROM d)::bigint - 1
              + CASE WHEN lower(m[2]) = 'year' THEN 12 * k ELSE k END;
       RETURN to_char(make_date((mon / 12)::int, (mon % 12)::int + 1, 1)
                      + (extract(day FROM d)::int - 1), 'YYYY-MM-DD');
     END $$;

-- julianday(t): SQLite's Julian day number of an ISO date or UTC timestamp text
-- ('YYYY-MM-DD', 'YYYY-MM-DDTHH:MM:SS[Z]'), NULL when the input is not one. A date
-- gives its exact x.5 (migration 034's day counts use it on dates only).
CREATE OR REPLACE FUNCTION sqlite_compat.julianday(t text) RETURNS double precision
  LANGUAGE plpgsql IMMUTABLE STRICT AS
  $$ BEGIN
       IF t !~ '^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?)?$' THEN
         RETURN NULL;
       END IF;
       RETURN (extract(epoch FROM (replace(rtrim(t, 'Z'), 'T', ' ') || '+00')::timestamptz)
               / 86400 + 2440587.5)::double precision;
     EXCEPTION WHEN others THEN RETURN NULL;
     END $$;

-- printf(format, …): SQLite's printf for the conversions the SQL uses:
-- %s, %d and %x with an optional 0 flag and width, and %%. One overload per
-- argument shape used (PostgreSQL has no "any" for SQL functions).
CREATE OR REPLACE FUNCTION sqlite_compat.printf_args(fmt text, args text[]) RETURNS text
  LANGUAGE plpgsql IMMUTABLE AS
  $$ DECLARE out text := ''; i int := 1; n int := 0; c text; spec text[]; v text; w int;
     BEGIN
       IF fmt IS NULL THEN RETURN NULL; END IF;
       WHILE i <= length(fmt) LOOP
         c := substr(fmt, i, 1);
         IF c <> '%' THEN out := out || c; i := i + 1; CONTINUE; END IF;
         spec := regexp_match(substr(fmt, i + 1), '^(0?)(\d*)([sdx%])');
         IF spec IS NULL THEN RAISE EXCEPTION 'printf: unsupported format %', fmt; END IF;
         i := i + 1 + length(spec[1]) + length(spec[2]) + 1;
         IF spec[3] = '%' THEN out := out || '%'; CONTINUE; END IF;
         n := n + 1;
         v := args[n];
         IF spec[3] = 'd' THEN v := coalesce(v::bigint, 0)::text;
         ELSIF spec[3] = 'x' THEN v := to_hex(coalesce(v::bigint, 0));
         ELSE v := coalesce(v, ''); END IF;
         w := coalesce(nullif(spec[2], '')::int, 0);
         IF length(v) < w THEN
           IF spec[1] = '0' AND spec[3] <> 's' THEN
             v := CASE WHEN left(v, 1) = '-' THEN '-' || lpad(substr(v, 2), w - 1, '0')
                       ELSE lpad(v, w, '0') END;
           ELSE v := lpad(v, w, ' '); END IF;
         END IF;
         out := out || v;
       END LOOP;
       RETURN out;
     END $$;
CREATE OR REPLACE FUNCTION sqlite_compat.printf(fmt text, a bigint) RETURNS text
  LANGUAGE sql IMMUTABLE AS $$ SELECT sqlite_compat.printf_args(fmt, ARRAY[a::text]) $$;
CREATE OR REPLACE FUNCTION sqlite_compat.printf(fmt text, a text, b bigint) RETURNS text
  LANGUAGE sql IMMUTABLE AS $$ SELECT sqlite_compat.printf_args(fmt, ARRAY[a, b::text]) $$;
