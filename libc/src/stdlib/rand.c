/* rand/srand: a 64-bit linear congruential generator (Knuth's MMIX constants). */
#include <stdint.h>
#include <stdlib.h>

static uint64_t rand_state = 1;

void srand(unsigned seed)
{
	rand_state = seed;
}

/* Returns the top 31 bits of the next state: 0..RAND_MAX. */
int rand(void)
{
	rand_state = rand_state * 6364136223846793005ull + 1442695040888963407ull;
	return (int)(rand_state >> 33);
}
