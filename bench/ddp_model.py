#!/usr/bin/env python3
"""Step-time model of data-parallel training (docs/distributed.md), with the constants measured by
bench/run_ddp.sh on this machine, predicting scaling efficiency at 8 and 64 nodes on 10 and 100 Gbit/s networks.

Weak scaling, as data-parallel training is used: every node trains on the configuration's batch (the global batch
grows with N). One node = this 2-vCPU machine, one process with 2 threads (its fastest single-node setting).

    step(N) = compute + copies + exposed(N)
    allreduce(N, S) = 2 (N - 1) alpha + 2 (N - 1) / N * S / bandwidth      (ring allreduce of S bytes)
    exposed(N) = allreduce(N, S)                                           no overlap (what this machine shows)
               = max(allreduce(N, S_last), allreduce(N, S) - backward)      ideal overlap: every bucket but the
                                                                            last hidden behind backward
    efficiency(N) = compute / step(N)

Usage: /usr/bin/python3 bench/ddp_model.py
"""
# Measured here (bench/run_ddp.sh, 2026-11-30, AMD EPYC Zen 5, 2 vCPUs): one process with 2 threads, step ms;
# DistributedDataParallel's gradient copies into and out of the buckets, ms per step (bench/ddp_step AD_DDP_STATS);
# gradient bytes (float32 parameters) and the bytes of the last bucket (the first layers, reduced after backward).
CONFIGS = {
    "b (784-256-256-10, batch 128)": dict(compute_ms=1.469, copies_ms=0.08, grad_bytes=269_322 * 4, last_bytes=269_322 * 4),
    "c (784-1024-1024-10, batch 256)": dict(compute_ms=16.118, copies_ms=0.83, grad_bytes=1_863_690 * 4, last_bytes=803_840 * 4),
    "cnn (MNIST-example CNN, batch 64)": dict(compute_ms=59.458, copies_ms=0.60, grad_bytes=1_199_882 * 4, last_bytes=18_816 * 4),
}
BACKWARD_SHARE = 2 / 3  # backward is about two thirds of a step (two GEMMs per forward GEMM)

# Networks (assumptions, stated in docs/distributed.md): effective bandwidth and per-message latency of one ring step.
NETWORKS = {
    "10 Gbit/s Ethernet (TCP)": dict(bandwidth=1.1e9, alpha=30e-6),
    "100 Gbit/s (RDMA: InfiniBand / RoCE)": dict(bandwidth=11e9, alpha=3e-6),
}
# This machine's shared memory, from bench/allreduce with 2 ranks: ~1.4 us per small message, ~6 GB/s bus bandwidth.
SHARED_MEMORY = dict(bandwidth=6.0e9, alpha=0.7e-6)


def allreduce_s(n, size, net):
    return 2 * (n - 1) * net["alpha"] + 2 * (n - 1) / n * size / net["bandwidth"]


def efficiency(cfg, n, net, overlap):
    compute = cfg["compute_ms"] * 1e-3
    full = allreduce_s(n, cfg["grad_bytes"], net)
    if overlap:
        exposed = max(allreduce_s(n, cfg["last_bytes"], net), full - BACKWARD_SHARE * compute)
    else:
        exposed = full
    step = compute + cfg["copies_ms"] * 1e-3 + exposed
    return compute / step, full


def main():
    print("Predicted allreduce time at N = 2 on this machine's shared memory (compare bench/run_ddp.sh 'alone'):")
    for name, cfg in CONFIGS.items():
        print(f"  {name}: {allreduce_s(2, cfg['grad_bytes'], SHARED_MEMORY) * 1e3:.3f} ms")
    print()
    header = "| config | network | N | allreduce ms | efficiency, no overlap | efficiency, ideal overlap |"
    print(header)
    print("|---|---|---|---|---|---|")
    for name, cfg in CONFIGS.items():
        for net_name, net in NETWORKS.items():
            for n in (8, 64):
                e0, t = efficiency(cfg, n, net, False)
                e1, _ = efficiency(cfg, n, net, True)
                print(f"| {name} | {net_name} | {n} | {t * 1e3:.2f} | {100 * e0:.0f}% | {100 * e1:.0f}% |")


if __name__ == "__main__":
    main()
