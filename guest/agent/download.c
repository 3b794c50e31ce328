#define _GNU_SOURCE /* memmem */
#include "download.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_REDIRECTS 5
#define MAX_HEAD 32768

struct url_parts {
    char host[256];
    char port[8];
    char target[4096];
};

static bool parse_url(const char *url, struct url_parts *u, struct buffer *error)
{
    if (strncasecmp(url, "https://", 8) == 0) {
        buffer_printf(error, "HTTPS is not supported by the Deskpool test guest (no TLS): %s", url);
        return false;
    }
    if (strncasecmp(url, "http://", 7) != 0) {
        buffer_printf(error, "Invalid URL '%s': No scheme supplied. Perhaps you meant http://%s?", url, url);
        return false;
    }
    const char *host = url + 7;
    size_t host_len = strcspn(host, ":/?#");
    const char *rest = host + host_len;
    snprintf(u->port, sizeof u->port, "80");
    if (*rest == ':') {
        size_t port_len = strspn(rest + 1, "0123456789");
        if (port_len == 0 || port_len >= sizeof u->port) {
            buffer_printf(error, "Invalid URL '%s': bad port", url);
            return false;
        }
        snprintf(u->port, sizeof u->port, "%.*s", (int)port_len, rest + 1);
        rest += 1 + port_len;
    }
    if (host_len == 0 || host_len >= sizeof u->host) {
        buffer_printf(error, "Invalid URL '%s': No host supplied", url);
        return false;
    }
    snprintf(u->host, sizeof u->host, "%.*s", (int)host_len, host);
    size_t fragment = strcspn(rest, "#");
    snprintf(u->target, sizeof u->target, "%s%.*s", *rest == '/' ? "" : "/", (int)fragment, rest);
    return true;
}

static int connect_to(const struct url_parts *u, int timeout_ms, struct buffer *error)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(u->host, u->port, &hints, &res);
    if (rc != 0) {
        buffer_printf(error, "Failed to resolve '%s' ([Errno -2] %s)", u->host, gai_strerror(rc));
        return -1;
    }
    int fd = -1, err = 0;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
            err = errno;
            close(fd);
            fd = -1;
            continue;
        }
        struct pollfd p = { fd, POLLOUT, 0 };
        socklen_t len = sizeof err;
        if (poll(&p, 1, timeout_ms) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err) {
            if (!err)
                err = ETIMEDOUT;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        buffer_printf(error, "HTTPConnectionPool(host='%s', port=%s): Max retries exceeded (%s)", u->host, u->port,
                      strerror(err ? err : ECONNREFUSED));
    else
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

/* Reads what is available, waiting at most the timeout; 0 at end of stream, -1 on error or timeout. */
static ssize_t read_some(int fd, char *buf, size_t size, int timeout_ms)
{
    struct pollfd p = { fd, POLLIN, 0 };
    int ready;
    do {
        ready = poll(&p, 1, timeout_ms);
    } while (ready < 0 && errno == EINTR);
    if (ready != 1)
        return -1;
    return read(fd, buf, size);
}

static const char *header_value(const char *head, const char *name)
{
    size_t n = strlen(name);
    for (const char *line = strstr(head, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
        const char *start = line + 2;
        if (strncasecmp(start, name, n) == 0 && start[n] == ':') {
            start += n + 1;
            while (*start == ' ')
                start++;
            return start;
        }
    }
    return NULL;
}

struct sink {
    int fd;
    off_t written;
    bool failed;
};

static void sink_write(struct sink *s, const char *data, size_t len)
{
    while (len > 0 && !s->failed) {
        ssize_t n = write(s->fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            s->failed = true;
            return;
        }
        data += n;
        len -= (size_t)n;
        s->written += n;
    }
}

/* Decodes a chunked body held in `body` (the whole response has been read). */
static bool dechunk(const char *body, size_t len, struct sink *out)
{
    size_t pos = 0;
    for (;;) {
        char *end;
        unsigned long size = strtoul(body + pos, &end, 16);
        const char *crlf = memmem(body + pos, len - pos, "\r\n", 2);
        if (!crlf || end == body + pos)
            return false;
        pos = (size_t)(crlf - body) + 2;
        if (size == 0)
            return true;
        if (size > len - pos)
            return false;
        sink_write(out, body + pos, size);
        pos += size + 2;
        if (pos > len)
            return false;
    }
}

/* One GET. Returns the HTTP status (the body written when 2xx), or -1 with `error` set. */
static int fetch(const struct url_parts *u, struct sink *out, int timeout_ms, char *location, size_t location_size,
                 struct buffer *error)
{
    int fd = connect_to(u, timeout_ms, error);
    if (fd < 0)
        return -1;
    struct buffer request = BUFFER_INIT;
    buffer_printf(&request, "GET %s HTTP/1.1\r\nHost: %s%s%s\r\nUser-Agent: deskpool-guest\r\nAccept: */*\r\n"
                            "Connection: close\r\n\r\n",
                  u->target, u->host, strcmp(u->port, "80") ? ":" : "", strcmp(u->port, "80") ? u->port : "");
    bool sent = write(fd, request.data, request.len) == (ssize_t)request.len;
    buffer_free(&request);
    struct buffer response = BUFFER_INIT;
    char chunk[65536];
    ssize_t n = 0;
    size_t head_len = 0; /* an offset: the buffer moves as it grows */
    while (sent && (n = read_some(fd, chunk, sizeof chunk, timeout_ms)) > 0) {
        buffer_append(&response, chunk, (size_t)n);
        if (!head_len) {
            char *end = memmem(response.data, response.len, "\r\n\r\n", 4);
            head_len = end ? (size_t)(end - response.data) : 0;
        }
        if (head_len && response.len > head_len + 4 + sizeof chunk) {
            /* Stream the body once the head is known (unless chunked, decoded at the end). */
            const char *te = header_value(buffer_cstr(&response), "Transfer-Encoding");
            if (!(te && strncasecmp(te, "chunked", 7) == 0))
                break;
        }
        if (!head_len && response.len > MAX_HEAD)
            break;
    }
    char *head_end = head_len ? response.data + head_len : NULL;
    int status = -1;
    if (!sent || n < 0) {
        buffer_printf(error, "HTTPConnectionPool(host='%s', port=%s): Read timed out.", u->host, u->port);
    } else if (!head_end || sscanf(response.data, "HTTP/%*d.%*d %d", &status) != 1) {
        buffer_append_str(error, "Connection broken: invalid HTTP response");
        status = -1;
    } else {
        *head_end = '\0';
        const char *loc = header_value(response.data, "Location");
        if (loc)
            snprintf(location, location_size, "%.*s", (int)strcspn(loc, "\r\n"), loc);
        const char *te = header_value(response.data, "Transfer-Encoding");
        bool chunked = te && strncasecmp(te, "chunked", 7) == 0;
        const char *cl = header_value(response.data, "Content-Length");
        long long expected = cl ? atoll(cl) : -1;
        const char *body = head_end + 4;
        size_t have = response.len - (size_t)(body - response.data);
        if (status >= 200 && status < 300) {
            if (chunked) {
                if (!dechunk(body, have, out)) {
                    buffer_append_str(error, "Connection broken: invalid chunked encoding");
                    status = -1;
                }
            } else {
                sink_write(out, body, have);
                while (!out->failed && (n = read_some(fd, chunk, sizeof chunk, timeout_ms)) > 0)
                    sink_write(out, chunk, (size_t)n);
                if (n < 0) {
                    buffer_printf(error, "HTTPConnectionPool(host='%s', port=%s): Read timed out.", u->host, u->port);
                    status = -1;
                } else if (expected >= 0 && out->written != expected) {
                    buffer_printf(error, "Download incomplete. Expected %lld bytes, got %lld bytes", expected,
                                  (long long)out->written);
                    status = -1;
                }
            }
            if (out->failed) {
                buffer_printf(error, "[Errno %d] %s", errno, strerror(errno));
                status = -1;
            }
        }
    }
    buffer_free(&response);
    close(fd);
    return status;
}

bool download_to_file(const char *url, const char *path, int timeout_seconds, off_t *size, struct buffer *error)
{
    char current[4096];
    snprintf(current, sizeof current, "%s", url);
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
        struct url_parts u;
        if (!parse_url(current, &u, error))
            return false;
        struct sink out = { open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), 0, false };
        if (out.fd < 0) {
            buffer_printf(error, "[Errno %d] %s: '%s'", errno, strerror(errno), path);
            return false;
        }
        char location[4096] = "";
        int status = fetch(&u, &out, timeout_seconds * 1000, location, sizeof location, error);
        close(out.fd);
        if (status >= 200 && status < 300) {
            *size = out.written;
            return true;
        }
        unlink(path);
        if (status >= 300 && status < 400 && location[0]) {
            if (location[0] == '/')
                snprintf(current, sizeof current, "http://%s:%s%s", u.host, u.port, location);
            else
                snprintf(current, sizeof current, "%s", location);
            continue;
        }
        if (status > 0)
            buffer_printf(error, "%d %s Error for url: %s", status, status < 500 ? "Client" : "Server", current);
        return false;
    }
    buffer_printf(error, "Exceeded %d redirects.", MAX_REDIRECTS);
    return false;
}
