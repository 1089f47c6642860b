/*  wdm_notice_channel: one notice over one channel, with libcurl.  The
    bots' formats (as their documentation for custom group bots gives
    them):
      企业微信  {"msgtype":"text","text":{"content":...}}
      钉钉      {"msgtype":"text","text":{"content":...}}; with a secret,
                &timestamp=MS&sign=urlencode(base64(HMAC-SHA256(key=secret,
                msg="MS\nsecret"))) appended to the URL
      飞书      {"msg_type":"text","content":{"text":...}}; with a secret,
                "timestamp":"S" and "sign": base64(HMAC-SHA256(key="S\nsecret",
                msg="")) in the body
      webhook   the notice's fields as one JSON object
    Their answers carry errcode (企业微信, 钉钉) or code (飞书): 0 is taken.  */

#include "wdm_notice_channel.h"

#include "wdm_buf.h"

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

//  The most of a receiver's answer kept (for its error code and message).
#define S_ANSWER_MAX 4096

static void
s_why (char *why, size_t why_size, const char *what, CURLcode code)
{
    snprintf (why, why_size, "%s: %s", what, curl_easy_strerror (code));
}

//  Append base64 (standard alphabet) of bytes to out.  0, or -1 out of memory.
static int
s_base64 (wdm_buf_t *out, const unsigned char *bytes, size_t size)
{
    size_t room = sodium_base64_ENCODED_LEN (size, sodium_base64_VARIANT_ORIGINAL);
    if (wdm_buf_reserve (out, room))
        return -1;
    sodium_bin2base64 (out->data + out->size, room, bytes, size, sodium_base64_VARIANT_ORIGINAL);
    out->size += strlen (out->data + out->size);
    return 0;
}

//  HMAC-SHA256 of msg under key, base64, into out.  0, or -1.
static int
s_sign (wdm_buf_t *out, const char *key, const char *msg)
{
    unsigned char mac [crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init (&state, (const unsigned char *)key, strlen (key));
    crypto_auth_hmacsha256_update (&state, (const unsigned char *)msg, strlen (msg));
    crypto_auth_hmacsha256_final (&state, mac);
    sodium_memzero (&state, sizeof state);
    return s_base64 (out, mac, sizeof mac);
}

int
wdm_notice_hook_read (const char *path, wdm_notice_hook_t *hook, char *why, size_t why_size)
{
    memset (hook, 0, sizeof *hook);
    FILE *file = fopen (path, "r");
    if (!file) {
        snprintf (why, why_size, "无法读取机器人文件 / cannot read the webhook file %s", path);
        return -1;
    }
    char line [1400];
    while (fgets (line, sizeof line, file)) {
        line [strcspn (line, "\r\n")] = 0;
        char *key = line + strspn (line, " \t");
        char *eq = strchr (key, '=');
        if (*key == '#' || !eq)
            continue;
        char *value = eq + 1 + strspn (eq + 1, " \t");
        while (eq > key && (eq [-1] == ' ' || eq [-1] == '\t'))
            eq--;
        *eq = 0;
        if (strcmp (key, "url") == 0)
            snprintf (hook->url, sizeof hook->url, "%s", value);
        else if (strcmp (key, "secret") == 0)
            snprintf (hook->secret, sizeof hook->secret, "%s", value);
    }
    sodium_memzero (line, sizeof line);
    fclose (file);
    if (!*hook->url) {
        snprintf (why, why_size, "机器人文件没有 url / the webhook file %s has no url", path);
        return -1;
    }
    return 0;
}

//  --------------------------------------------------------------------
//  Mail

//  Append the subject as RFC 2047 encoded words, each of at most 45 bytes
//  of text (75 characters encoded), cut between UTF-8 characters, folded
//  onto lines of their own.  0, or -1 out of memory.
static int
s_mail_subject (wdm_buf_t *msg, const char *subject)
{
    size_t size = strlen (subject), at = 0;
    while (at < size) {
        size_t n = size - at < 45 ? size - at : 45;
        while (n > 0 && at + n < size && ((unsigned char)subject [at + n] & 0xC0) == 0x80)
            n--;  //  not inside a character
        if (wdm_buf_printf (msg, "%s=?UTF-8?B?", at ? "\r\n " : "")
            || s_base64 (msg, (const unsigned char *)subject + at, n) || wdm_buf_printf (msg, "?="))
            return -1;
        at += n;
    }
    return 0;
}

//  The message as SMTP sends it: headers (the subject RFC 2047-encoded),
//  the body with CRLF line ends, base64 in lines of 76.  0, or -1 out of
//  memory.
static int
s_mail_message (wdm_buf_t *msg, const wdm_notice_smtp_t *smtp, const char *to, const wdm_notice_text_t *text)
{
    char date [64];
    time_t now = time (NULL);
    struct tm tm;
    gmtime_r (&now, &tm);
    strftime (date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    wdm_buf_t body = { 0 }, b64 = { 0 };
    int rc = -1;
    for (const char *c = text->body; *c; c++)
        if ((*c == '\n' ? wdm_buf_add (&body, "\r\n", 2) : wdm_buf_add (&body, c, 1)))
            goto cleanup;
    if (wdm_buf_printf (msg, "Date: %s\r\nFrom: %s\r\nTo: %s\r\nMessage-ID: <notice-%lld@wdmon>\r\nSubject: ",
                        date, smtp->from, to, text->id)
        || s_mail_subject (msg, text->subject)
        || wdm_buf_printf (msg,
                           "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                           "Content-Transfer-Encoding: base64\r\n\r\n")
        || s_base64 (&b64, (const unsigned char *)body.data, body.size))
        goto cleanup;
    for (size_t at = 0; at < b64.size; at += 76) {
        size_t n = b64.size - at < 76 ? b64.size - at : 76;
        if (wdm_buf_add (msg, b64.data + at, n) || wdm_buf_add (msg, "\r\n", 2))
            goto cleanup;
    }
    rc = 0;
cleanup:
    wdm_buf_free (&body);
    wdm_buf_free (&b64);
    return rc;
}

//  What curl reads the message from.
typedef struct {
    const wdm_buf_t *msg;
    size_t at;
} s_reader_t;

static size_t
s_read (char *out, size_t size, size_t nitems, void *arg)
{
    s_reader_t *reader = arg;
    size_t n = reader->msg->size - reader->at;
    if (n > size * nitems)
        n = size * nitems;
    memcpy (out, reader->msg->data + reader->at, n);
    reader->at += n;
    return n;
}

int
wdm_notice_channel_mail (const wdm_notice_smtp_t *smtp, const char *to, const wdm_notice_text_t *text,
                         char *why, size_t why_size)
{
    int rc = -1;
    wdm_buf_t msg = { 0 };
    struct curl_slist *rcpt = NULL;
    CURL *curl = curl_easy_init ();
    char from [300];
    snprintf (from, sizeof from, "<%s>", smtp->from);
    if (!curl || s_mail_message (&msg, smtp, to, text) || !(rcpt = curl_slist_append (rcpt, to))) {
        snprintf (why, why_size, "out of memory");
        goto cleanup;
    }
    s_reader_t reader = { &msg, 0 };
    curl_easy_setopt (curl, CURLOPT_URL, smtp->url);
    curl_easy_setopt (curl, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt (curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt (curl, CURLOPT_READFUNCTION, s_read);
    curl_easy_setopt (curl, CURLOPT_READDATA, &reader);
    curl_easy_setopt (curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt (curl, CURLOPT_TIMEOUT, smtp->timeout_s);
    curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
    if (smtp->starttls)
        curl_easy_setopt (curl, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (*smtp->ca_file)
        curl_easy_setopt (curl, CURLOPT_CAINFO, smtp->ca_file);
    if (*smtp->user) {
        curl_easy_setopt (curl, CURLOPT_USERNAME, smtp->user);
        curl_easy_setopt (curl, CURLOPT_PASSWORD, smtp->password);
    }
    CURLcode code = curl_easy_perform (curl);
    if (code != CURLE_OK) {
        s_why (why, why_size, "邮件未发出 / mail not sent", code);
        goto cleanup;
    }
    rc = 0;
cleanup:
    curl_slist_free_all (rcpt);
    curl_easy_cleanup (curl);
    wdm_buf_free (&msg);
    return rc;
}

//  --------------------------------------------------------------------
//  Webhooks

static size_t
s_write (char *data, size_t size, size_t nmemb, void *arg)
{
    wdm_buf_t *answer = arg;
    size_t n = size * nmemb;
    if (answer->size < S_ANSWER_MAX)
        wdm_buf_add (answer, data, answer->size + n > S_ANSWER_MAX ? S_ANSWER_MAX - answer->size : n);
    return n;
}

//  The body for channel, and the URL to post to (DingTalk's signature goes
//  in it).  0, or -1 with why.
static int
s_hook_request (const char *channel, const wdm_notice_hook_t *hook, const wdm_notice_text_t *text, CURL *curl,
                wdm_buf_t *url, char **body, char *why, size_t why_size)
{
    int rc = -1;
    json_t *root = NULL;
    wdm_buf_t sign = { 0 }, to_sign = { 0 };
    char *escaped = NULL;
    if (wdm_buf_printf (url, "%s", hook->url))
        goto oom;
    if (strcmp (channel, "wecom") == 0 || strcmp (channel, "dingtalk") == 0)
        root = json_pack ("{s:s, s:{s:s}}", "msgtype", "text", "text", "content", text->body);
    else if (strcmp (channel, "feishu") == 0)
        root = json_pack ("{s:s, s:{s:s}}", "msg_type", "text", "content", "text", text->body);
    else {
        //  The fields as PostgreSQL wrote them: numbers exactly as stored.
        if (!(*body = strdup (text->fields)))
            goto oom;
        rc = 0;
        goto cleanup;
    }
    if (!root)
        goto oom;
    if (*hook->secret && strcmp (channel, "dingtalk") == 0) {
        struct timespec now;
        clock_gettime (CLOCK_REALTIME, &now);
        long long ms = (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
        if (wdm_buf_printf (&to_sign, "%lld\n%s", ms, hook->secret)
            || s_sign (&sign, hook->secret, to_sign.data)
            || !(escaped = curl_easy_escape (curl, sign.data, (int)sign.size))
            || wdm_buf_printf (url, "%stimestamp=%lld&sign=%s", strchr (hook->url, '?') ? "&" : "?", ms,
                               escaped))
            goto oom;
    } else if (*hook->secret && strcmp (channel, "feishu") == 0) {
        char seconds [32];
        snprintf (seconds, sizeof seconds, "%lld", (long long)time (NULL));
        if (wdm_buf_printf (&to_sign, "%s\n%s", seconds, hook->secret) || s_sign (&sign, to_sign.data, "")
            || json_object_set_new (root, "timestamp", json_string (seconds))
            || json_object_set_new (root, "sign", json_string (sign.data)))
            goto oom;
    }
    if (!(*body = json_dumps (root, JSON_COMPACT)))
        goto oom;
    rc = 0;
    goto cleanup;
oom:
    snprintf (why, why_size, "out of memory");
cleanup:
    curl_free (escaped);
    if (to_sign.data)
        sodium_memzero (to_sign.data, to_sign.size);
    wdm_buf_free (&to_sign);
    wdm_buf_free (&sign);
    json_decref (root);
    return rc;
}

//  Whether a bot's answer says it took the message: errcode or code 0
//  (an answer without either, as the generic webhook's, is taken).  0, or
//  -1 with the bot's code and message in why.
static int
s_hook_answer (const wdm_buf_t *answer, char *why, size_t why_size)
{
    json_t *root = answer->data ? json_loads (answer->data, 0, NULL) : NULL;
    json_t *code = json_object_get (root, "errcode");
    if (!code)
        code = json_object_get (root, "code");
    int rc = 0;
    if (json_is_integer (code) && json_integer_value (code) != 0) {
        const char *msg = json_string_value (json_object_get (root, "errmsg"));
        if (!msg)
            msg = json_string_value (json_object_get (root, "msg"));
        snprintf (why, why_size, "机器人拒收 / the bot refused it: code %lld %.200s",
                  (long long)json_integer_value (code), msg ? msg : "");
        rc = -1;
    }
    json_decref (root);
    return rc;
}

int
wdm_notice_channel_hook (const char *channel, const wdm_notice_hook_t *hook, const wdm_notice_text_t *text,
                         long timeout_s, char *why, size_t why_size)
{
    int rc = -1;
    wdm_buf_t url = { 0 }, answer = { 0 };
    char *body = NULL;
    struct curl_slist *headers = NULL;
    CURL *curl = curl_easy_init ();
    if (!curl || !(headers = curl_slist_append (headers, "Content-Type: application/json; charset=utf-8"))) {
        snprintf (why, why_size, "out of memory");
        goto cleanup;
    }
    if (s_hook_request (channel, hook, text, curl, &url, &body, why, why_size))
        goto cleanup;
    curl_easy_setopt (curl, CURLOPT_URL, url.data);
    curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt (curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, s_write);
    curl_easy_setopt (curl, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt (curl, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode code = curl_easy_perform (curl);
    long status = 0;
    curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
    if (code != CURLE_OK)
        s_why (why, why_size, "未送达 / not delivered", code);
    else if (status < 200 || status > 299)
        snprintf (why, why_size, "未送达 / not delivered: HTTP %ld", status);
    else
        rc = s_hook_answer (&answer, why, why_size);
cleanup:
    if (url.data)
        sodium_memzero (url.data, url.size);
    wdm_buf_free (&url);
    wdm_buf_free (&answer);
    free (body);
    curl_slist_free_all (headers);
    curl_easy_cleanup (curl);
    return rc;
}
