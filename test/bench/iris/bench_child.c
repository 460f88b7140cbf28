/* The small static program process_spawn starts on Iris: it only exits, with code 0. */
int main(void)
{
	return 0;
}
