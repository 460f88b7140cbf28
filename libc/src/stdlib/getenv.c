/* getenv over `environ`, which crt0 points at the initial environment. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char **environ;

char *getenv(const char *name)
{
	size_t n = strcspn(name, "=");
	if (!environ || n == 0 || name[n])
		return NULL;
	for (char **e = environ; *e; e++) {
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	}
	return NULL;
}
