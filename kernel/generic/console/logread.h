/*
 * SYS_LOG_READ (iris/abi/syscall.h, docs/syscalls.md): the kernel log read by
 * user space (dmesg), and its claim by the console server (console/log.h).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * (buf, len, pos, flags) of the system call, as the caller passed them.
 * With IRIS_LOG_CLAIM or IRIS_LOG_RELEASE nothing is read: the claim
 * changes and *pos is the claim's start (CLAIM) or left as it was
 * (RELEASE); returns 0. Otherwise reads at most min(len,
 * IRIS_LOG_READ_MAX) bytes from *pos into buf and returns how many, *pos
 * after them. Errors, with nothing changed: -EINVAL (unknown flags, CLAIM
 * with RELEASE), -EFAULT (buf or pos not the caller's memory), -EBUSY
 * (another process holds the claim), -EPERM (RELEASE by a process that
 * does not hold it).
 */
long log_read_user(uintptr_t buf, size_t len, uintptr_t pos, uint64_t flags);
