/* How long one core takes to see a value another core wrote: two threads, pinned to two cores,
 * pass a counter back and forth through two cache lines, a million times. The round trip is
 * what every step of a mass split over two threads pays at least once (its barrier), so it
 * bounds how small a network two threads can speed up (bench/mass.sh prints it in its header).
 *
 * usage: cc -O2 -pthread bench/core-handoff.c -o core-handoff && ./core-handoff [CORE_A CORE_B]
 * prints: {"cores": [A, B], "round_trip_ns": ...} (the best of five rounds; noise only adds) */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

enum { Trips = 1000000, Rounds = 5 };
static _Alignas(64) atomic_long ping;
static _Alignas(64) atomic_long pong;
static int core_b;

static int pin(int core)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(core, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void *answer(void *unused)
{
    (void)unused;
    if (pin(core_b) != 0) {
        fprintf(stderr, "core-handoff: cannot pin a thread to core %d (this machine has cores 0..%ld)\n", core_b, sysconf(_SC_NPROCESSORS_ONLN) - 1);
        exit(2);
    }
    for (long i = 1; i <= (long)Trips * Rounds; i++) {
        while (atomic_load_explicit(&ping, memory_order_acquire) < i) {
        }
        atomic_store_explicit(&pong, i, memory_order_release);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int core_a = argc > 2 ? atoi(argv[1]) : 0;
    core_b = argc > 2 ? atoi(argv[2]) : 1;
    pthread_t other;
    if (pin(core_a) != 0) {
        fprintf(stderr, "core-handoff: cannot pin a thread to core %d (this machine has cores 0..%ld)\n", core_a, sysconf(_SC_NPROCESSORS_ONLN) - 1);
        return 2;
    }
    if (pthread_create(&other, NULL, answer, NULL) != 0) {
        fprintf(stderr, "core-handoff: cannot start the second thread\n");
        return 2;
    }
    double best = 1e30;
    long i = 0;
    for (int round = 0; round < Rounds; round++) {
        struct timespec start, end;
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (long k = 0; k < Trips; k++) {
            i++;
            atomic_store_explicit(&ping, i, memory_order_release);
            while (atomic_load_explicit(&pong, memory_order_acquire) < i) {
            }
        }
        clock_gettime(CLOCK_MONOTONIC, &end);
        double ns = ((end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec)) / Trips;
        best = ns < best ? ns : best;
    }
    pthread_join(other, NULL);
    printf("{\"cores\": [%d, %d], \"round_trip_ns\": %.1f}\n", core_a, core_b, best);
    return 0;
}
