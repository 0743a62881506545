/* fuzz_body.c: libFuzzer target for request bodies read as forms (http/body.c): form-encoded and multipart/form-data
 * parsing of untrusted bytes. Properties: no crash or leak; a form is always an object whose values are strings or
 * arrays of strings; a multipart body is such an object or an error, never both. The first byte picks the boundary
 * length so the multipart parser sees both matching and mismatching delimiters. */
#include "fuzz.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "http/body.h"

static int fields_are_text(json_t *o) {
    const char *k;
    json_t *v;
    if (!json_is_object(o)) return 0;
    json_object_foreach(o, k, v) {
        if (json_is_string(v)) continue;
        if (!json_is_array(v) || json_array_size(v) < 2) return 0;
        for (size_t i = 0; i < json_array_size(v); i++)
            if (!json_is_string(json_array_get(v, i))) return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > 65536) return 0;
    json_t *o;
    http_body_parse_form((const char *)data + 1, size - 1, &o);
    FUZZ_CHECK(fields_are_text(o));
    json_decref(o);

    char ct[64];
    snprintf(ct, sizeof ct, "multipart/form-data; boundary=%.*s", 1 + data[0] % 8, "XyZ-b0undary");
    char err[256];
    o = NULL;
    int rc = http_body_parse_multipart(ct, (const char *)data + 1, size - 1, &o, err, sizeof err);
    FUZZ_CHECK(rc == 0 ? fields_are_text(o) : o == NULL);
    json_decref(o);
    return 0;
}
