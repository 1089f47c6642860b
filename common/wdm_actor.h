/*  wdm_actor: a thread that talks to its owner only over a pipe — an
    inproc PAIR socket pair — in the shape of czmq's zactor.  The one way
    wdmon starts a thread that uses ZeroMQ (STYLE.md: threads share
    nothing).  Used by the server's ZAP handler (wdm_zap), its warning
    worker (wdm_warn_worker) and its store's thread (wdm_server).

    The actor function runs in its own thread with the thread's end of the
    pipe.  It first says whether it started, with wdm_actor_signal (pipe,
    0 or -1); wdm_actor_new waits for that.  It then serves its pipe until
    it receives the one-frame message "$TERM", and returns.  What the two
    sides say besides is theirs to define.  The args it is given are the
    owner's and must not change while the thread runs (give it a copy of
    anything the owner changes); the state it changes lives in the
    thread, or is handed to it whole in a message and handed back whole
    (the owner does not touch it meanwhile).  */

#ifndef WDM_ACTOR_H_INCLUDED
#define WDM_ACTOR_H_INCLUDED

//  Messages queued in each direction of a pipe, at most (ZMQ_SNDHWM and
//  ZMQ_RCVHWM of both ends).  A full pipe blocks a plain send and refuses
//  a ZMQ_DONTWAIT one (EAGAIN).
#define WDM_ACTOR_PIPE_HWM 10000

typedef struct wdm_actor wdm_actor_t;

//  The body of an actor: runs in its own thread; pipe is the thread's end.
//  Must call wdm_actor_signal once before anything else, and return after
//  "$TERM" (or at once after signalling -1).
typedef void (wdm_actor_fn_t) (void *pipe, void *args);

//  Start fn (pipe, args) in a new thread, the pipe made in ctx, and wait
//  for its start signal.  The actor, or NULL if the pipe or the thread
//  cannot be made or fn signalled -1 (its thread then joined).
wdm_actor_t *wdm_actor_new (void *ctx, wdm_actor_fn_t *fn, void *args);

//  Send "$TERM", wait for the thread to finish what it is doing and
//  return, join it, close the pipe, free, and set *self_p to NULL.  NULL
//  and a NULL *self_p are accepted.
void wdm_actor_destroy (wdm_actor_t **self_p);

//  The owner's end of the pipe, to send to, receive from and poll.  It
//  stays the actor's: do not close it.
void *wdm_actor_pipe (wdm_actor_t *self);

//  Send a signal (status 0: started / done, else failed) on a pipe: one
//  frame that no command of ours looks like.  0, or -1 if it could not be
//  sent.
int wdm_actor_signal (void *pipe, int status);

//  Wait for a signal on a pipe, dropping any other message before it.  0
//  for status 0, -1 for a failure signal or if the pipe is closed.
int wdm_actor_wait (void *pipe);

#endif
