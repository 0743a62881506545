/* static.c: the dashboard's static files (see static.h). Owns the file-name rule that keeps every request inside the
 * web directory, the extension-to-content-type table, and the validators: the ETag is the file's size and
 * modification time, `Cache-Control: no-cache` makes browsers revalidate each use (304 on If-None-Match), so a
 * rebuilt dashboard is picked up at once while an unchanged one costs no transfer. The files are read whole per
 * request (the largest, Chart.js, is about 200 KB). Never follows symbolic links. */
#include "http/static.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"

#define STATIC_NAME_MAX 128
#define STATIC_FILE_MAX (8u << 20)

int http_static_name_ok(const char *name) {
    size_t n = strlen(name);
    if (n == 0 || n > STATIC_NAME_MAX) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        int word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!word && !(i > 0 && c == '.')) return 0;
    }
    return strstr(name, "..") == NULL;
}

const char *http_static_content_type(const char *name) {
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},   {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},           {".map", "application/json"},
        {".svg", "image/svg+xml"},               {".png", "image/png"},
        {".ico", "image/x-icon"},                {".txt", "text/plain; charset=utf-8"},
    };
    const char *dot = strrchr(name, '.');
    if (dot)
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcmp(dot, types[i].ext) == 0) return types[i].type;
    return "application/octet-stream";
}

int http_static_default_dir(char *out, size_t outlen) {
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return -1;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash) return -1;
    *slash = 0;
    return snprintf(out, outlen, "%s/web", exe) < (int)outlen ? 0 : -1;
}

/* Read the regular file `name` of `dir`: 0 with *body (caller frees), *len and its ETag, or -1. */
static int static_read(const char *dir, const char *name, char **body, size_t *len, char *etag, size_t etaglen) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) return -1;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > STATIC_FILE_MAX) {
        close(fd);
        return -1;
    }
    size_t size = (size_t)st.st_size, got = 0;
    char *data = xmalloc(size + 1);
    while (got < size) {
        ssize_t r = read(fd, data + got, size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(fd);
    if (got != size) {
        free(data);
        return -1;
    }
    snprintf(etag, etaglen, "\"%zx-%llx%09ld\"", size, (unsigned long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    *body = data;
    *len = size;
    return 0;
}

int http_static_get(http_request *req) {
    const char *name = req->nparams == 1 ? req->params[0] : "index.html";
    if (!http_static_name_ok(name)) return http_error(req, 404, NULL, "no such file");
    char dir[4096];
    const char *web = req->app->config.web_dir;
    if (!web) {
        if (http_static_default_dir(dir, sizeof dir) != 0) return http_error(req, 404, NULL, "no such file");
        web = dir;
    }
    char *body;
    size_t len;
    char etag[64];
    if (static_read(web, name, &body, &len, etag, sizeof etag) != 0) return http_error(req, 404, NULL, "no such file");
    http_add_header(req, "ETag", etag);
    http_add_header(req, "Cache-Control", "no-cache");
    http_add_header(req, "X-Content-Type-Options", "nosniff");
    const char *inm = http_header(req, "If-None-Match");
    if (inm && strstr(inm, etag)) {
        free(body);
        return http_respond(req, 304, http_static_content_type(name), xstrdup(""), 0);
    }
    return http_respond(req, 200, http_static_content_type(name), body, len);
}
