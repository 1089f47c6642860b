/*  wdm_keys: CURVE key files.

    A public key file (.pub) holds one Z85-encoded key (40 characters) and
    a newline, nothing else, so that `cat unit.pub` gives the key.  A
    secret key file (.key) holds the same after a first line that marks it
    as secret:

        # wdmon-secret-key: 私钥，勿外传 / ...
        <40 characters of Z85>

    The mark is what lets every command that wants a public key refuse a
    secret one by mistake, before it can copy it anywhere (a bundle, a
    config, a log).  Key files from before the mark are one bare line; for
    those the name decides: an unmarked "*.key" is taken for a secret key,
    an unmarked "*.pub" for a public one.

    A secret key file must be readable by its owner only; loading one that
    others can read is refused, since a leaked secret key lets anyone write
    as that member unit.  No function here prints or logs a key.  */

#ifndef WDM_KEYS_H_INCLUDED
#define WDM_KEYS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#define WDM_KEY_Z85 41  //  40 characters and a NUL

//  The token that marks a secret key file (czmq's secret certificates
//  carry it too).
#define WDM_KEYS_SECRET_MARK "secret-key"

//  True if text is exactly 40 characters of Z85 that decode to 32 bytes.
bool wdm_keys_valid (const char *text);

//  Load a key from a file into key.  secret false: a public key is wanted,
//  and a secret key file (marked, or unmarked and named *.key) is refused.
//  secret true: a secret key is wanted; an unmarked *.pub is refused, and
//  so is a file whose mode lets group or others read it.  0, or -1 with
//  err naming the file, the problem and the kind of key that was wanted
//  (Chinese first, English alongside).  err never holds key material.
int wdm_keys_load (const char *path, bool secret, char *key, char *err, size_t err_size);

//  Write a key to a new file: if secret, mode 0600 with the secret mark;
//  else mode 0644, the bare key.  Refuses to overwrite an existing file.
//  0, or -1 with err.
int wdm_keys_write (const char *path, const char *key, bool secret, char *err, size_t err_size);

//  A new key pair.  0, or -1 if libzmq has no CURVE support.
int wdm_keys_generate (char *public_key, char *secret_key);

//  Zero size bytes at key in a way the compiler cannot drop (a secret key
//  that is no longer needed).
void wdm_keys_wipe (void *key, size_t size);

#endif
