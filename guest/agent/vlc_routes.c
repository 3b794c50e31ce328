#include "vlc_routes.h"

#include <string.h>

#include "router.h"

/* Basic authentication with an empty user and OSWorld's VLC password. */
#define VLC_AUTHORIZATION "Basic OnBhc3N3b3Jk" /* base64(":password") */

static const char STATUS_XML[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\" ?>\n"
    "<root><fullscreen>false</fullscreen><volume>256</volume><length>0</length><time>0</time>"
    "<state>stopped</state><version>deskpool-test-guest</version><information></information></root>\n";

static void handle_status(int fd, const struct http_request *req)
{
    const char *auth = http_header(req, "Authorization");
    if (!auth || strcmp(auth, VLC_AUTHORIZATION) != 0) {
        static const char body[] = "<h1>401 Client error</h1>";
        if (http_send_head(fd, 401, "text/html; charset=utf-8", (off_t)(sizeof body - 1),
                           "WWW-Authenticate: Basic realm=\"VLC stream\"\r\n"))
            http_write_all(fd, body, sizeof body - 1);
        return;
    }
    http_send(fd, 200, "text/xml; charset=utf-8", STATUS_XML, sizeof STATUS_XML - 1);
}

static const struct route vlc_routes[] = {
    { "GET", "/requests/status.xml", false, handle_status },
};

void vlc_handle(int fd, const struct http_request *req)
{
    router_dispatch(fd, req, vlc_routes, sizeof vlc_routes / sizeof vlc_routes[0]);
}
