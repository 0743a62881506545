/* handoff.c: the two-slot producer/consumer handoff (see handoff.h). */
#include "util/handoff.h"

void handoff_init(handoff *h) {
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->changed, NULL);
    h->ready[0] = h->ready[1] = 0;
    h->produced = h->consumed = 0;
    h->closed = h->failed = 0;
}

void handoff_destroy(handoff *h) {
    pthread_mutex_destroy(&h->lock);
    pthread_cond_destroy(&h->changed);
}

int handoff_acquire_free(handoff *h) {
    pthread_mutex_lock(&h->lock);
    size_t i = h->produced % 2;
    while (h->ready[i] && !h->failed) pthread_cond_wait(&h->changed, &h->lock);
    int slot = h->failed ? -1 : (int)i;
    pthread_mutex_unlock(&h->lock);
    return slot;
}

void handoff_publish(handoff *h) {
    pthread_mutex_lock(&h->lock);
    h->ready[h->produced % 2] = 1;
    h->produced++;
    pthread_cond_broadcast(&h->changed);
    pthread_mutex_unlock(&h->lock);
}

int handoff_close(handoff *h) {
    pthread_mutex_lock(&h->lock);
    h->closed = 1;
    pthread_cond_broadcast(&h->changed);
    while (h->consumed < h->produced && !h->failed) pthread_cond_wait(&h->changed, &h->lock);
    int rc = h->failed ? -1 : 0;
    pthread_mutex_unlock(&h->lock);
    return rc;
}

int handoff_acquire_ready(handoff *h) {
    pthread_mutex_lock(&h->lock);
    size_t i = h->consumed % 2;
    while (!h->ready[i] && !h->closed && !h->failed) pthread_cond_wait(&h->changed, &h->lock);
    int slot = h->ready[i] && !h->failed ? (int)i : -1;
    pthread_mutex_unlock(&h->lock);
    return slot;
}

void handoff_release(handoff *h, int failed) {
    pthread_mutex_lock(&h->lock);
    h->ready[h->consumed % 2] = 0;
    h->consumed++;
    if (failed) h->failed = 1;
    pthread_cond_broadcast(&h->changed);
    pthread_mutex_unlock(&h->lock);
}
