/*
 * Thread stress (KTAP): 64 threads x 1,000 yields each, with FPU/SSE state
 * that must survive every switch; then every thread is joined and counted.
 */
#include "ktap.h"
#include <iris/sys.h>
#include <pthread.h>
#include <stdint.h>

#define THREADS 64
#define YIELDS  1000

static volatile long total;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	double x = (double)id;
	long mine = 0;
	for (int i = 0; i < YIELDS; i++) {
		x = x * 1.0000001 + 1.0;
		sys_yield();
		mine++;
	}
	/* The same computation without yields must give the same bits. */
	double y = (double)id;
	for (int i = 0; i < YIELDS; i++)
		y = y * 1.0000001 + 1.0;
	pthread_mutex_lock(&lock);
	total += mine;
	pthread_mutex_unlock(&lock);
	return (void *)(uintptr_t)(x == y);
}

int main(void)
{
	pthread_t t[THREADS];
	int created = 0, fpu_ok = 0;

	ktap_plan(4);
	long threads_before = sys_stat(IRIS_STAT_THREADS);
	for (uintptr_t i = 0; i < THREADS; i++)
		created += pthread_create(&t[i], NULL, worker, (void *)i) == 0;
	ktap_check(created == THREADS, "created %d threads", created);
	for (int i = 0; i < created; i++) {
		void *r = NULL;
		pthread_join(t[i], &r);
		fpu_ok += r != NULL;
	}
	ktap_check(total == (long)THREADS * YIELDS, "%ld yields counted", (long)total);
	ktap_check(fpu_ok == THREADS, "FPU state intact in %d threads", fpu_ok);
	long threads_after = sys_stat(IRIS_STAT_THREADS);
	ktap_check(threads_after == threads_before, "all threads gone (%ld before, %ld after)",
	           threads_before, threads_after);
	return ktap_done();
}
