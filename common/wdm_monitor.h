/*  wdm_monitor: events from a ZeroMQ socket monitor (zmq_socket_monitor).  */

#ifndef WDM_MONITOR_H_INCLUDED
#define WDM_MONITOR_H_INCLUDED

#include <stdint.h>

//  Read one event from the monitor's socket: its number (ZMQ_EVENT_*) and
//  its value (a file descriptor, an errno or a ZAP status, by event).  The
//  endpoint frame is read and dropped.  0, or -1 if what arrived was not
//  an event.
int wdm_monitor_read (void *monitor, uint16_t *event, uint32_t *value);

#endif
