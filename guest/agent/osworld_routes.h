/* Port 5000: the OSWorld in-VM server protocol. */
#ifndef DESKPOOL_OSWORLD_ROUTES_H
#define DESKPOOL_OSWORLD_ROUTES_H

#include <stdbool.h>
#include <sys/types.h>

#include "http.h"

void osworld_handle(int fd, const struct http_request *req);

/* File transfer handlers (file_routes.c). */
void handle_file(int fd, const struct http_request *req);
void handle_upload(int fd, const struct http_request *req);
void handle_list_directory(int fd, const struct http_request *req);
void handle_desktop_path(int fd, const struct http_request *req);
void handle_download_file(int fd, const struct http_request *req);
/* Streams `size` bytes of the open `file` as the response body. */
void send_file_contents(int fd, int file, const char *path, off_t size, const char *content_type, bool attachment);

/* Script handlers (script_routes.c). */
void handle_run_python(int fd, const struct http_request *req);
void handle_run_bash_script(int fd, const struct http_request *req);
void handle_execute_with_verification(int fd, const struct http_request *req);

/* Wallpaper, window size and recording (media_routes.c). */
void handle_wallpaper(int fd, const struct http_request *req);
void handle_window_size(int fd, const struct http_request *req);
void handle_start_recording(int fd, const struct http_request *req);
void handle_end_recording(int fd, const struct http_request *req);

/* Benchmark ballast (ballast_routes.c). */
void handle_ballast(int fd, const struct http_request *req);

#endif
