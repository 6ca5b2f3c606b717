/*
 * core/worker.h - one worker process: its own store handle, event loop,
 * listeners, and signal handling (SIGTERM drain, SIGHUP reload).
 */
#ifndef PT_WORKER_H
#define PT_WORKER_H

#include "http/server.h"

/* Run worker `index` of `count` until it is told to stop. Writes 'R' to
 * ready_fd once it listens, or 'F' when it cannot start. Returns the
 * process exit status. */
int pt_worker_run(int index, int count, pt_tls *tls, int ready_fd);

#endif
