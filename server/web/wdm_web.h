/*  wdm_web: the office's web console, wdmon-web — server-rendered pages
    over libmicrohttpd, accounts and sessions in PostgreSQL.

    One thread: wdm_web_run serves every request in turn on one database
    connection (the console answers a handful of people; a page is a few
    queries).  The pages are modules of their own (wdm_web_<page>.c) over a
    shared layer: the request and its session (wdm_web_session.c), the
    HTML layout and escaping (wdm_web_html.c), the embedded assets
    (wdm_web_assets.c).  wdmon_web.c is main.  */

#ifndef WDM_WEB_H_INCLUDED
#define WDM_WEB_H_INCLUDED

#include <signal.h>

//  What wdmon-web's configuration file and flags say ([web], [office],
//  [log]).
typedef struct {
    char address [64];     //  IPv4 address to listen on
    long port;             //  TCP port
    char conninfo [1024];  //  libpq connection string ("" uses PG* variables)
    long session_minutes;  //  a session ends this long after login
    long lock_attempts;    //  wrong passwords, for a login or from an address, that lock it
    long lock_minutes;     //  ... for this long
    char tls_cert [512];   //  PEM certificate: TLS on when this and tls_key are set
    char tls_key [512];    //  PEM private key
    int secure_cookie;     //  mark the cookie Secure (TLS in front, e.g. nginx); on with TLS
    int trust_proxy;       //  take the client's address from X-Real-IP (a proxy on loopback)
    char timezone [64];    //  the office's zone, for times shown
    char log_level [16];
} wdm_web_config_t;

//  Serve the console until *stop becomes non-zero.  0 after a clean stop,
//  -1 if it could not start (address, TLS files, database: logged).
int wdm_web_run (const wdm_web_config_t *config, volatile sig_atomic_t *stop);

#endif
