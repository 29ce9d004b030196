/*
 * server.h — the HTTP server: libmicrohttpd glue, limits and the deadline
 * reaper. Requests are handed to api_dispatch() once fully received.
 */
#ifndef XUNJI_SERVER_H
#define XUNJI_SERVER_H

#include "app.h"

/* Serves until SIGINT/SIGTERM. Returns 0 on clean shutdown. */
int http_serve(app *a);

#endif
