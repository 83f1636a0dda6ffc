#ifndef LAKE_SYSTEM_H
#define LAKE_SYSTEM_H

/// Atomically exchanges two paths (Linux renameat2 with RENAME_EXCHANGE).
/// Returns 0 on success, -1 with errno set otherwise (ENOSYS/EINVAL where unsupported).
int lake_rename_exchange(const char *a, const char *b);

/// Flushes the file system holding the open file `fd` (Linux syncfs). Returns 0 on success.
int lake_syncfs(int fd);

/// Starts writing back a range of the open file `fd` without waiting for it (Linux
/// sync_file_range with SYNC_FILE_RANGE_WRITE), so a later fsync has less left to wait for.
/// Returns 0 on success, -1 with errno set otherwise (a hint: callers ignore failures).
int lake_start_writeback(int fd, long long offset, long long length);

/// Sets glibc malloc's mmap threshold (bytes), arena count and trim threshold (free bytes at the
/// top of a heap kept instead of returned); returns 1 when all were accepted.
int lake_tune_allocator(int mmap_threshold, int arena_max, int trim_threshold);

/// Handles SIGINT, SIGTERM and SIGHUP by recording the first one (`lake_interrupt_signal`),
/// so the conversion can stop and clean up; a second signal stops the process at once. Without
/// SA_RESTART, so a read blocked on a pipe returns EINTR. Returns 1 when all were installed.
int lake_install_interrupt_handler(void);

/// The first interrupting signal received (0: none).
int lake_interrupt_signal(void);

#endif
