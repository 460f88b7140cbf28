/* Built against the installed sysroot alone (see meson.build here). */
#include <iris/sys.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *twice(void *arg)
{
	return (void *)((long)arg * 2);
}

int main(int argc, char **argv)
{
	void *r = NULL;
	pthread_t t;
	char *copy = strdup(argc > 0 ? argv[0] : "?");

	if (!copy || pthread_create(&t, NULL, twice, (void *)21) != 0 || pthread_join(t, &r) != 0)
		return 1;
	printf("hello from %s, built against the sysroot: pid %ld, thread says %ld\n", copy,
	       sys_process_self(), (long)r);
	free(copy);
	return (long)r == 42 ? 0 : 1;
}
