/* The small static program process_spawn starts on Linux: it only exits, with status 0. */
int main(void)
{
	return 0;
}
