"""Reads the stamps that bench/probes/timeline.patch makes the seesaw kernel
write into max_logits (uint32 %clock values: 4 CTAs x 4 tiles x 16 rounds x
32 slots) and prints each event's median offset from consumer 0's round
start, the round and tile periods.

    python3 timeline_analyze.py DUMP_DIR/max_logits.bin
"""
import numpy as np, sys
R = 16
a = np.fromfile(sys.argv[1], dtype=np.uint32)[: 4 * 4 * R * 32].reshape(4, 4, R, 32).astype(np.int64)
def rel(x, ref):
    d = (x - ref) % (1 << 32)
    return np.where(d >= (1 << 31), d - (1 << 32), d)
names = {0: 'c0 round start', 1: 'c0 own half acquired (L0)', 2: 'c0 other half acquired (R0)', 3: 'c0 QK^T done',
         4: 'c0 m0 published', 5: 'c0 m\' received', 6: 'c0 P0 stored+released', 7: 'c0 own GEMM done', 8: 'c0 R1 + P1 acquired', 9: 'c0 cross GEMM done',
         10: 'c1 round start', 11: 'c1 own half acquired (R1)', 12: 'c1 other half acquired (L1)', 13: 'c1 QK^T done', 14: 'c1 m0 received, m\' published',
         16: 'c1 P1 stored+released', 17: 'c1 own GEMM done', 18: 'c1 L0 + P0 acquired', 19: 'c1 cross GEMM done',
         15: 'c0 own GEMM issued', 25: 'c1 own GEMM issued',
         20: 'prod L0 free (round i)', 21: 'prod R1 free', 22: 'prod R0 free', 23: 'prod L1 free'}
ref = a[:, :, :, 0]
print('offsets from c0 round start of the same round, cycles (median over 4 CTAs x tiles 4-7 x rounds 1..14; p10, p90)')
for s in sorted(names):
    v = rel(a[:, :, 1:R-1, s], ref[:, :, 1:R-1]).ravel()
    print(f'{s:3d} {names[s]:34s} {int(np.median(v)):7d}  ({int(np.percentile(v,10))}, {int(np.percentile(v,90))})')
per = rel(ref[:, :, 1:], ref[:, :, :-1]).ravel()
print('round period c0:', int(np.median(per)), 'p10', int(np.percentile(per,10)), 'p90', int(np.percentile(per,90)))
per1 = rel(a[:, :, 1:, 10], a[:, :, :-1, 10]).ravel()
print('round period c1:', int(np.median(per1)))
# tile level: slots 26/27 at i=0 (Q acquired), i=1 (sums exchanged), i=2 (stores done)
for c in (0, 1):
    q = a[:, :, 0, 26 + c]; x = a[:, :, 1, 26 + c]; st = a[:, :, 2, 26 + c]
    last = a[:, :, R - 1, 10 * c + 9]
    first = a[:, :, 0, 10 * c + 0]
    print(f'c{c}: last cross GEMM done -> sums exchanged {int(np.median(rel(x, last)))}, -> stores done {int(np.median(rel(st, last)))}')
    print(f'c{c}: Q acquired -> round 0 start {int(np.median(rel(first, q)))}')
    # next tile's Q acquire vs this tile's stores done
    nq = a[:, 1:, 0, 26 + c]; pst = a[:, :-1, 2, 26 + c]
    print(f'c{c}: stores done -> next tile Q acquired {int(np.median(rel(nq, pst)))}')
    tile = rel(a[:, 1:, 0, 10*c], a[:, :-1, 0, 10*c]).ravel()
    print(f'c{c}: tile period {int(np.median(tile))} = {np.median(tile)/np.median(per):.2f} rounds')
# round 0 and last round durations
r0 = rel(a[:, :, 1, 0], a[:, :, 0, 0]).ravel()
print('c0 round 0 duration', int(np.median(r0)))
