"""Peer: PyTorch CPU, nn.Embedding -> nn.LSTM(batch_first) -> nn.Linear, Adam, CrossEntropyLoss.

Usage: python3 bench/torchPeer.py '<plan JSON>' (bench/run.js writes the plan; plan["threads"] sets
torch.set_num_threads). Speaks the same result lines as bench/peerSupport.js.
"""
import json
import os
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


def loaded_blas():
    """Paths of the BLAS / LAPACK / OpenMP libraries mapped into this process (which BLAS torch really uses)."""
    names = set()
    with open("/proc/self/maps", encoding="utf-8") as maps:
        for line in maps:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            base = os.path.basename(path)
            if any(key in base for key in ("blas", "lapack", "gomp", "dnnl", "mkl")):
                names.add(os.path.realpath(path))
    return sorted(names)


def set_openblas_threads(threads):
    """Makes a loaded OpenBLAS use `threads` threads too (torch.set_num_threads leaves it at its default);
    returns what it did, or None when no OpenBLAS is loaded."""
    import ctypes

    for path in loaded_blas():
        if "openblas" in os.path.basename(path):
            library = ctypes.CDLL(path)
            before = library.openblas_get_num_threads()
            library.openblas_set_num_threads(threads)
            return {"library": path, "threadsBefore": before, "threads": library.openblas_get_num_threads()}
    return None


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
    torch.set_num_threads(plan["threads"])
    openblas = set_openblas_threads(plan["threads"])
    torch.manual_seed(plan["seed"])
    emit({
        "type": "info",
        "torchVersion": torch.__version__,
        "threads": torch.get_num_threads(),
        "openblas": openblas,
        "python": sys.version.split()[0],
        "blas": loaded_blas(),
    })
    for config_name in plan["configNames"]:
        measure_config(torch, plan, config_name)
    emit({"type": "memory", "after": "all", "peakRssMb": peak_rss_mb()})


if __name__ == "__main__":
    main()
