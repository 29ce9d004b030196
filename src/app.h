/*
 * app.h — the running application: the store, the keys and the settings
 * every request needs. One instance per process, built by cli/ and passed to
 * the HTTP server and handlers.
 */
#ifndef XUNJI_APP_H
#define XUNJI_APP_H

#include "sec/crypto.h"
#include "store/store.h"

typedef struct app {
  store *db;
  xkeys keys;
  const char *anchor; /* audit anchor file */
} app;

/* Loads settings-derived paths, keys and opens + migrates the database.
 * Returns 0 or -1 with a one-line Chinese message in err. */
int app_open(app *a, char *err, size_t errlen);
void app_close(app *a);

#endif
