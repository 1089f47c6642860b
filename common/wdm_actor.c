/*  wdm_actor: a thread and its pipe.  The owner holds both ends of the
    pipe from start to end; the thread uses its end only while fn runs, and
    the owner closes it after joining the thread, so a send to an actor
    whose fn has returned never finds the pipe gone.  Contracts in
    wdm_actor.h.  */

#include "wdm_actor.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

//  A signal: these seven bytes and a status byte, alone in a message.
#define S_SIGNAL "$SIGNAL"
#define S_SIGNAL_SIZE 8
//  How long destroy waits for "$TERM" to get into a full pipe before it
//  looks whether the thread has returned on its own.
#define S_TERM_RETRY_MS 100

struct wdm_actor {
    void *pipe;                 //  PAIR, the owner's end
    void *thread_pipe;          //  PAIR, the thread's end
    wdm_actor_fn_t *fn;
    void *args;
    pthread_t thread;
};

//  Receive one message on pipe, all its frames.  1 if it was a signal
//  (its status in *status), 0 another message, -1 nothing received (errno
//  says why: EAGAIN with ZMQ_DONTWAIT, ETERM, ...).
static int
s_recv (void *pipe, int flags, int *status)
{
    int rc = -1;
    zmq_msg_t frame;
    zmq_msg_init (&frame);
    if (zmq_msg_recv (&frame, pipe, flags) < 0)
        goto cleanup;
    rc = !zmq_msg_more (&frame) && zmq_msg_size (&frame) == S_SIGNAL_SIZE
      && memcmp (zmq_msg_data (&frame), S_SIGNAL, S_SIGNAL_SIZE - 1) == 0;
    if (rc)
        *status = ((const unsigned char *) zmq_msg_data (&frame)) [S_SIGNAL_SIZE - 1] ? -1 : 0;
    //  The rest of a multipart message, once the first frame is in, is
    //  all there: no wait.
    while (zmq_msg_more (&frame) && zmq_msg_recv (&frame, pipe, 0) >= 0)
        ;
cleanup:
    zmq_msg_close (&frame);
    return rc;
}

static int
s_signal (void *pipe, int status, int flags)
{
    char signal [S_SIGNAL_SIZE];
    memcpy (signal, S_SIGNAL, S_SIGNAL_SIZE - 1);
    signal [S_SIGNAL_SIZE - 1] = status ? 1 : 0;
    return zmq_send (pipe, signal, sizeof signal, flags) == (int) sizeof signal ? 0 : -1;
}

int
wdm_actor_signal (void *pipe, int status)
{
    return s_signal (pipe, status, 0);
}

int
wdm_actor_wait (void *pipe)
{
    while (1) {
        int status = -1;
        int rc = s_recv (pipe, 0, &status);
        if (rc == 1)
            return status;
        if (rc < 0 && zmq_errno () != EINTR && zmq_errno () != EAGAIN)
            return -1;          //  ETERM, or the pipe closed
    }
}

//  The thread: fn, then a last signal that it has returned, which destroy
//  looks for when it cannot get "$TERM" through.  Not waiting: if the
//  owner has let its side of the pipe fill up, it is not looking for it.
static void *
s_shim (void *arg)
{
    wdm_actor_t *self = (wdm_actor_t *) arg;
    self->fn (self->thread_pipe, self->args);
    s_signal (self->thread_pipe, 0, ZMQ_DONTWAIT);
    return NULL;
}

//  Make a PAIR socket with the pipe's limits.
static void *
s_pipe_socket (void *ctx)
{
    void *socket = zmq_socket (ctx, ZMQ_PAIR);
    int hwm = WDM_ACTOR_PIPE_HWM, linger = 0;
    if (socket) {
        zmq_setsockopt (socket, ZMQ_SNDHWM, &hwm, sizeof hwm);
        zmq_setsockopt (socket, ZMQ_RCVHWM, &hwm, sizeof hwm);
        zmq_setsockopt (socket, ZMQ_LINGER, &linger, sizeof linger);
    }
    return socket;
}

wdm_actor_t *
wdm_actor_new (void *ctx, wdm_actor_fn_t *fn, void *args)
{
    bool started = false;
    wdm_actor_t *self = calloc (1, sizeof *self);
    if (!self || !ctx || !fn)
        goto cleanup;
    self->fn = fn;
    self->args = args;
    self->pipe = s_pipe_socket (ctx);
    self->thread_pipe = s_pipe_socket (ctx);
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "inproc://wdm-actor-%p", (void *) self);
    if (!self->pipe || !self->thread_pipe
    ||  zmq_bind (self->pipe, endpoint) || zmq_connect (self->thread_pipe, endpoint))
        goto cleanup;
    if (pthread_create (&self->thread, NULL, s_shim, self))
        goto cleanup;
    started = true;
    if (wdm_actor_wait (self->pipe) == 0)
        return self;
cleanup:
    if (started)
        pthread_join (self->thread, NULL);     //  fn returns after signalling -1
    if (self && self->pipe)
        zmq_close (self->pipe);
    if (self && self->thread_pipe)
        zmq_close (self->thread_pipe);
    free (self);
    return NULL;
}

void
wdm_actor_destroy (wdm_actor_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    wdm_actor_t *self = *self_p;
    //  A plain send waits while the pipe is full and the thread busy; but
    //  if fn has already returned nobody will empty the pipe, so a full
    //  pipe makes us look, every S_TERM_RETRY_MS, for its last signal.
    int timeout = S_TERM_RETRY_MS, status;
    zmq_setsockopt (self->pipe, ZMQ_SNDTIMEO, &timeout, sizeof timeout);
    while (zmq_send (self->pipe, "$TERM", 5, 0) != 5) {
        if (zmq_errno () == EINTR)
            continue;
        if (zmq_errno () != EAGAIN)
            break;
        bool returned = false;
        int rc;
        while (!returned && (rc = s_recv (self->pipe, ZMQ_DONTWAIT, &status)) >= 0)
            returned = rc == 1;
        if (returned)
            break;
    }
    pthread_join (self->thread, NULL);
    zmq_close (self->pipe);
    zmq_close (self->thread_pipe);
    free (self);
    *self_p = NULL;
}

void *
wdm_actor_pipe (wdm_actor_t *self)
{
    return self ? self->pipe : NULL;
}
