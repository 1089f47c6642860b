/*  wdm_server: the ingest server's loop.

    One ROUTER socket, CURVE on, every connection authorised by the ZAP
    handler (wdm_zap).  Each BATCH is decoded strictly, its records checked
    against the catalog and against what the sending unit may write; the
    batches that arrived together are stored in one transaction
    (wdm_store), and each is answered only after the COMMIT.  With the
    database away every batch is answered "retry later" and nothing is
    stored.  */

#ifndef WDM_SERVER_H_INCLUDED
#define WDM_SERVER_H_INCLUDED

#include <signal.h>

typedef struct {
    char endpoint [256];          //  where to bind, e.g. tcp://0.0.0.0:7300
    char secret_key_file [1024];  //  the server's CURVE secret key (mode 0600)
    char conninfo [1024];         //  libpq connection string
    long max_group;               //  records stored per transaction, at most
    long reload_seconds;          //  how often the catalog and grants are reread
    long warn_interval_ms;        //  touched indicators are judged once settled this long, at most this often
    long deadline_seconds;        //  how often report deadlines are checked
    char today [16];              //  "YYYY-MM-DD" to fix the date (tests, demos); "" real
    long status_seconds;          //  how often server_status is written
    char metrics_address [64];    //  where /metrics listens
    long metrics_port;            //  0: no HTTP metrics
    char log_level [16];
} wdm_server_config_t;

//  Run until *stop becomes nonzero (a signal handler sets it); then finish
//  the group in hand, answer it, and return.  0 after a clean stop, -1 if
//  the server could not start (the cause is logged): a secret key that is
//  missing or readable by others, no ZAP handler, an endpoint that cannot
//  be bound.
int wdm_server_run (const wdm_server_config_t *config, volatile sig_atomic_t *stop);

#endif
