/*
 * Host unit test of devmgr's manifest parser (servers/devmgr/manifest.c):
 * the directives, wildcards and matching (PCI functions by class and id,
 * platform devices by name), and one test per error, each
 * naming the offending line.
 */
#include "../../servers/devmgr/manifest.h"
#include "check.h"
#include <string.h>

static struct manifest m;
static char err[128];

static int parse(const char *text)
{
	return manifest_parse(text, strlen(text), &m, err, sizeof(err));
}

/* Whether `text` is refused with a message containing `want`. */
static int refused(const char *text, const char *want)
{
	if (parse(text) != -1)
		return 0;
	if (!strstr(err, want)) {
		printf("# for %s\n#   got \"%s\", wanted \"%s\"\n", text, err, want);
		return 0;
	}
	return 1;
}

static struct iris_device_info dev(uint16_t vendor, uint16_t device, uint8_t cls, uint8_t sub,
                                   uint8_t pi)
{
	struct iris_device_info d = { 0 };
	d.vendor = vendor;
	d.device = device;
	d.class_code = cls;
	d.subclass = sub;
	d.prog_if = pi;
	return d;
}

static void test_full(void)
{
	const char *text = "# the AHCI driver\n"
	                   "driver ahci\n"
	                   "\n"
	                   "  match class 01 06 01   # AHCI 1.0\n"
	                   "match id 8086 2922\r\n"
	                   "rights mmio irq dma\n"
	                   "args --depth 32\t--x\n";
	CHECK(parse(text) == 0);
	CHECK(strcmp(m.driver, "ahci") == 0);
	CHECK(m.nmatch == 2);
	CHECK(m.match[0].kind == MANIFEST_MATCH_CLASS && m.match[0].v[0] == 1 &&
	      m.match[0].v[1] == 6 && m.match[0].v[2] == 1);
	CHECK(m.match[1].kind == MANIFEST_MATCH_ID && m.match[1].v[0] == 0x8086 &&
	      m.match[1].v[1] == 0x2922);
	CHECK(m.rights == (IRIS_RIGHT_DEV_MMIO | IRIS_RIGHT_DEV_IRQ | IRIS_RIGHT_DEV_DMA));
	CHECK(strcmp(m.args, "--depth 32 --x") == 0);
	CHECK(err[0] == '\0');

	struct iris_device_info ahci = dev(0x1234, 0x5678, 1, 6, 1);
	struct iris_device_info ich9 = dev(0x8086, 0x2922, 1, 6, 0);
	struct iris_device_info ide = dev(0x8086, 0x7010, 1, 1, 0x80);
	CHECK(manifest_matches(&m, &ahci));
	CHECK(manifest_matches(&m, &ich9));
	CHECK(!manifest_matches(&m, &ide));
}

static void test_minimal_and_wildcards(void)
{
	CHECK(parse("driver edu\nmatch id 1234 11E8") == 0); /* no newline at the end */
	CHECK(m.rights == 0 && m.args[0] == '\0' && m.nmatch == 1);
	struct iris_device_info edu = dev(0x1234, 0x11e8, 0xff, 0, 0);
	struct iris_device_info other = dev(0x1234, 0x1111, 0xff, 0, 0);
	CHECK(manifest_matches(&m, &edu) && !manifest_matches(&m, &other));

	CHECK(parse("driver nvme\nmatch class 01 08 *\n") == 0);
	CHECK(m.match[0].v[2] == MANIFEST_ANY);
	CHECK(manifest_matches(
	        &m, &(struct iris_device_info){ .class_code = 1, .subclass = 8, .prog_if = 2 }));
	CHECK(!manifest_matches(&m, &(struct iris_device_info){ .class_code = 1, .subclass = 6 }));

	CHECK(parse("driver any-intel\nmatch id 8086 *\nrights config ports\nargs\n") == 0);
	CHECK(m.rights == (IRIS_RIGHT_DEV_CONFIG | IRIS_RIGHT_DEV_PORTS));
	CHECK(manifest_matches(&m, &(struct iris_device_info){ .vendor = 0x8086, .device = 7 }));
	CHECK(!manifest_matches(&m, &(struct iris_device_info){ .vendor = 0x8087 }));

	CHECK(parse("driver x.y_z-1\nmatch class * * *\n") == 0);
	CHECK(manifest_matches(&m, &(struct iris_device_info){ 0 }));
}

/* A platform device named `name` (at most IRIS_DEVICE_NAME_MAX bytes, terminated or not). */
static struct iris_device_info platform(const char *name)
{
	struct iris_device_info d = { 0 };
	d.bus_type = IRIS_BUS_PLATFORM;
	for (size_t i = 0; i < sizeof(d.name) && name[i]; i++)
		d.name[i] = name[i];
	return d;
}

static void test_platform(void)
{
	CHECK(parse("driver uart\nmatch name com1\nrights ports irq\n") == 0);
	CHECK(m.nmatch == 1 && m.match[0].kind == MANIFEST_MATCH_NAME);
	CHECK(strcmp(m.match[0].name, "com1") == 0);
	CHECK(m.rights == (IRIS_RIGHT_DEV_PORTS | IRIS_RIGHT_DEV_IRQ));
	struct iris_device_info com1 = platform("com1");
	CHECK(manifest_matches(&m, &com1));
	CHECK(!manifest_matches(&m, &(struct iris_device_info){ 0 })); /* PCI, no name */
	CHECK(!manifest_matches(&m, &(struct iris_device_info){ .name = "com1" })); /* PCI */
	struct iris_device_info other = platform("com10");
	CHECK(!manifest_matches(&m, &other));
	other = platform("com");
	CHECK(!manifest_matches(&m, &other));
	other = platform("COM1");
	CHECK(!manifest_matches(&m, &other));
	other = com1;
	other.bus_type = 7; /* a bus this devmgr does not know */
	CHECK(!manifest_matches(&m, &other));

	/* PCI lines never match a platform device, whatever its ids; name lines no PCI one. */
	CHECK(parse("driver any\nmatch class * * *\nmatch id * *\n") == 0);
	CHECK(!manifest_matches(&m, &com1));
	CHECK(manifest_matches(&m, &(struct iris_device_info){ .vendor = 1 }));

	/* Mixed lines, and a name that fills the kernel's whole field. */
	CHECK(parse("driver kbd\nmatch id 8086 1234\nmatch name i8042\n"
	            "match name abcdefghijklmno\n") == 0);
	CHECK(m.nmatch == 3 && strcmp(m.match[2].name, "abcdefghijklmno") == 0);
	struct iris_device_info i8042 = platform("i8042");
	CHECK(manifest_matches(&m, &i8042));
	CHECK(manifest_matches(&m,
	                       &(struct iris_device_info){ .vendor = 0x8086, .device = 0x1234 }));
	struct iris_device_info longest = platform("abcdefghijklmno");
	CHECK(manifest_matches(&m, &longest));
	struct iris_device_info unterminated = platform("abcdefghijklmnop");
	CHECK(!manifest_matches(&m, &unterminated));
}

static void test_errors(void)
{
	CHECK(refused("driver a\nmatch id 1 2\nfoo bar\n", "line 3: unknown directive \"foo\""));
	CHECK(refused("driver a\n", "no match line"));
	CHECK(refused("match id 1 2\n", "no driver line"));
	CHECK(refused("", "no driver line"));
	CHECK(refused("driver a\ndriver b\nmatch id 1 2\n", "line 2: a second driver line"));
	CHECK(refused("driver\nmatch id 1 2\n", "line 1: driver takes one name"));
	CHECK(refused("driver a b\n", "line 1: driver takes one name"));
	CHECK(refused("driver abcdefghijklmnop\n", "line 1: driver name longer than 15"));
	CHECK(refused("driver a/b\n", "line 1: bad character '/'"));
	CHECK(refused("driver a\nmatch\n", "line 2: match takes"));
	CHECK(refused("driver a\nmatch vendor 1\n", "line 2: unknown match \"vendor\""));
	CHECK(refused("driver a\nmatch name\n", "line 2: match name takes one name"));
	CHECK(refused("driver a\nmatch name a b\n", "line 2: match name takes one name"));
	CHECK(refused("driver a\nmatch name *\n", "line 2: match name takes a name, not *"));
	CHECK(refused("driver a\nmatch name abcdefghijklmnop\n",
	              "line 2: device name longer than 15 bytes"));
	CHECK(refused("driver a\nmatch name com/1\n", "line 2: bad character '/' in the device"));
	CHECK(refused("driver a\nmatch id 1\n", "line 2: match id takes 2 fields"));
	CHECK(refused("driver a\nmatch class 1 2\n", "line 2: match class takes 3 fields"));
	CHECK(refused("driver a\nmatch class 1 2 3 4\n", "line 2: match class takes 3"));
	CHECK(refused("driver a\nmatch id 12345 1\n", "line 2: \"12345\" is not *"));
	CHECK(refused("driver a\nmatch class 100 1 1\n", "\"100\" is not * or a hex number"));
	CHECK(refused("driver a\nmatch id 0x12 1\n", "\"0x12\" is not"));
	CHECK(refused("driver a\nmatch id ** 1\n", "\"**\" is not"));
	CHECK(refused("driver a\nmatch id 1 2\nrights\n", "line 3: rights takes at least one"));
	CHECK(refused("driver a\nmatch id 1 2\nrights mmio root\n", "unknown right \"root\""));
	CHECK(refused("driver a\nrights irq\nrights dma\nmatch id 1 2\n",
	              "line 3: a second rights line"));
	CHECK(refused("driver a\nargs x\nargs y\nmatch id 1 2\n", "line 3: a second args line"));
	CHECK(refused("driver a\x01\nmatch id 1 2\n", "line 1: byte 0x1 is not printable"));
	CHECK(refused("driver a\nmatch id 1 2\n\xc3\xa9\n", "line 3: byte 0xc3"));
	static const char nul[] = "driver a\nmatch id 1 2\nargs a\0b\n";
	CHECK(manifest_parse(nul, sizeof(nul) - 1, &m, err, sizeof(err)) == -1 &&
	      strstr(err, "line 3: byte 0 is not printable"));

	char big[400];
	memset(big, 'a', sizeof(big));
	memcpy(big, "args ", 5);
	big[sizeof(big) - 1] = '\0';
	CHECK(refused(big, "line 1: longer than 256 bytes"));
	char longargs[200] = "driver a\nmatch id 1 2\nargs";
	for (int i = 0; i < 30; i++)
		strcat(longargs, " abcd");
	CHECK(refused(longargs, "line 3: args longer than 127 bytes"));

	char many[600] = "driver a\n";
	for (int i = 0; i <= MANIFEST_MATCH_MAX; i++)
		strcat(many, "match id 1 2\n");
	CHECK(refused(many, "line 18: more than 16 match lines"));
	strcpy(many, "driver a\n");
	for (int i = 0; i <= MANIFEST_MATCH_MAX; i++)
		strcat(many, "match name com1\n");
	CHECK(refused(many, "line 18: more than 16 match lines"));
	CHECK(parse("driver a\nmatch id 1 2\nargs a b c d e f g h i j k l m n o p q r s t\n") == 0);
	CHECK(strlen(m.args) == 39);

	/* A message is cut to the buffer, always terminated. */
	char tiny[8];
	CHECK(manifest_parse("bogus\n", 6, &m, tiny, sizeof(tiny)) == -1);
	CHECK(strlen(tiny) == 7 && memcmp(tiny, "line 1:", 7) == 0);
	CHECK(manifest_parse("bogus\n", 6, &m, NULL, 0) == -1);
}

int main(void)
{
	test_full();
	test_minimal_and_wildcards();
	test_platform();
	test_errors();
	CHECK(strcmp(manifest_right_name(IRIS_RIGHT_DEV_DMA), "dma") == 0);
	CHECK(manifest_right_name(IRIS_RIGHT_READ) == NULL);
	return check_done("manifest");
}
