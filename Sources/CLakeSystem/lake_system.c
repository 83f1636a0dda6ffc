#define _GNU_SOURCE
#include "lake_system.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <malloc.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

int lake_rename_exchange(const char *a, const char *b) {
#ifdef SYS_renameat2
    return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
#else
    errno = ENOSYS;
    return -1;
#endif
}

int lake_syncfs(int fd) {
    return syncfs(fd);
}

int lake_start_writeback(int fd, long long offset, long long length) {
#ifdef SYNC_FILE_RANGE_WRITE
    return sync_file_range(fd, (off_t)offset, (off_t)length, SYNC_FILE_RANGE_WRITE);
#else
    (void)fd; (void)offset; (void)length;
    errno = ENOSYS;
    return -1;
#endif
}

int lake_tune_allocator(int mmap_threshold, int arena_max, int trim_threshold) {
    return mallopt(M_MMAP_THRESHOLD, mmap_threshold) && mallopt(M_ARENA_MAX, arena_max)
        && mallopt(M_TRIM_THRESHOLD, trim_threshold);
}

#include <signal.h>
#include <stdatomic.h>
#include <string.h>

static atomic_int lake_interrupted = 0;

/* Async-signal-safe: records the first signal; a second one stops the process at once. */
static void lake_on_interrupt(int signo) {
    int expected = 0;
    if (!atomic_compare_exchange_strong(&lake_interrupted, &expected, signo)) {
        signal(signo, SIG_DFL);
        raise(signo);
    }
}

int lake_install_interrupt_handler(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = lake_on_interrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; /* no SA_RESTART: a read blocked on a pipe returns EINTR */
    int ok = 1;
    int signals[] = {SIGINT, SIGTERM, SIGHUP};
    for (unsigned i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        if (sigaction(signals[i], &action, NULL) != 0) ok = 0;
    }
    return ok;
}

int lake_interrupt_signal(void) {
    return atomic_load(&lake_interrupted);
}
