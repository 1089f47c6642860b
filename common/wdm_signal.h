/*  wdm_signal: how a daemon's main learns it is to stop.  The collector's
    and the server's mains install the handlers once, before their run
    loop, and hand the loop the flag; the loop finishes what it holds and
    returns once the flag is set.  The flag is the one mutable global
    STYLE.md allows.  */

#ifndef WDM_SIGNAL_H_INCLUDED
#define WDM_SIGNAL_H_INCLUDED

#include <signal.h>

//  Make SIGTERM and SIGINT set a stop flag, and ignore SIGPIPE (a peer
//  gone is an error a write returns, not a reason to die).  Returns the
//  flag, 0 until one of those signals arrives; every call returns the same.
volatile sig_atomic_t *wdm_signal_stop_on_term (void);

#endif
