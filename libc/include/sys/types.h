/* POSIX system types. */
#pragma once

typedef long ssize_t;
typedef long pid_t;
typedef unsigned int useconds_t;
