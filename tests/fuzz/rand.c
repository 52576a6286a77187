// SPDX-License-Identifier: MIT
/*
 * The random generator: one sequence per thread, from the seed.
 */

#include "fuzz.h"

/* xorshift64*: a reproducible sequence per thread. */
uint64_t rnd(struct thread *t)
{
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return t->rng * 0x2545f4914f6cdd1dull;
}

uint64_t below(struct thread *t, uint64_t n)
{
	return n ? rnd(t) % n : 0;
}

bool chance(struct thread *t, unsigned int percent)
{
	return below(t, 100) < percent;
}
