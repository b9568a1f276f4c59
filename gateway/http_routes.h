/*
 * http_routes.h: the gateway's route table (http_routes.c), the one
 * place that names every handler; main.c hands it to the server.
 */
#ifndef FP_HTTP_ROUTES_H
#define FP_HTTP_ROUTES_H

#include "http_server.h"

/* Ended by a NULL path. */
extern const struct http_route http_routes[];

#endif
