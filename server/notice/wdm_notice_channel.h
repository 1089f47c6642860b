/*  wdm_notice_channel: deliver one notice's text over one channel — mail
    over SMTP, or a group bot's webhook (企业微信, 钉钉, 飞书) or a generic
    JSON webhook — with libcurl.  Called by wdm_notice for each claimed
    notice.  Nothing here logs: the caller gets a reason that names no
    secret (no password, no webhook URL, no signing key) and stores it.  */

#ifndef WDM_NOTICE_CHANNEL_H_INCLUDED
#define WDM_NOTICE_CHANNEL_H_INCLUDED

#include <stddef.h>

//  The mail server, as wdmon-notify's [smtp] section says.
typedef struct {
    char url [512];       //  smtp://host:port or smtps://host:port
    char from [256];      //  the sender's address
    char user [256];      //  login name; "" sends without login
    char password [256];  //  read from [smtp] password_file, never logged
    int starttls;         //  1: STARTTLS required before login
    char ca_file [512];   //  certificates to verify the server by; "" the system's
    long timeout_s;
} wdm_notice_smtp_t;

//  A bot's webhook, as its file says: url = ..., secret = ... (optional).
typedef struct {
    char url [1024];
    char secret [256];
} wdm_notice_hook_t;

//  What is sent: the notice's id (for Message-ID), a subject, the body
//  (UTF-8 plain text) and, for the generic webhook, its fields (JSON text).
typedef struct {
    long long id;
    const char *subject;
    const char *body;
    const char *fields;
} wdm_notice_text_t;

//  Read a webhook file (lines key = value; '#' comments; keys url and
//  secret) into hook.  0, or -1 with the reason (naming the path, never
//  the content) in why.
int wdm_notice_hook_read (const char *path, wdm_notice_hook_t *hook, char *why, size_t why_size);

//  Send text as mail to the address to.  0 when the server accepted it,
//  or -1 with the reason in why.
int wdm_notice_channel_mail (const wdm_notice_smtp_t *smtp, const char *to, const wdm_notice_text_t *text,
                             char *why, size_t why_size);

//  Post text to a webhook in the format of channel ("wecom", "dingtalk",
//  "feishu" or "webhook"), signed when hook has a secret.  0 when the
//  receiver said it took it (HTTP 2xx and, for the bots, code 0), or -1
//  with the reason in why.
int wdm_notice_channel_hook (const char *channel, const wdm_notice_hook_t *hook,
                             const wdm_notice_text_t *text, long timeout_s, char *why, size_t why_size);

#endif
