/* libc_lock: the spin-then-yield lock under libc's state and pthread mutexes. */
#include "../internal.h"
#include <iris/sys.h>

/* Attempts at a held lock before each yield: enough to ride out a short critical section. */
#define SPINS_BEFORE_YIELD 64

bool libc_trylock(int *word)
{
	return __atomic_load_n(word, __ATOMIC_RELAXED) == 0 &&
	       __atomic_exchange_n(word, 1, __ATOMIC_ACQUIRE) == 0;
}

void libc_lock(int *word)
{
	for (unsigned spins = 0; !libc_trylock(word); spins++) {
		if (spins < SPINS_BEFORE_YIELD) {
			__builtin_ia32_pause();
		} else {
			sys_yield();
			spins = 0;
		}
	}
}

void libc_unlock(int *word)
{
	__atomic_store_n(word, 0, __ATOMIC_RELEASE);
}
