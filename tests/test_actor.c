/*  test_actor: an actor starts, answers on its pipe, and stops when it is
    destroyed; destroy waits for a busy actor; an actor that fails to start
    is not created; destroy accepts NULL.  Real threads, real inproc
    sockets.  */

#include "wdm_actor.h"
#include "wdm_clock.h"
#include "wdm_test.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

//  What an echo actor reports back to the test after it has stopped: the
//  test reads it only after wdm_actor_destroy has joined the thread.
typedef struct {
    int busy_ms;                //  how long to work on "WORK" before answering
    bool stopped;               //  set by the actor as it returns on $TERM
} s_echo_args_t;

static void
s_sleep_ms (int ms)
{
    struct timespec t = { ms / 1000, (long) (ms % 1000) * 1000000L };
    nanosleep (&t, NULL);
}

//  Answers "PING" with "PONG", works busy_ms on "WORK" and answers "DONE",
//  stops on "$TERM".
static void
s_echo (void *pipe, void *args)
{
    s_echo_args_t *echo = (s_echo_args_t *) args;
    wdm_actor_signal (pipe, 0);
    while (1) {
        char command [16];
        int size = zmq_recv (pipe, command, sizeof command - 1, 0);
        if (size < 0)
            break;
        command [size < (int) sizeof command - 1 ? size : (int) sizeof command - 1] = '\0';
        if (strcmp (command, "$TERM") == 0)
            break;
        if (strcmp (command, "PING") == 0)
            zmq_send (pipe, "PONG", 4, 0);
        else
        if (strcmp (command, "WORK") == 0) {
            s_sleep_ms (echo->busy_ms);
            zmq_send (pipe, "DONE", 4, 0);
        }
    }
    echo->stopped = true;
}

//  Refuses to start, as the ZAP handler does when its endpoint is taken.
static void
s_refuser (void *pipe, void *args)
{
    int *ran = (int *) args;
    *ran = 1;
    wdm_actor_signal (pipe, -1);
}

//  Returns at once after starting: not how an actor should behave, but
//  destroy must still come back.
static void
s_quitter (void *pipe, void *args)
{
    (void) args;
    wdm_actor_signal (pipe, 0);
}

static void
test_start_answer_stop (void)
{
    void *ctx = zmq_ctx_new ();
    s_echo_args_t args = { .busy_ms = 0 };
    wdm_actor_t *actor = wdm_actor_new (ctx, s_echo, &args);
    CU_ASSERT_PTR_NOT_NULL_FATAL (actor);
    void *pipe = wdm_actor_pipe (actor);
    CU_ASSERT_PTR_NOT_NULL (pipe);
    CU_ASSERT_EQUAL (zmq_send (pipe, "PING", 4, 0), 4);
    char answer [8] = "";
    int timeout = 5000;
    zmq_setsockopt (pipe, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    CU_ASSERT_EQUAL (zmq_recv (pipe, answer, sizeof answer - 1, 0), 4);
    CU_ASSERT_STRING_EQUAL (answer, "PONG");
    CU_ASSERT_FALSE (args.stopped);
    wdm_actor_destroy (&actor);
    CU_ASSERT_PTR_NULL (actor);
    CU_ASSERT_TRUE (args.stopped);      //  it saw $TERM and returned
    //  Nothing left open: the context terminates at once.
    CU_ASSERT_EQUAL (zmq_ctx_term (ctx), 0);
}

static void
test_destroy_waits_for_busy (void)
{
    void *ctx = zmq_ctx_new ();
    s_echo_args_t args = { .busy_ms = 400 };
    wdm_actor_t *actor = wdm_actor_new (ctx, s_echo, &args);
    CU_ASSERT_PTR_NOT_NULL_FATAL (actor);
    zmq_send (wdm_actor_pipe (actor), "WORK", 4, 0);
    s_sleep_ms (50);                    //  the actor is now inside its work
    int64_t start = wdm_clock_ms ();
    wdm_actor_destroy (&actor);
    int64_t waited = wdm_clock_ms () - start;
    CU_ASSERT_PTR_NULL (actor);
    CU_ASSERT_TRUE (args.stopped);
    CU_ASSERT_TRUE (waited >= 300);     //  it finished its work first
    if (waited < 300)
        fprintf (stderr, "destroy returned after %lld ms\n", (long long) waited);
    CU_ASSERT_EQUAL (zmq_ctx_term (ctx), 0);
}

static void
test_many_messages_then_destroy (void)
{
    //  Messages the owner never reads, then destroy: $TERM still gets
    //  through and destroy returns.
    void *ctx = zmq_ctx_new ();
    s_echo_args_t args = { .busy_ms = 0 };
    wdm_actor_t *actor = wdm_actor_new (ctx, s_echo, &args);
    CU_ASSERT_PTR_NOT_NULL_FATAL (actor);
    for (int i = 0; i < 200; i++)
        zmq_send (wdm_actor_pipe (actor), "PING", 4, 0);
    wdm_actor_destroy (&actor);
    CU_ASSERT_TRUE (args.stopped);
    CU_ASSERT_EQUAL (zmq_ctx_term (ctx), 0);
}

static void
test_destroy_after_return_pipe_full (void)
{
    void *ctx = zmq_ctx_new ();
    wdm_actor_t *actor = wdm_actor_new (ctx, s_quitter, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL (actor);
    int sent = 0;
    while (zmq_send (wdm_actor_pipe (actor), "PING", 4, ZMQ_DONTWAIT) == 4)
        sent++;
    CU_ASSERT_TRUE (sent >= WDM_ACTOR_PIPE_HWM);   //  nobody reads: full
    int64_t start = wdm_clock_ms ();
    wdm_actor_destroy (&actor);
    CU_ASSERT_PTR_NULL (actor);
    CU_ASSERT_TRUE (wdm_clock_ms () - start < 2000);
    CU_ASSERT_EQUAL (zmq_ctx_term (ctx), 0);
}

static void
test_failed_start (void)
{
    void *ctx = zmq_ctx_new ();
    int ran = 0;
    wdm_actor_t *actor = wdm_actor_new (ctx, s_refuser, &ran);
    CU_ASSERT_PTR_NULL (actor);
    CU_ASSERT_EQUAL (ran, 1);
    CU_ASSERT_EQUAL (zmq_ctx_term (ctx), 0);
}

static void
test_destroy_null (void)
{
    wdm_actor_t *actor = NULL;
    wdm_actor_destroy (&actor);
    wdm_actor_destroy (NULL);
    CU_ASSERT_PTR_NULL (actor);
}

int
main (void)
{
    static const wdm_test_case_t tests [] = {
        { "an actor starts, answers PING, stops on destroy", test_start_answer_stop },
        { "destroy waits for a busy actor to finish", test_destroy_waits_for_busy },
        { "destroy gets through unread answers", test_many_messages_then_destroy },
        { "destroy returns for an actor already returned, its pipe full",
          test_destroy_after_return_pipe_full },
        { "an actor that signals failure is not created", test_failed_start },
        { "destroy accepts NULL", test_destroy_null },
    };
    return wdm_test_run_suite ("actor", tests, sizeof tests / sizeof tests [0]);
}
