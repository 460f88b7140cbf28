/*
 * dmesg: prints the kernel log the kernel still keeps (SYS_LOG_READ): the
 * boot, the drivers' and servers' lines, and the debug messages the log
 * level kept off the screen. With -s, only what the log level let through.
 *
 *   dmesg [-s]
 */
#include <iris/sys.h>
#include <stdio.h>
#include <string.h>

static int usage(void)
{
	fprintf(stderr, "usage: dmesg [-s]\n"
	                "  -s  only what the log level showed, not the debug messages\n");
	return 2;
}

int main(int argc, char **argv)
{
	unsigned flags = 0;
	if (argc == 2 && strcmp(argv[1], "-s") == 0)
		flags = IRIS_LOG_SHOWN;
	else if (argc != 1)
		return usage();

	/* The log as it is now: what is written while we print waits for the next dmesg. */
	uint64_t end = IRIS_LOG_END, pos = 0;
	char buf[IRIS_LOG_READ_MAX];
	long r = sys_log_read(buf, 0, &end, flags);
	while (r >= 0 && pos < end) {
		size_t want = end - pos < sizeof(buf) ? (size_t)(end - pos) : sizeof(buf);
		r = sys_log_read(buf, want, &pos, flags);
		if (r <= 0)
			break;
		fwrite(buf, 1, (size_t)r, stdout);
	}
	if (r < 0) {
		fprintf(stderr, "dmesg: cannot read the kernel log: %s\n", strerror((int)-r));
		return 1;
	}
	return 0;
}
