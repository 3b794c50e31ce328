/* Port 5000: the OSWorld in-VM server protocol. */
#ifndef DESKPOOL_OSWORLD_ROUTES_H
#define DESKPOOL_OSWORLD_ROUTES_H

#include "http.h"

void osworld_handle(int fd, const struct http_request *req);

/* File transfer handlers (file_routes.c). */
void handle_file(int fd, const struct http_request *req);
void handle_upload(int fd, const struct http_request *req);
void handle_list_directory(int fd, const struct http_request *req);
void handle_desktop_path(int fd, const struct http_request *req);

/* Benchmark ballast (ballast_routes.c). */
void handle_ballast(int fd, const struct http_request *req);

#endif
