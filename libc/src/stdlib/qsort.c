/* qsort (introsort) and bsearch. */
#include <stdint.h>
#include <stdlib.h>

typedef int (*compare_fn)(const void *, const void *);

static void swap(char *a, char *b, size_t size)
{
	for (; size >= 8; size -= 8, a += 8, b += 8) {
		uint64_t x, y;
		__builtin_memcpy(&x, a, 8);
		__builtin_memcpy(&y, b, 8);
		__builtin_memcpy(a, &y, 8);
		__builtin_memcpy(b, &x, 8);
	}
	for (; size; size--, a++, b++) {
		char t = *a;
		*a = *b;
		*b = t;
	}
}

static void insertion_sort(char *base, size_t n, size_t size, compare_fn cmp)
{
	for (size_t i = 1; i < n; i++) {
		for (size_t j = i; j > 0; j--) {
			char *a = base + (j - 1) * size, *b = a + size;
			if (cmp(a, b) <= 0)
				break;
			swap(a, b, size);
		}
	}
}

/* Restores the max-heap property below `root` in a heap of n elements. */
static void sift_down(char *base, size_t root, size_t n, size_t size, compare_fn cmp)
{
	for (;;) {
		size_t child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && cmp(base + child * size, base + (child + 1) * size) < 0)
			child++;
		if (cmp(base + root * size, base + child * size) >= 0)
			return;
		swap(base + root * size, base + child * size, size);
		root = child;
	}
}

static void heap_sort(char *base, size_t n, size_t size, compare_fn cmp)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(base, i, n, size, cmp);
	for (size_t end = n - 1; end > 0; end--) {
		swap(base, base + end * size, size);
		sift_down(base, 0, end, size, cmp);
	}
}

/* Returns the median of three elements. */
static char *median3(char *a, char *b, char *c, compare_fn cmp)
{
	if (cmp(a, b) < 0)
		return cmp(b, c) < 0 ? b : cmp(a, c) < 0 ? c : a;
	return cmp(a, c) < 0 ? a : cmp(b, c) < 0 ? c : b;
}

/*
 * Quicksort with a median-of-three pivot (Tukey's ninther on big ranges) and a Hoare partition
 * (equal keys stop both scans, so runs of equal keys split evenly). Recurses into the smaller side
 * only; after `depth` levels it switches to heapsort, which bounds the worst case at O(n log n).
 * Every index stays in bounds even if cmp is inconsistent.
 */
static void intro_sort(char *base, size_t n, size_t size, compare_fn cmp, unsigned depth)
{
	while (n > 16) {
		if (depth-- == 0) {
			heap_sort(base, n, size, cmp);
			return;
		}
		char *lo = base, *mid = base + (n / 2) * size, *hi = base + (n - 1) * size;
		if (n > 256) {
			size_t step = (n / 8) * size;
			char *m = median3(median3(lo, lo + step, lo + 2 * step, cmp),
			                  median3(mid - step, mid, mid + step, cmp),
			                  median3(hi - 2 * step, hi - step, hi, cmp), cmp);
			swap(m, mid, size);
		}
		if (cmp(mid, lo) < 0)
			swap(mid, lo, size);
		if (cmp(hi, mid) < 0) {
			swap(hi, mid, size);
			if (cmp(mid, lo) < 0)
				swap(mid, lo, size);
		}
		/* lo <= mid <= hi now; the pivot goes to index 1. */
		char *pivot = base + size;
		swap(mid, pivot, size);

		size_t i = 1, j = n - 1;
		for (;;) {
			do
				i++;
			while (i < n - 1 && cmp(base + i * size, pivot) < 0);
			do
				j--;
			while (j > 1 && cmp(base + j * size, pivot) > 0);
			if (i >= j)
				break;
			swap(base + i * size, base + j * size, size);
		}
		swap(pivot, base + j * size, size);

		/* [0, j) <= pivot at j <= (j, n) */
		size_t left = j, right = n - j - 1;
		if (left < right) {
			intro_sort(base, left, size, cmp, depth);
			base += (j + 1) * size;
			n = right;
		} else {
			intro_sort(base + (j + 1) * size, right, size, cmp, depth);
			n = left;
		}
	}
	insertion_sort(base, n, size, cmp);
}

void qsort(void *base, size_t count, size_t size, compare_fn cmp)
{
	if (count < 2 || size == 0)
		return;
	unsigned depth = 0;
	for (size_t n = count; n > 1; n >>= 1)
		depth += 2;
	intro_sort(base, count, size, cmp, depth);
}

void *bsearch(const void *key, const void *base, size_t count, size_t size, compare_fn cmp)
{
	const char *lo = base;
	while (count > 0) {
		const char *mid = lo + (count / 2) * size;
		int c = cmp(key, mid);
		if (c == 0)
			return (void *)mid;
		if (c > 0) {
			lo = mid + size;
			count -= count / 2 + 1;
		} else {
			count /= 2;
		}
	}
	return NULL;
}
