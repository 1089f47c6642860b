/*  wdm_signal: the daemons' stop flag and its handlers.  See wdm_signal.h.  */

#include "wdm_signal.h"

#include <string.h>

static volatile sig_atomic_t s_stop = 0;

static void
s_on_signal (int signum)
{
    (void)signum;
    s_stop = 1;
}

volatile sig_atomic_t *
wdm_signal_stop_on_term (void)
{
    struct sigaction action;
    memset (&action, 0, sizeof action);
    action.sa_handler = s_on_signal;
    sigaction (SIGTERM, &action, NULL);
    sigaction (SIGINT, &action, NULL);
    signal (SIGPIPE, SIG_IGN);
    return &s_stop;
}
