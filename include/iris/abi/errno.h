/*
 * Error codes shared by the kernel and userspace. System calls return them
 * negated (-ENOMEM); libc stores them positive in errno.
 */
#pragma once

#define EPERM     1   /* operation not permitted (missing rights) */
#define ENOENT    2   /* no such object, name or mapping */
#define ESRCH     3   /* no such process or thread */
#define EINTR     4   /* interrupted */
#define EIO       5   /* input/output error */
#define E2BIG     7   /* argument list or count too large */
#define ENOEXEC   8   /* not a valid executable */
#define EBADF     9   /* not a valid handle */
#define ECHILD    10  /* nothing to wait for */
#define EAGAIN    11  /* try again / would block */
#define ENOMEM    12  /* out of memory or address space */
#define EACCES    13  /* access denied by protection */
#define EFAULT    14  /* bad user address */
#define EBUSY     16  /* resource busy */
#define EEXIST    17  /* already exists / already mapped */
#define ENODEV    19  /* no such device */
#define EINVAL    22  /* invalid argument */
#define EMFILE    24  /* handle table full */
#define ENOTTY    25  /* not a terminal */
#define ENOSPC    28  /* no space left */
#define ESPIPE    29  /* invalid seek */
#define EPIPE     32  /* peer closed */
#define EDOM      33  /* math argument out of domain */
#define ERANGE    34  /* result out of range */
#define ENOSYS    38  /* no such system call */
#define EBADMSG   74  /* a malformed message (a peer scribbled) */
#define EMSGSIZE  90  /* message too long for the buffer */
#define ENOTSUP   95  /* operation not supported */
#define ETIMEDOUT 110 /* timed out */
#define ECANCELED 125 /* operation canceled */
