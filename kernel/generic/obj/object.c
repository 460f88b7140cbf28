/*
 * The count of live kernel objects: kobject_init() adds one, the
 * kobject_put() that drops the last reference takes it away. An object
 * freed without that last put (an error path after kobject_init) stays
 * counted, so a count that keeps growing while nothing is alive is a leak
 * either way. Read through SYS_STAT (IRIS_STAT_OBJECTS) by the fuzzer's
 * leak check.
 */
#include <obj/object.h>

uint64_t kobject_live;
