/* pair.h - one scheduled playoff match, shared by the schedules (schedule.h, eig.h). */
#ifndef JV_PAIR_H
#define JV_PAIR_H

/* One scheduled match: entry `a` is shown first (Entry A), `b` second. */
struct jv_pair {
    unsigned a;
    unsigned b;
};

#endif
