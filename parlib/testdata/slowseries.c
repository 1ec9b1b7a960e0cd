/* The slow series loop of parlib.SlowSeriesSerial, in C, as the yardstick
 * for "compiled Go vs gcc -O2". Usage: slowseries N  -> prints the sum and
 * the loop's wall time in nanoseconds (process start-up excluded). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double slow_range(unsigned long lo, unsigned long hi) {
	double s = 0.0;
	for (unsigned long k = lo; k < hi; k++) {
		unsigned long m = k;
		while (m > 0) {
			unsigned long q = m / 10;
			if (m - q * 10 == 9)
				break;
			m = q;
		}
		if (m == 0)
			s += 1.0 / (double)k;
	}
	return s;
}

int main(int argc, char **argv) {
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000000UL;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	double s = slow_range(1, n + 1);
	clock_gettime(CLOCK_MONOTONIC, &b);
	long long ns = (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
	printf("%.15f %lld\n", s, ns);
	return 0;
}
