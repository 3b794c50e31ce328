/* Port 5000 file transfer endpoints: /file, /setup/upload, /list_directory,
 * /desktop_path. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "download.h"
#include "form.h"
#include "handler_common.h"
#include "osworld_routes.h"

#define TREE_MAX_DEPTH 12
#define TREE_MAX_ENTRIES 20000

static void send_error_field(int fd, int status, const char *message)
{
    struct buffer json = BUFFER_INIT;
    buffer_append_str(&json, "{\"error\": ");
    json_write_cstring(&json, message);
    buffer_append_str(&json, "}");
    http_send_json(fd, status, &json);
    buffer_free(&json);
}

void send_file_contents(int fd, int file, const char *path, off_t size, const char *content_type, bool attachment)
{
    char name[256], headers[400] = "";
    handler_basename(path, name, sizeof name);
    for (char *c = name; *c; c++) {
        if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20)
            *c = '_';
    }
    if (attachment)
        snprintf(headers, sizeof headers, "Content-Disposition: attachment; filename=\"%s\"\r\n", name);
    if (!http_send_head(fd, 200, content_type, size, headers))
        return;
    char chunk[65536];
    off_t left = size;
    while (left > 0) {
        ssize_t n = read(file, chunk, left < (off_t)sizeof chunk ? (size_t)left : sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* file shrank: the client sees a short body */
        if (!http_write_all(fd, chunk, (size_t)n))
            break;
        left -= n;
    }
}

void handle_file(int fd, const struct http_request *req)
{
    struct form form;
    char error[160];
    if (!form_parse(req, &form, error, sizeof error)) {
        send_error_field(fd, 400, error);
        form_free(&form);
        return;
    }
    char *raw = form_get_string(&form, "file_path");
    form_free(&form);
    if (!raw || !*raw) {
        send_error_field(fd, 400, "file_path is required");
        free(raw);
        return;
    }
    char *path = expand_home(raw);
    free(raw);
    struct buffer message = BUFFER_INIT;
    int file = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (file < 0 && (errno == ENOENT || errno == ENOTDIR)) {
        send_error_field(fd, 404, "File not found");
    } else if (file < 0 || fstat(file, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        int err = file < 0 ? errno : S_ISDIR(sb.st_mode) ? EISDIR : EINVAL;
        buffer_append_str(&message, "Failed to serve file: ");
        handler_errno_message(&message, err, path);
        send_error_field(fd, 500, buffer_cstr(&message));
    } else {
        send_file_contents(fd, file, path, sb.st_size, "application/octet-stream", true);
    }
    if (file >= 0)
        close(file);
    buffer_free(&message);
    free(path);
}

/* mkdir -p of the parent directory of `path`. */
static int make_parent_dirs(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return ENOMEM;
    char *slash = strrchr(copy, '/');
    int err = 0;
    if (slash && slash != copy) {
        *slash = '\0';
        for (char *p = copy + 1; *p && !err; p++) {
            if (*p != '/')
                continue;
            *p = '\0';
            if (mkdir(copy, 0755) != 0 && errno != EEXIST)
                err = errno;
            *p = '/';
        }
        if (!err && mkdir(copy, 0755) != 0 && errno != EEXIST)
            err = errno;
    }
    free(copy);
    return err;
}

static int write_whole_file(const char *path, const char *data, size_t len)
{
    int err = make_parent_dirs(path);
    if (err)
        return err;
    int file = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (file < 0)
        return errno;
    while (len > 0) {
        ssize_t n = write(file, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = errno;
            break;
        }
        data += n;
        len -= (size_t)n;
    }
    if (close(file) != 0 && !err)
        err = errno;
    if (err)
        unlink(path);
    return err;
}

void handle_upload(int fd, const struct http_request *req)
{
    struct form form;
    char error[160];
    if (!form_parse(req, &form, error, sizeof error)) {
        send_error_field(fd, 400, error);
        form_free(&form);
        return;
    }
    char *raw = form_get_string(&form, "file_path");
    const struct form_field *data = form_get(&form, "file_data");
    if (!raw || !*raw || !data) {
        send_error_field(fd, 400, "file_path and file_data are required");
        free(raw);
        form_free(&form);
        return;
    }
    char *path = expand_home(raw);
    int err = write_whole_file(path, data->data, data->len);
    struct buffer message = BUFFER_INIT;
    if (err) {
        buffer_append_str(&message, "Failed to upload file: ");
        handler_errno_message(&message, err, path);
        send_error_field(fd, 500, buffer_cstr(&message));
    } else {
        buffer_printf(&message, "File Uploaded: %zu bytes", data->len);
        http_send_text(fd, 200, buffer_cstr(&message));
    }
    buffer_free(&message);
    free(path);
    free(raw);
    form_free(&form);
}

/* Appends {"type": "directory", "name": ..., "children": [...]} for `path`. */
static void write_tree(struct buffer *json, const char *path, const char *name, int depth, size_t *entries)
{
    DIR *dir = opendir(path);
    if (!dir) {
        struct buffer message = BUFFER_INIT;
        handler_errno_message(&message, errno, path);
        buffer_append_str(json, "{\"error\": ");
        json_write_cstring(json, buffer_cstr(&message));
        buffer_append_str(json, "}");
        buffer_free(&message);
        return;
    }
    buffer_append_str(json, "{\"type\": \"directory\", \"name\": ");
    json_write_cstring(json, name);
    buffer_append_str(json, ", \"children\": [");
    bool first = true;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        if (++*entries > TREE_MAX_ENTRIES)
            break;
        if (!first)
            buffer_append_str(json, ", ");
        first = false;
        struct buffer child = BUFFER_INIT;
        buffer_printf(&child, "%s/%s", strcmp(path, "/") == 0 ? "" : path, entry->d_name);
        struct stat sb;
        bool is_dir = stat(buffer_cstr(&child), &sb) == 0 && S_ISDIR(sb.st_mode);
        if (is_dir && depth < TREE_MAX_DEPTH) {
            write_tree(json, child.data, entry->d_name, depth + 1, entries);
        } else {
            buffer_printf(json, "{\"type\": \"%s\", \"name\": ", is_dir ? "directory" : "file");
            json_write_cstring(json, entry->d_name);
            buffer_append_str(json, is_dir ? ", \"children\": []}" : "}");
        }
        buffer_free(&child);
    }
    closedir(dir);
    buffer_append_str(json, "]}");
}

void handle_list_directory(int fd, const struct http_request *req)
{
    struct json_value *body = handler_json_body(fd, req);
    if (!body)
        return;
    const char *raw = json_get_string(body, "path");
    if (!raw) {
        send_error_field(fd, 400, "Missing 'path' parameter");
        json_free(body);
        return;
    }
    char *path = expand_home(raw);
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        send_error_field(fd, 400, "The provided path is not a directory");
    } else {
        char name[256];
        handler_basename(path, name, sizeof name);
        struct buffer json = BUFFER_INIT;
        size_t entries = 0;
        buffer_append_str(&json, "{\"directory_tree\": ");
        write_tree(&json, path, name, 0, &entries);
        buffer_append_str(&json, "}");
        http_send_json(fd, 200, &json);
        buffer_free(&json);
    }
    free(path);
    json_free(body);
}

void handle_desktop_path(int fd, const struct http_request *req)
{
    (void)req;
    char *desktop = expand_home("~/Desktop");
    struct stat sb;
    if (stat(desktop, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        struct buffer json = BUFFER_INIT;
        buffer_append_str(&json, "{\"desktop_path\": ");
        json_write_cstring(&json, desktop);
        buffer_append_str(&json, "}");
        http_send_json(fd, 200, &json);
        buffer_free(&json);
    } else {
        send_error_field(fd, 404, "Unsupported operating system or desktop path not found");
    }
    free(desktop);
}

/* ---- /setup/download_file ---------------------------------------------------------- */

#define DOWNLOAD_ATTEMPTS 3
#define DOWNLOAD_TIMEOUT_SECONDS 300

/* Like the real server: three attempts, a partial file removed, the size reported. */
void handle_download_file(int fd, const struct http_request *req)
{
    struct json_value *body = handler_json_body(fd, req);
    if (!body)
        return;
    const char *url = json_get_string(body, "url");
    const char *raw = json_get_string(body, "path");
    if (!url || !*url || !raw || !*raw) {
        http_send_text(fd, 400, "Path or URL not supplied!");
        json_free(body);
        return;
    }
    char *path = expand_home(raw);
    struct buffer error = BUFFER_INIT, message = BUFFER_INIT;
    off_t size = 0;
    bool fetched = false;
    int err = make_parent_dirs(path);
    if (err)
        handler_errno_message(&error, err, path);
    for (int attempt = 0; !err && !fetched && attempt < DOWNLOAD_ATTEMPTS; attempt++) {
        buffer_clear(&error);
        fetched = download_to_file(url, path, DOWNLOAD_TIMEOUT_SECONDS, &size, &error);
    }
    if (fetched) {
        buffer_printf(&message, "File downloaded successfully: %lld bytes", (long long)size);
        http_send_text(fd, 200, buffer_cstr(&message));
    } else {
        buffer_printf(&message, "Failed to download %s. No retries left. Error: %s", url, buffer_cstr(&error));
        http_send_text(fd, 500, buffer_cstr(&message));
    }
    buffer_free(&error);
    buffer_free(&message);
    free(path);
    json_free(body);
}
