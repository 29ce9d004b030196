/*
 * imports.h — the imports from spreadsheets as services (issue 14, item 3):
 * the cadre pool's persons and a team's targets, called by the HTTP
 * handlers (POST /api/v1/persons/import, /teams/{id}/targets/import) and by
 * `xunji import` alike. Input is the body-shaped object {"csv": text, and
 * for targets the phase dates}; an .xlsx file is turned into that CSV first
 * (imports_xlsx_csv), one line per sheet row so an error names the row the
 * user sees. All or nothing: any bad row imports none; the error
 * (400 invalid_rows, field "csv") carries "rows": [{row, message}].
 */
#ifndef XUNJI_IMPORTS_H
#define XUNJI_IMPORTS_H

#include "api/service.h"

enum { IMPORT_XLSX_MAX_BYTES = 8 << 20 };

/* The first sheet of an .xlsx file as CSV text (*csv malloc'd); 0, or an
 * error in x (field "xlsx": 400 unreadable, 413 too large). */
int imports_xlsx_csv(const void *bytes, size_t n, char **csv, xres *x);

/* Imports persons into the cadre pool (columns 姓名 单位 职务 职级 党员 专长).
 * *out: {"imported": n, "ids": [...]}; each person audited "person.import". */
int svc_persons_import(app *a, svc_actor *ac, json_t *in, json_t **out, xres *x);
/* Makes the units of a sheet (column 被巡察单位 or 单位: names or ids)
 * targets of team, with the phase dates of in (mobilization_date ...
 * feedback_date), through the same checks as svc_targets_bulk. *out:
 * {"created": n, "items": [...]}; an unknown unit is listed in
 * "unknown_units" with "create_with". */
int svc_targets_import(app *a, svc_actor *ac, const char *team, json_t *in, json_t **out, xres *x);

#endif
