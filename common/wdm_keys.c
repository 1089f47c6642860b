/*  wdm_keys: load, check, write and generate CURVE key files.  See
    wdm_keys.h for the two file formats.  */

#include "wdm_keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#define S_LINES_MAX 8  //  a key file is a line or two; more is not one

static const char s_secret_header [] =
    "# " WDM_KEYS_SECRET_MARK ": wdmon CURVE 私钥，只留在本机，勿复制、勿外传 / "
    "CURVE secret key: keep it on this machine, never copy or send it (mode 0600)\n";

static const char s_want_public [] = "这是私钥文件，此处要的是公钥 (.pub)；私钥不可复制外传 / "
                                     "this is a secret key file: a public key (.pub) was wanted here, "
                                     "and a secret key must never be copied";

static const char s_want_secret [] = "这是公钥文件，此处要的是私钥 (.key) / "
                                     "this is a public key file: the secret key (.key) was wanted here";

bool
wdm_keys_valid (const char *text)
{
    uint8_t raw [32];
    return text && strlen (text) == 40 && zmq_z85_decode (raw, text) != NULL;
}

static bool
s_ends_with (const char *text, const char *tail)
{
    size_t len = strlen (text), tail_len = strlen (tail);
    return len >= tail_len && strcmp (text + len - tail_len, tail) == 0;
}

//  Read the key line of an open key file into line (which must hold 128
//  bytes) and say whether the file carries the secret mark.  0, or -1 if
//  the file holds no key line.  A line longer than a comment line can be
//  is read to its end and is no key.
static int
s_read_key_file (FILE *file, char *line, bool *marked)
{
    char text [512];
    int found = -1;
    *marked = false;
    for (int i = 0; i < S_LINES_MAX && fgets (text, sizeof text, file); i++) {
        bool whole = strchr (text, '\n') || feof (file);
        if (!whole) {
            int c;
            while ((c = fgetc (file)) != EOF && c != '\n')
                ;
        }
        text [strcspn (text, "\r\n")] = '\0';
        if (strstr (text, WDM_KEYS_SECRET_MARK))
            *marked = true;
        if (text [0] == '#' || text [0] == '\0' || found == 0)
            continue;
        size_t len = whole ? strlen (text) : 0;
        if (len >= 128)
            len = 0;
        memcpy (line, text, len);
        line [len] = '\0';
        found = 0;
    }
    wdm_keys_wipe (text, sizeof text);
    return found;
}

int
wdm_keys_load (const char *path, bool secret, char *key, char *err, size_t err_size)
{
    int rc = -1;
    char line [128] = "";
    FILE *file = fopen (path, "r");
    if (!file) {
        snprintf (err, err_size, "%s: %s", path, strerror (errno));
        return -1;
    }
    struct stat st;
    if (fstat (fileno (file), &st)) {
        snprintf (err, err_size, "%s: %s", path, strerror (errno));
        goto cleanup;
    }
    bool marked;
    if (s_read_key_file (file, line, &marked)) {
        snprintf (err, err_size, "%s: 没有密钥 / no key in the file", path);
        goto cleanup;
    }
    //  The kind first: telling someone to chmod 600 the public key they
    //  gave by mistake would be no help.
    bool is_secret = marked || s_ends_with (path, ".key");
    bool is_public = !marked && s_ends_with (path, ".pub");
    if (!secret && is_secret) {
        snprintf (err, err_size, "%s: %s", path, s_want_public);
        goto cleanup;
    }
    if (secret && is_public) {
        snprintf (err, err_size, "%s: %s", path, s_want_secret);
        goto cleanup;
    }
    if (secret && (st.st_mode & (S_IRWXG | S_IRWXO))) {
        snprintf (err, err_size,
                  "%s: 私钥文件他人可读 (mode %04o)，请执行 chmod 600 / "
                  "secret key file is accessible to others (mode %04o); run chmod 600 on it",
                  path, (unsigned)(st.st_mode & 07777), (unsigned)(st.st_mode & 07777));
        goto cleanup;
    }
    if (!wdm_keys_valid (line)) {
        snprintf (err, err_size,
                  "%s: 不是 40 个字符的 Z85 CURVE 密钥 / "
                  "not a Z85 CURVE key of 40 characters",
                  path);
        goto cleanup;
    }
    memcpy (key, line, WDM_KEY_Z85);
    rc = 0;
cleanup:
    wdm_keys_wipe (line, sizeof line);
    fclose (file);
    return rc;
}

int
wdm_keys_write (const char *path, const char *key, bool secret, char *err, size_t err_size)
{
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL, secret ? 0600 : 0644);
    if (fd < 0) {
        snprintf (err, err_size, "%s: %s", path, strerror (errno));
        return -1;
    }
    char text [sizeof s_secret_header + WDM_KEY_Z85 + 1];
    snprintf (text, sizeof text, "%s%s\n", secret ? s_secret_header : "", key);
    size_t len = strlen (text);
    int rc = (write (fd, text, len) == (ssize_t)len && fsync (fd) == 0) ? 0 : -1;
    if (rc)
        snprintf (err, err_size, "%s: %s", path, strerror (errno));
    wdm_keys_wipe (text, sizeof text);
    close (fd);
    return rc;
}

int
wdm_keys_generate (char *public_key, char *secret_key)
{
    return zmq_curve_keypair (public_key, secret_key) == 0 ? 0 : -1;
}

void
wdm_keys_wipe (void *key, size_t size)
{
    volatile unsigned char *byte = (volatile unsigned char *)key;
    while (size--)
        *byte++ = 0;
}
