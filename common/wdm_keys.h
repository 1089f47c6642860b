/*  wdm_keys: CURVE key files.  A key file holds one Z85-encoded key (40
    characters) and a newline.  A secret key file must be readable by its
    owner only; loading one that others can read is refused, since a
    leaked secret key lets anyone write as that member unit.  */

#ifndef WDM_KEYS_H_INCLUDED
#define WDM_KEYS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#define WDM_KEY_Z85 41          //  40 characters and a NUL

//  True if text is exactly 40 characters of Z85 that decode to 32 bytes.
bool wdm_keys_valid (const char *text);

//  Load a key from a file into key.  secret: refuse a file whose mode
//  lets group or others read it.  0, or -1 with err naming the file and
//  the problem.
int wdm_keys_load (const char *path, bool secret, char *key, char *err, size_t err_size);

//  Write a key to a new file (mode 0600 if secret, else 0644); refuses to
//  overwrite an existing file.  0, or -1 with err.
int wdm_keys_write (const char *path, const char *key, bool secret, char *err, size_t err_size);

//  A new key pair.  0, or -1 if libzmq has no CURVE support.
int wdm_keys_generate (char *public_key, char *secret_key);

#endif
