/*
 * The UndefinedBehaviorSanitizer runtime for a kernel built with
 * -Dkernel_ubsan=true: every check reports the source location and the kind
 * of undefined behaviour, then panics (undefined behaviour in the kernel is a
 * kernel bug). Each handler's data starts with the source location.
 */
#ifdef KERNEL_UBSAN
#include <debug/panic.h>
#include <stdint.h>

/* The compiler fixes each handler's signature; the values are not reported. */
#pragma clang diagnostic ignored "-Wunused-parameter"

struct source_location {
	const char *file;
	uint32_t line;
	uint32_t column;
};

static __attribute__((noreturn)) void ubsan_report(const char *what, const void *data)
{
	const struct source_location *loc = data;
	panic("UBSan: %s at %s:%u:%u", what, loc->file, loc->line, loc->column);
}

#define UBSAN_HANDLER(name, what, ...)                               \
	void __ubsan_handle_##name(const void *data, ##__VA_ARGS__); \
	void __ubsan_handle_##name(const void *data, ##__VA_ARGS__)  \
	{                                                            \
		ubsan_report(what, data);                            \
	}

UBSAN_HANDLER(type_mismatch_v1, "misaligned or null access", uintptr_t p)
UBSAN_HANDLER(pointer_overflow, "pointer overflow", uintptr_t a, uintptr_t b)
UBSAN_HANDLER(add_overflow, "signed addition overflow", uintptr_t a, uintptr_t b)
UBSAN_HANDLER(sub_overflow, "signed subtraction overflow", uintptr_t a, uintptr_t b)
UBSAN_HANDLER(mul_overflow, "signed multiplication overflow", uintptr_t a, uintptr_t b)
UBSAN_HANDLER(negate_overflow, "signed negation overflow", uintptr_t a)
UBSAN_HANDLER(divrem_overflow, "division overflow or by zero", uintptr_t a, uintptr_t b)
UBSAN_HANDLER(shift_out_of_bounds, "shift out of bounds", uintptr_t a, uintptr_t b)
UBSAN_HANDLER(out_of_bounds, "array index out of bounds", uintptr_t i)
UBSAN_HANDLER(load_invalid_value, "load of an invalid value", uintptr_t v)
UBSAN_HANDLER(builtin_unreachable, "__builtin_unreachable reached")
UBSAN_HANDLER(missing_return, "missing return value")
UBSAN_HANDLER(vla_bound_not_positive, "non-positive VLA bound", uintptr_t b)
UBSAN_HANDLER(nonnull_arg, "null passed as a nonnull argument")
UBSAN_HANDLER(nonnull_return_v1, "null returned from a nonnull function", const void *l)
UBSAN_HANDLER(invalid_builtin, "invalid builtin use")
UBSAN_HANDLER(implicit_conversion, "implicit conversion changed the value", uintptr_t a,
              uintptr_t b)
UBSAN_HANDLER(alignment_assumption, "alignment assumption violated", uintptr_t p, uintptr_t a,
              uintptr_t o)
UBSAN_HANDLER(float_cast_overflow, "float cast overflow", uintptr_t v)
#endif
