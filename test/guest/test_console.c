/*
 * The console server (servers/console, iris/proto/console.h), KTAP. The test
 * plays every part: a terminal client, an input source that "types"
 * (ATTACH INPUT, then INPUT messages, as the UART and PS/2 drivers do) and
 * an output sink whose messages a thread collects (ATTACH OUTPUT, as the
 * UART driver does), so it checks the echo and the mirror byte for byte:
 * WRITE mirrored; cooked lines with editing; READs waiting for input and
 * WAIT; Ctrl-D; raw mode; Ctrl-C ending the foreground process (a child of
 * this test) with -EINTR for the waiting READ; a line far over the limit
 * and binary garbage (bells, no crash); WRITEs of two clients interleaved
 * whole; a dead client's READ not eating input; bad requests; a sink that
 * never reads cut loose while a live one loses nothing.
 *
 * Run it with the console started by init (`run=@console,test_console`) or
 * by devmgr for the framebuffer (`run=@!devmgr,test_console`).
 * `test_console sleep` is the child that Ctrl-C ends.
 */
#include "ktap.h"
#include <errno.h>
#include <iris/modules.h>
#include <iris/ns.h>
#include <iris/proto/console.h>
#include <iris/rpc.h>
#include <iris/sys.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MS  1000000LL
#define SEC 1000000000LL

static struct iris_chan term_chan, src_chan, sink_chan;
static struct iris_rpc_client src;

/* --- the collecting sink --- */

static pthread_mutex_t sink_lock = PTHREAD_MUTEX_INITIALIZER;
static char sink_buf[512 * 1024];
static size_t sink_len;
static size_t sink_lost; /* bytes that did not fit sink_buf */

static void *sink_thread(void *arg)
{
	(void)arg;
	for (;;) {
		struct iris_rpc_msg m;
		if (iris_rpc_recv(&sink_chan, &m, IRIS_CHAN_FOREVER) < 0)
			return NULL;
		if (m.hdr.op != CONSOLE_OP_OUTPUT || m.hdr.id != 0)
			continue;
		pthread_mutex_lock(&sink_lock);
		size_t n =
		        m.len < sizeof(sink_buf) - sink_len ? m.len : sizeof(sink_buf) - sink_len;
		memcpy(sink_buf + sink_len, m.data, n);
		sink_len += n;
		sink_lost += m.len - n;
		pthread_mutex_unlock(&sink_lock);
	}
}

static size_t sink_mark(void)
{
	pthread_mutex_lock(&sink_lock);
	size_t n = sink_len;
	pthread_mutex_unlock(&sink_lock);
	return n;
}

/* Where `needle` (n bytes) first occurs at or after `from`, or -1. Caller holds sink_lock. */
static long sink_find(size_t from, const char *needle, size_t n)
{
	for (size_t i = from; i + n <= sink_len; i++)
		if (memcmp(sink_buf + i, needle, n) == 0)
			return (long)i;
	return -1;
}

/* Waits up to 5 s for the sink to show needle[0..n) after `from`. */
static bool sink_wait_n(size_t from, const char *needle, size_t n)
{
	for (int i = 0; i < 500; i++) {
		pthread_mutex_lock(&sink_lock);
		long at = sink_find(from, needle, n);
		pthread_mutex_unlock(&sink_lock);
		if (at >= 0)
			return true;
		sys_sleep(10 * MS);
	}
	return false;
}

static bool sink_wait(size_t from, const char *needle)
{
	return sink_wait_n(from, needle, strlen(needle));
}

static int con_write(struct iris_rpc_client *cl, const char *s);
static struct iris_rpc_client term;

/*
 * WRITEs `tag` and waits for the sink to show it: all output before it has
 * arrived then (the mirror keeps the order). Returns where the sink ends.
 */
static size_t sink_sync(const char *tag)
{
	size_t mark = sink_mark();
	if (con_write(&term, tag) < 0 || !sink_wait(mark, tag))
		printf("# the sink never showed %s", tag);
	return sink_mark();
}

/* --- requests --- */

static int call(struct iris_rpc_client *cl, uint16_t op, const void *args, size_t len, void *reply,
                size_t cap)
{
	return iris_rpc_call(cl, op, args, len, reply, cap, 10 * SEC);
}

static int set_mode(uint32_t mode)
{
	return call(&term, CONSOLE_OP_SET_MODE, &mode, sizeof(mode), NULL, 0);
}

static int con_write(struct iris_rpc_client *cl, const char *s)
{
	for (size_t len = strlen(s); len > 0;) {
		size_t n = len < CONSOLE_DATA_MAX ? len : CONSOLE_DATA_MAX;
		int r = call(cl, CONSOLE_OP_WRITE, s, n, NULL, 0);
		if (r < 0)
			return r;
		s += n;
		len -= n;
	}
	return 0;
}

/* A READ of up to max bytes into buf: the length or a negative errno. */
static int con_read(struct iris_rpc_client *cl, uint32_t max, uint32_t flags, char *buf)
{
	struct console_read rd = { max, flags };
	return call(cl, CONSOLE_OP_READ, &rd, sizeof(rd), buf, CONSOLE_DATA_MAX);
}

/* Whether a READ gives exactly `want`. */
static bool reads(const char *want)
{
	char buf[CONSOLE_DATA_MAX + 1];
	int n = con_read(&term, CONSOLE_DATA_MAX, 0, buf);
	if (n != (int)strlen(want) || memcmp(buf, want, (size_t)n) != 0) {
		printf("# read %d: \"%.*s\", wanted \"%s\"\n", n, n > 0 ? n : 0, buf, want);
		return false;
	}
	return true;
}

/* The source types s[0..len) as INPUT messages, then waits until the console has taken them. */
static int type_n(const char *s, size_t len)
{
	struct {
		struct iris_rpc_hdr hdr;
		char data[CONSOLE_DATA_MAX];
	} m = { .hdr = { .id = 0, .op = CONSOLE_OP_INPUT } };
	while (len > 0) {
		size_t n = len < CONSOLE_DATA_MAX ? len : CONSOLE_DATA_MAX;
		memcpy(m.data, s, n);
		int r = iris_chan_send(&src_chan, &m, sizeof(m.hdr) + n, 0, 10 * SEC);
		if (r < 0)
			return r;
		s += n;
		len -= n;
	}
	/* A request on the same channel is served after the INPUT before it. */
	struct console_info info;
	int r = call(&src, CONSOLE_OP_GET_INFO, NULL, 0, &info, sizeof(info));
	return r < 0 ? r : 0;
}

static int type(const char *s)
{
	return type_n(s, strlen(s));
}

static int connect_console(struct iris_chan *c)
{
	int r = -ENOENT;
	for (int i = 0; i < 400 && r == -ENOENT; i++) {
		r = iris_ns_connect(CONSOLE_NAME, c);
		if (r == -ENOENT)
			sys_sleep(25 * MS);
	}
	return r;
}

/* --- the tests --- */

static void test_info_and_write(void)
{
	struct console_info info;
	int r = call(&term, CONSOLE_OP_GET_INFO, NULL, 0, &info, sizeof(info));
	ktap_check(r == sizeof(info) && info.cols > 0 && info.rows > 0 &&
	                   info.mode == CONSOLE_MODE_ECHO,
	           "GET_INFO: %ux%u cells, mode %#x (cooked, echoing)", info.cols, info.rows,
	           info.mode);

	size_t mark = sink_mark();
	r = con_write(&term, "test_console: hello through the console\n");
	ktap_check(r == 0 && sink_wait(mark, "test_console: hello through the console\n"),
	           "WRITE is answered and mirrored to the sink (%d)", r);
}

static void test_cooked(void)
{
	size_t mark = sink_mark();
	int r = type("hello\r");
	ktap_check(r == 0 && reads("hello\n") && sink_wait(mark, "hello\n"),
	           "a typed line is read whole and echoed");

	mark = sink_mark();
	type("abc\x7f\x7f"
	     "d\b\x01x\x15"
	     "ok\x1b[A\x1bOB!\r");
	ktap_check(reads("ok!\n") &&
	                   sink_wait(mark, "abc\b \b\b \bd\b \b^Ax\b \b\b \b\b \b\b \bok!\n"),
	           "editing: DEL, backspace, Ctrl-U, caret echo, escape sequences dropped");

	/* A READ that waits is answered when the line comes; so is a WAIT. */
	struct console_read rd = { CONSOLE_DATA_MAX, 0 };
	long id_wait = iris_rpc_send(&term, CONSOLE_OP_WAIT, NULL, 0, IRIS_HANDLE_INVALID, SEC);
	long id_read =
	        iris_rpc_send(&term, CONSOLE_OP_READ, &rd, sizeof(rd), IRIS_HANDLE_INVALID, SEC);
	char buf[CONSOLE_DATA_MAX];
	int nb = con_read(&term, 8, CONSOLE_READ_NONBLOCK, buf);
	type("la");
	type("te\r\x04");
	int w = id_wait > 0 ? iris_rpc_wait(&term, (uint32_t)id_wait, NULL, 0, NULL, 10 * SEC) : -1;
	int n = id_read > 0
	                ? iris_rpc_wait(&term, (uint32_t)id_read, buf, sizeof(buf), NULL, 10 * SEC)
	                : -1;
	ktap_check(nb == -EAGAIN && w == 0 && n == 5 && memcmp(buf, "late\n", 5) == 0,
	           "non-blocking READ: -EAGAIN (%d); WAIT (%d) and READ (%d) answered by input", nb,
	           w, n);
	ktap_check(reads(""), "Ctrl-D at the start of a line: a READ of 0 bytes");

	/* A line read in small pieces. */
	type("pieces\r");
	int a = con_read(&term, 4, 0, buf);
	int b = con_read(&term, 4, 0, buf + 4);
	ktap_check(a == 4 && b == 3 && memcmp(buf, "pieces\n", 7) == 0,
	           "a line read 4 bytes at a time (%d, %d)", a, b);
}

static void test_raw(void)
{
	struct console_info info = { 0 };
	int r = set_mode(CONSOLE_MODE_RAW);
	call(&term, CONSOLE_OP_GET_INFO, NULL, 0, &info, sizeof(info));
	size_t mark = sink_sync("<raw>");
	type("\x1b[A\x03\x04\r");
	char buf[CONSOLE_DATA_MAX];
	int n = con_read(&term, CONSOLE_DATA_MAX, CONSOLE_READ_NONBLOCK, buf);
	size_t end = sink_sync("</raw>\n");
	ktap_check(r == 0 && info.mode == CONSOLE_MODE_RAW && n == 6 &&
	                   memcmp(buf, "\x1b[A\x03\x04\r", 6) == 0 && end == mark + 7,
	           "raw mode: bytes as typed, no echo, Ctrl-C is a byte (%d)", n);
	set_mode(CONSOLE_MODE_ECHO);
}

static bool child_killed(iris_handle_t child)
{
	struct iris_exit_info info;
	for (int i = 0; i < 500; i++) {
		long r = sys_wait(child, &info, IRIS_WAIT_NOHANG);
		if (r == 0)
			return info.reason == IRIS_EXIT_KILLED;
		sys_sleep(10 * MS);
	}
	return false;
}

static void test_ctrl_c(void)
{
	iris_handle_t child = iris_module_spawn("test_console", "test_console sleep");
	long dup = child < 0 ? child
	                     : sys_handle_duplicate(child, IRIS_RIGHT_READ | IRIS_RIGHT_MANAGE |
	                                                           IRIS_RIGHT_TRANSFER);
	int fg = dup < 0 ? (int)dup
	                 : iris_rpc_call_handles(&term, CONSOLE_OP_FOREGROUND, NULL, 0,
	                                         (iris_handle_t)dup, NULL, 0, NULL, 10 * SEC);
	struct console_read rd = { CONSOLE_DATA_MAX, 0 };
	long id = iris_rpc_send(&term, CONSOLE_OP_READ, &rd, sizeof(rd), IRIS_HANDLE_INVALID, SEC);
	size_t mark = sink_mark();
	type("partial\x03");
	int r = id > 0 ? iris_rpc_wait(&term, (uint32_t)id, NULL, 0, NULL, 10 * SEC) : -1;
	ktap_check(fg == 0 && r == -EINTR && child >= 0 && child_killed(child) &&
	                   sink_wait(mark, "partial^C\n"),
	           "Ctrl-C ends the foreground process, echoes ^C, the waiting READ gets -EINTR "
	           "(FOREGROUND %d, READ %d)",
	           fg, r);
	if (child >= 0)
		sys_handle_close(child);

	char buf[CONSOLE_DATA_MAX];
	int n = con_read(&term, CONSOLE_DATA_MAX, CONSOLE_READ_NONBLOCK, buf);
	/* Without a foreground Ctrl-C only interrupts; a handle that is no process is refused. */
	id = iris_rpc_send(&term, CONSOLE_OP_READ, &rd, sizeof(rd), IRIS_HANDLE_INVALID, SEC);
	type("\x03");
	r = id > 0 ? iris_rpc_wait(&term, (uint32_t)id, NULL, 0, NULL, 10 * SEC) : -1;
	long vmo = sys_vmo_create(4096);
	int bad = vmo < 0 ? (int)vmo
	                  : iris_rpc_call_handles(&term, CONSOLE_OP_FOREGROUND, NULL, 0,
	                                          (iris_handle_t)vmo, NULL, 0, NULL, 10 * SEC);
	int none = call(&term, CONSOLE_OP_FOREGROUND, NULL, 0, NULL, 0);
	ktap_check(n == -EAGAIN && r == -EINTR && bad == -EINVAL && none == 0,
	           "the line was discarded (%d); Ctrl-C without a foreground (%d); FOREGROUND of a "
	           "memory object (%d) and of nothing (%d)",
	           n, r, bad, none);
}

static size_t count_byte(size_t from, char c)
{
	size_t n = 0;
	pthread_mutex_lock(&sink_lock);
	for (size_t i = from; i < sink_len; i++)
		n += sink_buf[i] == c;
	pthread_mutex_unlock(&sink_lock);
	return n;
}

static void test_bad_input(void)
{
	static char big[5000];
	memset(big, 'x', sizeof(big));
	size_t mark = sink_sync("<long line>\n");
	int r = type_n(big, sizeof(big));
	type("\r");
	size_t total = 0;
	char buf[CONSOLE_DATA_MAX];
	int n;
	while ((n = con_read(&term, CONSOLE_DATA_MAX, CONSOLE_READ_NONBLOCK, buf)) > 0)
		total += (size_t)n;
	sink_sync("</long line>\n");
	size_t bells = count_byte(mark, '\a');
	ktap_check(r == 0 && total == CONSOLE_LINE_MAX &&
	                   buf[(total - 1) % CONSOLE_DATA_MAX] == '\n' &&
	                   bells == sizeof(big) - (CONSOLE_LINE_MAX - 1),
	           "a 5000-byte line: %zu bytes kept with its newline, %zu dropped with a bell",
	           total, bells);

	/* Garbage in both modes; then the console still works. */
	static char junk[8192];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof(junk); i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (char)(x >> 16);
	}
	type_n(junk, sizeof(junk) / 2);
	set_mode(CONSOLE_MODE_RAW);
	type_n(junk + sizeof(junk) / 2, sizeof(junk) / 2);
	set_mode(CONSOLE_MODE_ECHO);
	total = 0;
	while ((n = con_read(&term, CONSOLE_DATA_MAX, CONSOLE_READ_NONBLOCK, buf)) > 0)
		total += (size_t)n;
	type("\x03ok\r");
	ktap_check(n == -EAGAIN && total <= CONSOLE_INPUT_MAX && reads("ok\n"),
	           "8 KiB of binary garbage, cooked and raw: %zu bytes read back, still working",
	           total);
}

static void test_interleave(void)
{
	iris_handle_t h = IRIS_HANDLE_INVALID;
	static struct iris_chan c2;
	static struct iris_rpc_client t2;
	int r = iris_rpc_call_handles(&term, CONSOLE_OP_CLIENT, NULL, 0, IRIS_HANDLE_INVALID, NULL,
	                              0, &h, 10 * SEC);
	if (r == 0)
		r = iris_chan_open(&c2, h);
	ktap_check(r == 0, "CLIENT: a fresh terminal channel (%d)", r);
	if (r < 0)
		return;
	iris_rpc_client_init(&t2, &c2);

	enum { N = 20, LEN = 104 };
	char a[LEN + 1], b[LEN + 1];
	memset(a, 'a', LEN);
	memset(b, 'b', LEN);
	a[0] = b[0] = '<';
	a[LEN - 2] = b[LEN - 2] = '>';
	a[LEN - 1] = b[LEN - 1] = '\n';
	a[LEN] = b[LEN] = '\0';
	size_t mark = sink_sync("<interleave>\n");
	long ida[N], idb[N];
	for (int i = 0; i < N; i++) {
		ida[i] = iris_rpc_send(&term, CONSOLE_OP_WRITE, a, LEN, IRIS_HANDLE_INVALID, SEC);
		idb[i] = iris_rpc_send(&t2, CONSOLE_OP_WRITE, b, LEN, IRIS_HANDLE_INVALID, SEC);
	}
	int bad = 0;
	for (int i = 0; i < N; i++) {
		bad += ida[i] <= 0 ||
		       iris_rpc_wait(&term, (uint32_t)ida[i], NULL, 0, NULL, 10 * SEC);
		bad += idb[i] <= 0 || iris_rpc_wait(&t2, (uint32_t)idb[i], NULL, 0, NULL, 10 * SEC);
	}
	/* The mirror holds the 40 WRITEs whole, in some interleaving. */
	sink_wait_n(mark + 2 * N * LEN - 1, "\n", 1);
	int na = 0, nb = 0;
	pthread_mutex_lock(&sink_lock);
	size_t i = mark;
	while (i + LEN <= sink_len &&
	       (memcmp(sink_buf + i, a, LEN) == 0 || memcmp(sink_buf + i, b, LEN) == 0)) {
		na += sink_buf[i + 1] == 'a';
		nb += sink_buf[i + 1] == 'b';
		i += LEN;
	}
	pthread_mutex_unlock(&sink_lock);
	ktap_check(bad == 0 && na == N && nb == N,
	           "two clients' pipelined WRITEs interleave whole (%d + %d of %d each, %d failed)",
	           na, nb, N, bad);

	/* A client that leaves with a READ waiting does not take the next line. */
	struct console_read rd = { CONSOLE_DATA_MAX, 0 };
	long id = iris_rpc_send(&t2, CONSOLE_OP_READ, &rd, sizeof(rd), IRIS_HANDLE_INVALID, SEC);
	struct console_info info;
	r = call(&t2, CONSOLE_OP_GET_INFO, NULL, 0, &info, sizeof(info));
	iris_chan_close(&c2);
	sys_sleep(50 * MS);
	type("mine\r");
	ktap_check(id > 0 && r == sizeof(info) && reads("mine\n"),
	           "a client gone with a READ waiting does not take the next line");
}

static void test_bad_requests(void)
{
	struct console_read rd0 = { 0, 0 }, rdbig = { CONSOLE_DATA_MAX + 1, 0 },
	                    rdflags = { 1, 0x80 };
	uint32_t bad_mode = 0x80, bad_attach = 0x10;
	int e1 = call(&term, CONSOLE_OP_READ, &rd0, sizeof(rd0), NULL, 0);
	int e2 = call(&term, CONSOLE_OP_READ, &rdbig, sizeof(rdbig), NULL, 0);
	int e3 = call(&term, CONSOLE_OP_READ, &rdflags, sizeof(rdflags), NULL, 0);
	int e4 = call(&term, CONSOLE_OP_READ, &rd0, 3, NULL, 0);
	int e5 = call(&term, CONSOLE_OP_SET_MODE, &bad_mode, sizeof(bad_mode), NULL, 0);
	int e6 = call(&term, CONSOLE_OP_ATTACH, &bad_attach, sizeof(bad_attach), NULL, 0);
	int e7 = call(&term, 99, NULL, 0, NULL, 0);
	int e8 = call(&term, CONSOLE_OP_INPUT, "x", 1, NULL, 0);
	iris_chan_send(&term_chan, "?", 1, 0, SEC); /* not even an RPC header */
	struct console_info info;
	int ok = call(&term, CONSOLE_OP_GET_INFO, NULL, 0, &info, sizeof(info));
	ktap_check(e1 == -EINVAL && e2 == -EINVAL && e3 == -EINVAL && e4 == -EINVAL &&
	                   e5 == -EINVAL && e6 == -EINVAL && e7 == -ENOSYS && e8 == -EPERM &&
	                   ok == sizeof(info),
	           "bad requests refused (%d %d %d %d %d %d %d %d), the channel still served", e1,
	           e2, e3, e4, e5, e6, e7, e8);
}

/* A sink that never reads holds WRITEs back only until it is cut loose; the live one gets all. */
static void test_stalled_sink(void)
{
	static struct iris_chan dead;
	static struct iris_rpc_client dead_cl;
	uint32_t flags = CONSOLE_ATTACH_OUTPUT;
	int r = connect_console(&dead);
	if (r == 0) {
		iris_rpc_client_init(&dead_cl, &dead);
		r = call(&dead_cl, CONSOLE_OP_ATTACH, &flags, sizeof(flags), NULL, 0);
	}
	size_t mark = sink_mark();
	int64_t t0 = sys_clock_get(IRIS_CLOCK_MONOTONIC);
	char line[101];
	int bad = 0;
	for (int i = 0; i < 400; i++) {
		snprintf(line, sizeof(line), "flow %03d %s\n", i,
		         "........................................................................."
		         "......."
		         "......");
		bad += con_write(&term, line) != 0;
	}
	int64_t ms = (sys_clock_get(IRIS_CLOCK_MONOTONIC) - t0) / MS;
	bool all = sink_wait(mark, "flow 399 ");
	pthread_mutex_lock(&sink_lock);
	bool first = sink_find(mark, "flow 000 ", 9) >= 0;
	size_t got = sink_len - mark;
	pthread_mutex_unlock(&sink_lock);
	ktap_check(
	        r == 0 && bad == 0 && ms >= 1500 && all && first && got >= 400 * 96,
	        "a sink that never reads is cut loose after %lld ms; the live sink got %zu bytes",
	        (long long)ms, got);
	iris_chan_close(&dead);
}

static int child_sleep(void)
{
	for (;;)
		sys_sleep(60 * SEC);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "sleep") == 0)
		return child_sleep();
	iris_modules_init();
	ktap_plan(19);

	uint32_t in = CONSOLE_ATTACH_INPUT, out = CONSOLE_ATTACH_OUTPUT;
	int r = connect_console(&term_chan);
	int rs = r ? r : connect_console(&src_chan);
	int rk = rs ? rs : connect_console(&sink_chan);
	iris_rpc_client_init(&term, &term_chan);
	iris_rpc_client_init(&src, &src_chan);
	static struct iris_rpc_client sink_cl;
	iris_rpc_client_init(&sink_cl, &sink_chan);
	int ai = rk ? rk : call(&src, CONSOLE_OP_ATTACH, &in, sizeof(in), NULL, 0);
	int ao = ai ? ai : call(&sink_cl, CONSOLE_OP_ATTACH, &out, sizeof(out), NULL, 0);
	pthread_t t;
	bool ok = ao == 0 && pthread_create(&t, NULL, sink_thread, NULL) == 0;
	if (!ktap_check(ok, "connected three times to \"%s\"; a source and a sink attached (%d)",
	                CONSOLE_NAME, ao))
		return ktap_done();

	test_info_and_write(); /* 2, 3 */
	test_cooked();         /* 4..8 */
	test_raw();            /* 9 */
	test_ctrl_c();         /* 10, 11 */
	test_bad_input();      /* 12, 13 */
	test_interleave();     /* 14..16 */
	test_bad_requests();   /* 17 */
	test_stalled_sink();   /* 18 */
	ktap_check(sink_lost == 0, "the sink's collection buffer was large enough");
	return ktap_done();
}
