"""The machine's sgemm peak, measured with the best BLAS this Python has: numpy's (OpenBLAS) and
PyTorch's matmul (MKL or oneDNN in pip's CPU build), float32 n×n·n×n on the given thread count, best
of the rounds. Prints one JSON line: {"results": [{"library", "threads", "n", "gflops"}], "errors": [...]}.
bench/peak.js runs it with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from the environment (a
CORETYPE of Haswell caps OpenBLAS at AVX2 on an AVX-512 machine)."""
import json
import sys
import time

n = int(sys.argv[1]) if len(sys.argv) > 1 else 2048
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
results = []
errors = []


def best_seconds(fn):
    fn()
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


try:
    import numpy as np

    a = np.random.rand(n, n).astype(np.float32)
    b = np.random.rand(n, n).astype(np.float32)
    c = np.empty((n, n), dtype=np.float32)
    seconds = best_seconds(lambda: np.matmul(a, b, out=c))
    try:
        config = np.show_config(mode="dicts")
        lib = config["Build Dependencies"]["blas"]["name"]
    except Exception:  # older numpy
        lib = "numpy BLAS"
    results.append({"library": f"numpy {np.__version__} ({lib})", "threads": threads, "n": n, "gflops": 2 * n**3 / seconds / 1e9})
except Exception as e:  # numpy missing
    errors.append(f"numpy: {e}")

try:
    import torch

    torch.set_num_threads(threads)
    a = torch.rand(n, n)
    b = torch.rand(n, n)
    c = torch.empty(n, n)
    seconds = best_seconds(lambda: torch.matmul(a, b, out=c))
    mkl = torch.backends.mkl.is_available()
    results.append({"library": f"torch {torch.__version__} ({'MKL' if mkl else 'BLAS'})", "threads": threads, "n": n, "gflops": 2 * n**3 / seconds / 1e9})
except Exception as e:
    errors.append(f"torch: {e}")

print(json.dumps({"results": results, "errors": errors}))
