/*  wdm_notice: the sender's work — queue the day's digest, then claim each
    pending notice that is due (FOR UPDATE SKIP LOCKED, so several senders
    share the queue without sending one notice twice), send it over its
    recipient's channel, and mark it sent, or count the attempt and set the
    next try with back-off, in the same transaction.  wdmon-notify calls
    it in a loop.  */

#ifndef WDM_NOTICE_H_INCLUDED
#define WDM_NOTICE_H_INCLUDED

#include "wdm_notice_channel.h"

#include <libpq-fe.h>

//  What wdmon-notify's configuration says (wdmon_notify.c fills it).
typedef struct {
    char conninfo [1024];
    char base_url [512];       //  the console's base URL, for the links
    char timezone [64];        //  the office's zone: the digest's day and hour
    char password_file [512];  //  [smtp] password_file; its first line fills smtp.password
    wdm_notice_smtp_t smtp;
    long interval_ms;   //  between rounds
    long retry_base_s;  //  the first retry's wait; doubled each attempt
    long retry_max_s;   //  the longest wait between tries
    long max_attempts;  //  after this many failures a notice is failed
    long digest_hour;   //  the office's hour from which the day's digest is queued; -1: none
    long timeout_s;     //  one send's limit
    char log_level [16];
} wdm_notice_config_t;

//  One round: queue today's digest if its hour has come, then send every
//  notice due, one transaction each.  *sent and *retried count what was
//  done.  0, or -1 if the database failed (logged; what was done stays).
int wdm_notice_round (PGconn *conn, const wdm_notice_config_t *config, int *sent, int *retried);

#endif
