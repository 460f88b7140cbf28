/*
 * assert(expr): when NDEBUG is not defined and expr is false, prints the
 * expression, file, line and function to stderr and calls abort().
 * Like every C assert.h, this one may be included again after NDEBUG changes.
 */
#undef assert
#ifdef NDEBUG
#define assert(expr) ((void)0)
#else
#define assert(expr) ((expr) ? (void)0 : __assert_fail(#expr, __FILE__, __LINE__, __func__))
#endif

#ifndef IRIS_LIBC_ASSERT_H
#define IRIS_LIBC_ASSERT_H
#define static_assert _Static_assert
_Noreturn void __assert_fail(const char *expr, const char *file, int line, const char *func);
#endif
