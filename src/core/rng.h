/*
 * rng.h - splitmix64: a small, fast, well-mixed deterministic generator (the
 * playoff's pairings, sides and posterior draws; seeded, so a run repeats).
 */
#ifndef JV_RNG_H
#define JV_RNG_H

#include <stdint.h>

struct jv_rng {
    uint64_t state;
};
void jv_rng_seed(struct jv_rng *r, uint64_t seed);
uint64_t jv_rng_next(struct jv_rng *r);
/* Uniform integer in [0, bound) (bound > 0), without modulo bias. */
uint64_t jv_rng_below(struct jv_rng *r, uint64_t bound);
/* Uniform double in [0, 1). */
double jv_rng_unit(struct jv_rng *r);
/* A standard normal draw (Box–Muller: two uniforms a value). */
double jv_rng_normal(struct jv_rng *r);

#endif
