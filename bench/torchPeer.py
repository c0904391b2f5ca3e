"""Peer: PyTorch CPU, nn.Embedding -> nn.LSTM(batch_first) -> nn.Linear, Adam, CrossEntropyLoss.

Usage: python3 bench/torchPeer.py '<plan JSON>' (bench/run.js writes the plan; plan["threads"] sets
torch.set_num_threads, and the thread count of any OpenBLAS loaded). Speaks the same result lines as
bench/peerSupport.js. Works with pip's PyTorch 2.x (MKL and oneDNN linked into libtorch_cpu.so; numpy's
own scipy_openblas64_ is loaded beside it) and with Debian's python3-torch 1.13 (OpenBLAS or the
reference BLAS through libblas.so.3); its info message says which BLAS torch really computes with.
"""
import json
import os
import re
import sys
import time

RESULT_PREFIX = "@@bench "
BATCH_VARIANTS = 4


def emit(message):
    """Sends one result message to bench/run.js."""
    sys.stdout.write(RESULT_PREFIX + json.dumps(message) + "\n")
    sys.stdout.flush()


def peak_rss_mb():
    """Peak resident set size of this process so far, in MiB (VmHWM)."""
    with open("/proc/self/status", encoding="utf-8") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


MATH_LIBRARY_KEYS = ("blas", "lapack", "mkl", "dnnl", "gomp", "iomp", "libomp")
# OpenBLAS builds name their entry points differently: Debian's and most distributions' plain
# openblas_*, ILP64 builds openblas_*64_, and numpy's / scipy's bundled scipy_openblas64_ library
# scipy_openblas_*64_ (or *_64_). Tried in this order; a library with none of them is not an OpenBLAS.
OPENBLAS_SYMBOL_STYLES = (
    ("openblas_", ""),
    ("openblas_", "64_"),
    ("openblas_", "_64_"),
    ("scipy_openblas_", "64_"),
    ("scipy_openblas_", "_64_"),
)


def mapped_math_libraries():
    """Real paths of the BLAS / LAPACK / MKL / oneDNN / OpenMP libraries mapped into this process."""
    names = set()
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            for line in maps:
                fields = line.split()
                path = fields[-1] if len(fields) >= 6 else ""
                if path.startswith("/") and any(key in os.path.basename(path) for key in MATH_LIBRARY_KEYS):
                    names.add(os.path.realpath(path))
    except OSError:
        pass
    return sorted(names)


def bundled_by_numpy(path):
    """Whether a library is the copy numpy / scipy wheels bundle for themselves (torch does not call it)."""
    return any(part in path for part in ("/numpy.libs/", "/scipy.libs/", "/numpy/.libs/", "/scipy/.libs/")) or (
        "scipy_openblas" in os.path.basename(path)
    )


def openblas_functions(path):
    """get_num_threads / set_num_threads / get_config of the OpenBLAS in an already-loaded library, or None."""
    import ctypes

    try:
        library = ctypes.CDLL(path, mode=os.RTLD_NOLOAD | os.RTLD_NOW)
    except (OSError, AttributeError):
        return None
    for prefix, suffix in OPENBLAS_SYMBOL_STYLES:
        try:
            get_threads = getattr(library, f"{prefix}get_num_threads{suffix}")
            set_threads = getattr(library, f"{prefix}set_num_threads{suffix}")
        except AttributeError:
            continue
        get_threads.restype = ctypes.c_int
        set_threads.argtypes = [ctypes.c_int]
        set_threads.restype = None
        get_config = getattr(library, f"{prefix}get_config{suffix}", None)
        if get_config is not None:
            get_config.restype = ctypes.c_char_p
        return {"symbols": f"{prefix}get_num_threads{suffix}", "get": get_threads, "set": set_threads, "config": get_config}
    return None


def set_openblas_threads(threads):
    """Makes every loaded OpenBLAS use `threads` threads too (torch.set_num_threads leaves an OpenBLAS at
    its default); best effort, never raises. Returns one entry per OpenBLAS found."""
    done = []
    for path in mapped_math_libraries():
        if "blas" not in os.path.basename(path):
            continue
        functions = openblas_functions(path)
        if functions is None:
            continue
        entry = {"library": path, "symbols": functions["symbols"], "bundledByNumpy": bundled_by_numpy(path)}
        try:
            entry["threadsBefore"] = functions["get"]()
            functions["set"](threads)
            entry["threads"] = functions["get"]()
            if functions["config"] is not None:
                entry["config"] = functions["config"]().decode("utf-8", "replace").strip()
        except Exception as error:  # a thread count we could not set is reported, not fatal
            entry["error"] = f"{type(error).__name__}: {error}"
        done.append(entry)
    return done


def search(pattern, text):
    match = re.search(pattern, text or "")
    return match.group(1).strip() if match else None


def torch_math(torch):
    """What torch says it computes with: BLAS_INFO / LAPACK_INFO, MKL and oneDNN (with versions), OpenMP,
    its parallel backend and thread counts (torch.__config__); every field best effort."""
    info = {}
    try:
        config = torch.__config__.show()
    except Exception:
        config = ""
    try:
        parallel = torch.__config__.parallel_info()
    except Exception:
        parallel = ""
    info["blasInfo"] = search(r"BLAS_INFO=([^,\s]+)", config)
    info["lapackInfo"] = search(r"LAPACK_INFO=([^,\s]+)", config)
    for key, backend in (("mkl", "mkl"), ("mkldnn", "mkldnn"), ("openmp", "openmp")):
        try:
            info[key] = bool(getattr(torch.backends, backend).is_available())
        except Exception:
            info[key] = None
    info["mklVersion"] = search(r"Math Kernel Library Version ([0-9][0-9.]*)", config)
    info["mkldnnVersion"] = search(r"(?:MKL-DNN|oneDNN)[^\n]*? v([0-9][0-9.]*)", config)
    info["cpuCapability"] = search(r"CPU capability usage: (\S+)", config)
    info["parallelBackend"] = search(r"ATen parallel backend: ([^\n]+)", parallel)
    for key, label in (("ompThreads", "omp_get_max_threads"), ("mklThreads", "mkl_get_max_threads")):
        value = search(label + r"\(\) : (\d+)", parallel)
        info[key] = int(value) if value is not None else None
    return info


def plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


def blas_summary(math, openblas, libraries):
    """One line (no '/', bench/run.js prints entries by basename) naming the BLAS torch really uses."""
    linked = any(os.path.basename(path).startswith("libmkl") for path in libraries)
    if math.get("blasInfo") == "mkl" or (math.get("blasInfo") is None and math.get("mkl")):
        threads = f", {plural(math['mklThreads'], 'thread')}" if math.get("mklThreads") is not None else ""
        where = "libmkl" if linked else "statically linked into libtorch_cpu.so"
        text = f"torch BLAS: Intel MKL {math.get('mklVersion') or '?'} ({where}{threads})"
    elif openblas:
        first = openblas[0]
        name = " ".join((first.get("config") or "OpenBLAS").split()[:2])  # "OpenBLAS 0.3.21"
        threads = f", {plural(first['threads'], 'thread')}" if "threads" in first else ""
        text = f"torch BLAS: {name} ({os.path.basename(first['library'])}{threads})"
    else:
        blas = [os.path.basename(path) for path in libraries if "blas" in os.path.basename(path)]
        text = f"torch BLAS: {math.get('blasInfo') or '?'} ({', '.join(blas) or 'no BLAS library mapped'}; not an OpenBLAS: the reference BLAS is about 10x slower)"
    if math.get("mkldnn"):
        text += f"; oneDNN {math.get('mkldnnVersion') or ''}".rstrip()
    return text.replace("/", "-")


class Classifier:
    """Embedding -> LSTM (last hidden state) -> Linear logits; softmax for inference."""

    def __init__(self, torch, config):
        nn = torch.nn
        self.embedding = nn.Embedding(config["vocab"], config["embedding"])
        self.lstm = nn.LSTM(config["embedding"], config["hidden"], num_layers=1, batch_first=True)
        self.linear = nn.Linear(config["hidden"], config["classes"])
        self.modules = nn.ModuleList([self.embedding, self.lstm, self.linear])

    def logits(self, ids):
        _, (h_n, _) = self.lstm(self.embedding(ids))
        return self.linear(h_n[-1])


def time_steps(step, timing):
    """Warm-up steps (at least warmupSteps, and warmupSeconds when set), then timed steps (fixed, or until minSeconds and minSteps, at most maxSteps)."""
    warmup_steps = 0
    warmup_start = time.perf_counter()
    while warmup_steps < timing["warmupSteps"] or time.perf_counter() - warmup_start < timing.get("warmupSeconds", 0):
        step(warmup_steps)
        warmup_steps += 1
    steps = 0
    start = time.perf_counter()
    while True:
        step(warmup_steps + steps)
        steps += 1
        seconds = time.perf_counter() - start
        if timing.get("fixedSteps"):
            if steps >= timing["fixedSteps"]:
                break
        elif (seconds >= timing["minSeconds"] and steps >= timing["minSteps"]) or steps >= timing["maxSteps"]:
            break
    return steps, seconds, warmup_steps


def measure_config(torch, plan, config_name):
    """Times training and inference of one config and sends both results."""
    config = plan["configs"][config_name]
    batch, length = config["batch"], config["time"]
    generator = torch.Generator().manual_seed(plan["seed"])
    ids = [torch.randint(1, config["vocab"], (batch, length), generator=generator) for _ in range(BATCH_VARIANTS)]
    labels = [torch.randint(0, config["classes"], (batch,), generator=generator) for _ in range(BATCH_VARIANTS)]
    model = Classifier(torch, config)
    optimizer = torch.optim.Adam(model.modules.parameters(), lr=plan["learningRate"])
    loss_fn = torch.nn.CrossEntropyLoss()

    def train(k):
        model.modules.train()
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model.logits(ids[k % BATCH_VARIANTS]), labels[k % BATCH_VARIANTS])
        loss.backward()
        optimizer.step()
        if not torch.isfinite(loss).item():
            raise RuntimeError(f"loss is not finite: {loss.item()}")

    def infer(k):
        model.modules.eval()
        with torch.no_grad():
            probs = torch.softmax(model.logits(ids[k % BATCH_VARIANTS]), dim=-1)
        probs.numpy()

    for phase, step in (("train", train), ("infer", infer)):
        timing = plan["timing"][config_name][phase]
        if timing.get("skip"):
            emit({"type": "skipped", "config": config_name, "phase": phase, "message": timing["skip"]})
            continue
        try:
            steps, seconds, warmup_steps = time_steps(step, timing)
            emit({
                "type": "result",
                "config": config_name,
                "phase": phase,
                "steps": steps,
                "seconds": seconds,
                "warmupSteps": warmup_steps,
                "fixedSteps": bool(timing.get("fixedSteps")),
                "tokensPerStep": batch * length,
                "tokensPerSecond": steps * batch * length / seconds,
            })
        except Exception as error:  # reported as the figure, the other measurements go on
            emit({"type": "error", "config": config_name, "phase": phase, "message": str(error).split("\n")[0][:300]})
    emit({"type": "memory", "after": config_name, "peakRssMb": peak_rss_mb()})


def main():
    plan = json.loads(sys.argv[1])
    try:
        import torch
    except Exception as error:
        emit({"type": "fatal", "message": f"import torch failed: {error}"})
        return
    threads_error = None
    try:
        torch.set_num_threads(plan["threads"])  # ATen's pool, OpenMP and (where torch has it) MKL
    except Exception as error:
        threads_error = f"torch.set_num_threads: {type(error).__name__}: {error}"
    every_openblas = set_openblas_threads(plan["threads"])
    torch.manual_seed(plan["seed"])
    libraries = mapped_math_libraries()
    torch_libraries = [path for path in libraries if not bundled_by_numpy(path)]
    torch_openblas = [entry for entry in every_openblas if not entry["bundledByNumpy"]]
    math = torch_math(torch)
    try:
        threads = torch.get_num_threads()
    except Exception:
        threads = None
    emit({
        "type": "info",
        "torchVersion": torch.__version__,
        "threads": threads,
        "threadsError": threads_error,
        # The OpenBLAS torch computes with, its threads set to the torch thread count (None: torch uses none).
        "openblas": torch_openblas[0] if torch_openblas else None,
        "python": sys.version.split()[0],
        # What torch computes with: a one-line summary first, then the math / OpenMP libraries torch mapped.
        "blas": [blas_summary(math, torch_openblas, torch_libraries)] + torch_libraries,
        "torchMath": math,
        # Libraries that others (numpy's bundled OpenBLAS) mapped into this process; torch does not call them.
        "otherBlas": [path for path in libraries if bundled_by_numpy(path)],
        "otherOpenblas": [entry for entry in every_openblas if entry["bundledByNumpy"]],
    })
    for config_name in plan["configNames"]:
        measure_config(torch, plan, config_name)
    emit({"type": "memory", "after": "all", "peakRssMb": peak_rss_mb()})


if __name__ == "__main__":
    main()
