/* handoff.h: a two-slot handoff between one producer thread and one consumer thread, so that producing batch k+1
 * (parsing, reading the store) overlaps consuming batch k (writing, applying to the index). Used by the import
 * pipeline and by the index rebuild; the slots' contents belong to the caller, indexed 0 and 1. */
#ifndef ORGPULSE_UTIL_HANDOFF_H
#define ORGPULSE_UTIL_HANDOFF_H

#include <pthread.h>
#include <stddef.h>

typedef struct handoff {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int ready[2];
    size_t produced, consumed; /* slot of batch k is k % 2 */
    int closed, failed;
} handoff;

void handoff_init(handoff *h);
void handoff_destroy(handoff *h);
/* Producer: wait until the next slot is free; returns its index, or -1 once the consumer failed. */
int handoff_acquire_free(handoff *h);
/* Producer: the slot returned by the last acquire is filled. */
void handoff_publish(handoff *h);
/* Producer: no more batches; waits until every published batch is consumed. Returns -1 if the consumer failed. */
int handoff_close(handoff *h);
/* Consumer: wait for the next filled slot; returns its index, or -1 when closed and drained. */
int handoff_acquire_ready(handoff *h);
/* Consumer: done with the slot; `failed` stops the producer. */
void handoff_release(handoff *h, int failed);

#endif
