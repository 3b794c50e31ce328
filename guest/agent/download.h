/* A small HTTP/1.1 client for /setup/download_file: plain http:// URLs (the
 * guest has no TLS library), redirects followed, the body written to a file.
 * Busybox's static wget is not used: it crashes in this initramfs. */
#ifndef DESKPOOL_DOWNLOAD_H
#define DESKPOOL_DOWNLOAD_H

#include <stdbool.h>
#include <sys/types.h>

#include "buffer.h"

/* Fetches `url` into `path`. Returns true with the byte count in `*size`, or
 * false with a requests-style message in `error` (the partial file removed). */
bool download_to_file(const char *url, const char *path, int timeout_seconds, off_t *size, struct buffer *error);

#endif
