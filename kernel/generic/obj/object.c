/*
 * The count of live kernel objects: kobject_init() adds one, the
 * kobject_put() that drops the last reference takes it away, and so does
 * kobject_abandon() on an error path that frees an object it never
 * published. Read through SYS_STAT (IRIS_STAT_OBJECTS) by the leak checks
 * of the fuzzer and the ring tests: it must come back exactly.
 */
#include <obj/object.h>

uint64_t kobject_live;
