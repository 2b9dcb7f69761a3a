#!/usr/bin/python3
"""Prints the reference trajectories of torch.optim.LBFGS that tests/test_optim_lbfgs.cpp pins optim::LBFGS to.

Run with Debian's PyTorch 1.13 (apt-get install python3-torch): /usr/bin/python3 tests/pytorch/lbfgs_reference.py
and paste its output over the tables in tests/test_optim_lbfgs.cpp (the tests need no PyTorch).

Each case minimises a Rosenbrock function with several step() calls; after each call it prints the loss step()
returned, the parameters (flattened in order), and the optimizer's func_evals and n_iter, with 17 significant digits.
Last, the first step length on 20011 parameters, which pins the order in which PyTorch sums |g|.
The objectives are written so that both libraries round them identically: every gradient element is the sum of at
most two contributions (addition commutes, a third term would depend on the order the two autograds add in), and
the chained function's terms are added one by one from the left (the sum kernels of the two libraries add in
different orders).
"""
import torch

torch.set_default_dtype(torch.float64)


def rosenbrock_2d(x, y):
    """f(x, y) = (1 - x)^2 + 100 (y - x^2)^2, x and y one-element tensors."""
    return ((1 - x) ** 2 + 100 * (y - x ** 2) ** 2).sum()


def rosenbrock_chained(x):
    """f(x) = sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2, the terms added left to right."""
    a, b = x[:-1], x[1:]  # one slice each: a term per use would make three contributions to a gradient element
    terms = 100 * (b - a ** 2) ** 2 + (1 - a) ** 2
    loss = terms[0]
    for k in range(1, terms.numel()):
        loss = loss + terms[k]
    return loss


CASES = [
    # name, objective, starting point (one list per parameter), options, step() calls, dtype
    ("kRosenbrock2dNoLineSearch", "2d", [[-1.5], [2.0]], dict(lr=1, max_iter=10, history_size=3), 8, torch.float64),
    ("kRosenbrock2dStrongWolfe", "2d", [[-1.5], [2.0]], dict(lr=1, max_iter=5, line_search_fn="strong_wolfe"), 6,
     torch.float64),
    ("kRosenbrock6dStrongWolfe", "chained", [[-1.2, 1.0, -1.2, 1.0, -1.2, 1.0]],
     dict(lr=1, max_iter=6, history_size=3, line_search_fn="strong_wolfe"), 6, torch.float64),
    ("kRosenbrock6dNoLineSearch", "chained", [[-1.2, 1.0, -1.2, 1.0, -1.2, 1.0]],
     dict(lr=0.5, max_iter=8, history_size=4), 6, torch.float64),
    # 20 values: BLAS's dot takes its vector kernel (16 at a time), the sum its vector path with several vectors.
    ("kRosenbrock20dStrongWolfe", "chained", [[-1.2 if i % 2 == 0 else 1.0 for i in range(20)]],
     dict(lr=1, max_iter=10, history_size=5, line_search_fn="strong_wolfe"), 3, torch.float64),
    # float32: PyTorch computes some scalars in float32 (0-d tensors), others in double (Python numbers).
    ("kRosenbrock2dStrongWolfeFloat", "2d", [[-1.5], [2.0]], dict(lr=1, max_iter=5, line_search_fn="strong_wolfe"), 6,
     torch.float32),
    ("kRosenbrock6dStrongWolfeFloat", "chained", [[-1.2, 1.0, -1.2, 1.0, -1.2, 1.0]],
     dict(lr=1, max_iter=6, history_size=3, line_search_fn="strong_wolfe"), 6, torch.float32),
    ("kRosenbrock6dNoLineSearchFloat", "chained", [[-1.2, 1.0, -1.2, 1.0, -1.2, 1.0]],
     dict(lr=0.5, max_iter=8, history_size=4), 6, torch.float32),
]


def run(objective, start, options, steps, dtype):
    params = [torch.tensor(v, dtype=dtype, requires_grad=True) for v in start]
    opt = torch.optim.LBFGS(params, **options)

    def closure():
        opt.zero_grad()
        loss = rosenbrock_2d(*params) if objective == "2d" else rosenbrock_chained(params[0])
        loss.backward()
        return loss

    rows = []
    for _ in range(steps):
        loss = float(opt.step(closure))
        state = opt.state[params[0]]
        flat = [v for p in params for v in p.detach().tolist()]
        rows.append((loss, flat, state["func_evals"], state["n_iter"]))
    return rows


def g17(v):
    return "%.17g" % v


def first_step_length(n, dtype):
    """t = min(1, 1/|g|_1) * lr of the first iteration, for f(x) = sum_i a_i x_i (g = a) on n parameters, with
    a_i = ((7919 i) mod 1000 - 500) / 7: pins the order in which PyTorch sums |g| (naive left-to-right summation
    gives another t here)."""
    a = torch.tensor([((i * 7919) % 1000 - 500) / 7.0 for i in range(n)], dtype=dtype)
    x = torch.zeros(n, dtype=dtype, requires_grad=True)
    opt = torch.optim.LBFGS([x], max_iter=1)

    def closure():
        opt.zero_grad()
        loss = (x * a).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return float(opt.state[x]["t"])


def main():
    print("// Produced by tests/pytorch/lbfgs_reference.py (torch %s); rows: {loss returned by step(), "
          "{parameters}, func_evals, n_iter}." % torch.__version__)
    for name, objective, start, options, steps, dtype in CASES:
        print("// %s: %s, %s, from %s, %s" % (name, objective, str(dtype)[6:],
                                             start if len(start[0]) < 10 else "(-1.2, 1, -1.2, ...)",
                                             ", ".join("%s=%r" % kv for kv in options.items())))
        print("const std::vector<RefStep> %s = {" % name)
        for loss, flat, evals, iters in run(objective, start, options, steps, dtype):
            print("    {%s, {%s}, %d, %d}," % (g17(loss), ", ".join(g17(v) for v in flat), evals, iters))
        print("};")
    print("// First step length on 20011 parameters (see first_step_length), float64 and float32.")
    print("constexpr double kFirstStepLength = %s;" % g17(first_step_length(20011, torch.float64)))
    print("constexpr double kFirstStepLengthFloat = %s;" % g17(first_step_length(20011, torch.float32)))


if __name__ == "__main__":
    main()
