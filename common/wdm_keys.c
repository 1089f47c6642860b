/*  wdm_keys: load, check, write and generate CURVE key files.  */

#include "wdm_keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

bool
wdm_keys_valid (const char *text)
{
    uint8_t raw [32];
    return text && strlen (text) == 40 && zmq_z85_decode (raw, text) != NULL;
}

int
wdm_keys_load (const char *path, bool secret, char *key, char *err, size_t err_size)
{
    int rc = -1;
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
    if (secret && (st.st_mode & (S_IRWXG | S_IRWXO))) {
        snprintf (err, err_size, "%s: secret key file is accessible to others (mode %04o); "
                  "run chmod 600 on it", path, (unsigned) (st.st_mode & 07777));
        goto cleanup;
    }
    char line [128] = "";
    if (!fgets (line, sizeof line, file)) {
        snprintf (err, err_size, "%s: empty key file", path);
        goto cleanup;
    }
    line [strcspn (line, "\r\n")] = '\0';
    if (!wdm_keys_valid (line)) {
        snprintf (err, err_size, "%s: not a Z85 CURVE key of 40 characters", path);
        goto cleanup;
    }
    memcpy (key, line, WDM_KEY_Z85);
    rc = 0;
cleanup:
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
    char line [WDM_KEY_Z85 + 1];
    snprintf (line, sizeof line, "%s\n", key);
    size_t len = strlen (line);
    int rc = (write (fd, line, len) == (ssize_t) len && fsync (fd) == 0) ? 0 : -1;
    if (rc)
        snprintf (err, err_size, "%s: %s", path, strerror (errno));
    close (fd);
    return rc;
}

int
wdm_keys_generate (char *public_key, char *secret_key)
{
    return zmq_curve_keypair (public_key, secret_key) == 0 ? 0 : -1;
}
