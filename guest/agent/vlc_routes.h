/* Port 8080: a stand-in for VLC's HTTP interface, which OSWorld's VLC getters
 * read (GET /requests/status.xml with password "password"). The guest plays no
 * media, so the player is always stopped. */
#ifndef DESKPOOL_VLC_ROUTES_H
#define DESKPOOL_VLC_ROUTES_H

#include "http.h"

void vlc_handle(int fd, const struct http_request *req);

#endif
