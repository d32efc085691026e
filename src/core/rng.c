/* rng.c - splitmix64, the deterministic generator of the playoff. */
#include "core/jv.h"

#include <math.h>

#include "core/rng.h"

void jv_rng_seed(struct jv_rng *r, uint64_t seed)
{
    r->state = seed;
}

uint64_t jv_rng_next(struct jv_rng *r)
{
    uint64_t z = (r->state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

uint64_t jv_rng_below(struct jv_rng *r, uint64_t bound)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t v;
    do
        v = jv_rng_next(r);
    while (v >= limit);
    return v % bound;
}

double jv_rng_unit(struct jv_rng *r)
{
    return (double)(jv_rng_next(r) >> 11) * 0x1.0p-53;
}

double jv_rng_normal(struct jv_rng *r)
{
    double u1 = jv_rng_unit(r), u2 = jv_rng_unit(r);
    return sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * G_PI * u2);
}
