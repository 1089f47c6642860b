/*  wdm_monitor: socket monitor events.  See wdm_monitor.h.  */

#include "wdm_monitor.h"

#include <string.h>
#include <zmq.h>

int
wdm_monitor_read (void *monitor, uint16_t *event, uint32_t *value)
{
    zmq_msg_t first, second;
    zmq_msg_init (&first);
    zmq_msg_init (&second);
    int rc = -1;
    if (zmq_msg_recv (&first, monitor, 0) >= 0 && zmq_msg_more (&first)
        && zmq_msg_recv (&second, monitor, 0) >= 0 && zmq_msg_size (&first) >= 6) {
        memcpy (event, zmq_msg_data (&first), 2);
        memcpy (value, (const uint8_t *)zmq_msg_data (&first) + 2, 4);
        rc = 0;
    }
    zmq_msg_close (&first);
    zmq_msg_close (&second);
    return rc;
}
