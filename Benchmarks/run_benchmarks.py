#!/usr/bin/env python3
"""run_benchmarks.py: lakeconv against DuckDB, pyarrow and polars (issue #6).

What it measures
----------------
Every tool converts the same generated NDJSON input (Benchmarks/datagen/
gen_events.py --mb SIZE --seed 42) in six jobs:

  a   NDJSON -> one Snappy Parquet file
  b   a Hive dataset partitioned by `source`              (8 partitions)
  c   partitioned by year/month/day of `event_time`, UTC  (30 partitions)
  d   hash-bucketed by `user_id` into 16 buckets
  a1  job a with one thread for every tool
  au  job a with lakeconv --infer-uuid: event_id stored as the Parquet UUID type, as
      DuckDB infers it by itself (the peers run job a again); the output-size
      comparison on equal types (UUID cannot be read by Athena or Spark, so
      lakeconv does not infer it by default)

lakeconv runs as `.build/release/lakeconv ndjson-to-parquet IN --output OUT
--mode overwrite --quiet` (+ --partition-by source | date:event_time:day |
hash:user_id:16, or --threads 1, or --infer-uuid).  Each peer runs as its own Python process,
Benchmarks/peers/TOOL_peer.py JOB IN OUT [--threads 1] (see the docstrings
there for how each library does each job), so every measurement is a whole
process, interpreter start and imports included (about 0.1-0.3 s for the
peers: it matters at small sizes only).

Each run is timed with `/usr/bin/time -f '%e %U %S %M'`.  For each (size, job,
tool) the report gives the median wall time over the runs, the input
throughput (input bytes / median wall, decimal MB/s), the median CPU time
(user + sys), the peak RSS (the maximum over the runs; "MB" there is KiB/1024
as GNU time reports KiB), the output size (all .parquet files, decimal MB) and
whether the output holds exactly the input's record count, read back with
DuckDB (count(*) over the file or OUT/**/*.parquet).  A run that fails or
whose count differs is marked invalid and left out of the medians.  lakeconv's
ratios to each peer are lakeconv MB/s / peer MB/s (above 1: lakeconv faster)
and lakeconv peak RSS / peer peak RSS (below 1: lakeconv uses less memory).

Runs are interleaved (for each run: for each job: for each tool) so that noise
from other work on the machine hits all tools alike; before the timed runs,
every (job, tool) pair runs once untimed on the smallest size (warm-up: page
cache, imports, lazy library loading).

Outputs
-------
  OUT/RESULTS.json   machine, versions, date, command line and every raw run
  OUT/latest.md      the Markdown report (also printed on standard output)
  CHART              PNG (matplotlib, Agg): MB/s and peak RSS per job and tool
                     at the headline size (1000 MB if measured, else the
                     largest), plus job a's MB/s against input size when more
                     than one size was measured

How to reproduce
----------------
    swift build -c release --product lakeconv
    python3 -m venv .venv && .venv/bin/pip install -r requirements-interop.txt
    python3 Benchmarks/run_benchmarks.py --sizes 1000 --runs 3       # headline
    python3 Benchmarks/run_benchmarks.py --sizes 100,1000,4000 --runs 3 \\
        --chart BENCHMARKS.png                                        # scaling

It re-executes itself with .venv/bin/python when the running interpreter lacks
duckdb.  Inputs are written to bench-data/events_SIZEmb.ndjson and reused;
outputs go to OUT/work/ and are deleted after each verification (keep them
with --keep-outputs).  Quick check of the harness itself:

    python3 Benchmarks/run_benchmarks.py --sizes 5 --runs 1

--stages runs .build/release/lakeconv-bench (the Swift stage micro-benchmarks)
if it exists and stores the JSON it prints on standard output under "stages".
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "Benchmarks"
PEERS = BENCH / "peers"
GENERATOR = BENCH / "datagen" / "gen_events.py"
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
TIME = "/usr/bin/time"
SEED = 42

JOBS = {   # job -> (description, lakeconv partition spec or None, threads or None)
    "a": ("one Snappy file", None, None),
    "b": ("partitioned by source", "source", None),
    "c": ("partitioned by year/month/day of event_time (UTC)", "date:event_time:day", None),
    "d": ("hash-bucketed by user_id, 16 buckets", "hash:user_id:16", None),
    "a1": ("job a, one thread", None, 1),
    "au": ("job a, lakeconv with --infer-uuid (event_id as UUID, as DuckDB infers it)", None, None),
}
LAKECONV_FLAGS = {"au": ["--infer-uuid"]}   # job -> extra lakeconv options
PEER_JOB = {"a1": "a", "au": "a"}            # job -> the peers' job
TOOLS = ("lakeconv", "duckdb", "pyarrow", "polars")
NA_EXIT = 3    # peers/common.py: the peer cannot do this job


def ensure_venv():
    """Re-run under the project's venv if this interpreter has no duckdb."""
    try:
        import duckdb  # noqa: F401
    except ImportError:
        # (the venv's python is often a symlink to this very interpreter: compare prefixes)
        if VENV_PYTHON.exists() and Path(sys.prefix).resolve() != VENV_PYTHON.parent.parent.resolve():
            os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), __file__] + sys.argv[1:])
        sys.exit("run_benchmarks.py needs duckdb, pyarrow and polars: "
                 "pip install -r requirements-interop.txt (or create .venv)")


# ----------------------------------------------------------------------------- inputs
def size_label(mb):
    return f"{mb:g}"


def ensure_input(mb, data_dir):
    """The generated input for `mb` MB (made once, then reused) and its record count."""
    path = data_dir / f"events_{size_label(mb)}mb.ndjson"
    if not path.exists():
        print(f"generating {path} ...", file=sys.stderr)
        tmp = path.with_name(path.name + ".part")
        subprocess.run([sys.executable, str(GENERATOR), "--mb", size_label(mb),
                        "--seed", str(SEED), "--out", str(tmp)], check=True)
        tmp.rename(path)
    return path, count_records(path)


def count_records(path):
    """Records in a generated input: its lines (gen_events.py writes one record per
    line and no blank lines)."""
    n = 0
    last = b"\n"
    with open(path, "rb") as f:
        while chunk := f.read(1 << 24):
            n += chunk.count(b"\n")
            last = chunk[-1:]
    return n + (last != b"\n")


# ----------------------------------------------------------------------------- commands
def output_path(work, tool, job):
    """One file for jobs a/a1, a folder for the partitioned jobs."""
    base = work / f"{tool}-{job}"
    return base.with_suffix(".parquet") if JOBS[job][1] is None else base


def command(tool, job, src, out, lakeconv):
    """(argv, extra environment) of one conversion."""
    _, partition, threads = JOBS[job]
    if tool == "lakeconv":
        argv = [str(lakeconv), "ndjson-to-parquet", str(src), "--output", str(out),
                "--mode", "overwrite", "--quiet"]
        if partition:
            argv += ["--partition-by", partition]
        if threads:
            argv += ["--threads", str(threads)]
        return argv + LAKECONV_FLAGS.get(job, []), {}
    argv = [sys.executable, str(PEERS / f"{tool}_peer.py"), PEER_JOB.get(job, job), str(src), str(out)]
    env = {}
    if threads:
        argv += ["--threads", str(threads)]
        if tool == "polars":
            env["POLARS_MAX_THREADS"] = str(threads)
    return argv, env


def remove(path):
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
    bad = path.with_name(path.name + ".bad_records.ndjson")     # lakeconv's default
    if bad.exists():
        bad.unlink()


def run_timed(argv, env):
    """Run argv under GNU time; return a dict with wall/user/sys/rss, rc and stderr tail."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        proc = subprocess.run([TIME, "-f", "%e %U %S %M", "-o", tf.name] + argv,
                              env={**os.environ, **env}, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        lines = [l for l in Path(tf.name).read_text().splitlines() if l.strip()]
    run = {"rc": proc.returncode}
    try:
        wall, user, system, rss = lines[-1].split()
        run.update(wall_s=float(wall), user_s=float(user), sys_s=float(system),
                   cpu_s=round(float(user) + float(system), 3), peak_rss_kib=int(rss))
    except (IndexError, ValueError):
        run["time_output"] = lines
    err = proc.stderr.decode("utf-8", "replace").strip()
    if err:
        run["stderr"] = err[-2000:]
    return run


def verify(out):
    """(rows, parquet files, bytes, partitions) of an output file or dataset folder."""
    import duckdb
    if out.is_dir():
        files = sorted(out.rglob("*.parquet"))
        pattern = str(out / "**" / "*.parquet")
        partitions = len({f.parent for f in files})
    else:
        files = [out] if out.exists() else []
        pattern = str(out)
        partitions = None
    if not files:
        return 0, 0, 0, partitions
    con = duckdb.connect()
    rows = con.execute("SELECT count(*) FROM read_parquet(?)", [pattern]).fetchone()[0]
    con.close()
    return rows, len(files), sum(f.stat().st_size for f in files), partitions


def measure(tool, job, src, expected, work, args):
    """One timed run (output removed before; verified and removed after)."""
    out = output_path(work, tool, job)
    remove(out)
    argv, env = command(tool, job, src, out, args.lakeconv)
    run = run_timed(argv, env)
    run["command"] = argv if not env else [f"{k}={v}" for k, v in env.items()] + argv
    last_err = run.get("stderr", "").splitlines()[-1:]
    if tool != "lakeconv" and run["rc"] == NA_EXIT and last_err and \
            last_err[0].startswith("n/a:"):
        run["na"] = last_err[0][len("n/a:"):].strip()
        run["valid"] = False
        remove(out)
        return run
    if run["rc"] != 0 or "wall_s" not in run:
        run["valid"] = False
        tail = run.get("stderr", "").splitlines()[-1:]
        run["error"] = f"exit status {run['rc']}" + (f": {tail[0][:200]}" if tail else "")
    else:
        rows, nfiles, nbytes, parts = verify(out)
        run.update(rows=rows, files=nfiles, output_bytes=nbytes, partitions=parts,
                   valid=rows == expected)
        if rows != expected:
            run["error"] = f"{rows} rows read back, expected {expected}"
    if not args.keep_outputs:
        remove(out)
    return run


def run_status(r):
    """One progress line for a run."""
    if "na" in r:
        return f"n/a: {r['na']}"
    if "wall_s" not in r:
        return f"FAILED: {r.get('error')}"
    status = f"{r['wall_s']:.2f} s, {r['peak_rss_kib'] / 1024:.0f} MB peak"
    return status if r["valid"] else f"{status}, INVALID: {r.get('error')}"


# ----------------------------------------------------------------------------- summary
def summarize(runs, input_bytes, expected):
    """Aggregate the timed runs of one (size, job, tool).

    Medians cover the runs that completed (exit status 0); rows_ok says whether all
    timed runs completed with the right row count: a tool whose output is wrong
    keeps its figures but is marked invalid, and gets no ratio and no chart bar."""
    na = [r["na"] for r in runs if "na" in r]
    if na:
        return {"na": na[0]}
    runs = [r for r in runs if not r.get("warmup")]
    ok = [r for r in runs if "rows" in r]
    valid = [r for r in ok if r["valid"]]
    s = {"runs": len(runs), "completed_runs": len(ok), "valid_runs": len(valid),
         "rows_ok": len(valid) == len(runs) > 0}
    if not s["rows_ok"]:
        s["error"] = next((r.get("error") for r in runs if not r.get("valid")), "no run")
    if not ok:
        return s
    wall = statistics.median(r["wall_s"] for r in ok)
    s.update(
        wall_s=round(wall, 3),
        mb_per_s=round(input_bytes / 1e6 / wall, 2) if wall > 0 else None,
        cpu_s=round(statistics.median(r["cpu_s"] for r in ok), 3),
        peak_rss_mb=round(max(r["peak_rss_kib"] for r in ok) / 1024, 1),
        output_mb=round(statistics.median(r["output_bytes"] for r in ok) / 1e6, 2),
        files=ok[-1]["files"], partitions=ok[-1]["partitions"], rows=ok[-1]["rows"])
    return s


def ratios(summary, raw=None):
    """lakeconv / peer for throughput and peak RSS, where both were measured validly.

    `throughput` is the ratio of the median MB/s; `paired_throughput` the median over runs
    of peer wall / lakeconv wall within the same run (the two ran back to back, so a slow
    spell of the VM hits both): steadier than the ratio of medians when the machine is noisy."""
    lk = summary.get("lakeconv", {})
    out = {}
    for tool, s in summary.items():
        if tool == "lakeconv" or not (s.get("rows_ok") and lk.get("rows_ok")):
            continue
        out[tool] = {"throughput": round(lk["mb_per_s"] / s["mb_per_s"], 2),
                     "peak_rss": round(lk["peak_rss_mb"] / s["peak_rss_mb"], 2)}
        if raw:
            mine = {r["run"]: r for r in raw.get("lakeconv", []) if not r.get("warmup") and r.get("valid")}
            theirs = {r["run"]: r for r in raw.get(tool, []) if not r.get("warmup") and r.get("valid")}
            pairs = [theirs[k]["wall_s"] / mine[k]["wall_s"] for k in mine if k in theirs and mine[k]["wall_s"] > 0]
            if pairs:
                out[tool]["paired_throughput"] = round(statistics.median(pairs), 2)
    return out


# ----------------------------------------------------------------------------- environment
def machine_info():
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
            else os.cpu_count(),
            "cpu_model": model, "memory_gib": mem_gib,
            "os": f"{platform.system()} {platform.release()}",
            "hostname": platform.node()}


def versions(lakeconv):
    import duckdb
    import polars
    import pyarrow
    try:
        lk = subprocess.run([str(lakeconv), "--version"], capture_output=True, text=True,
                            check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as e:
        lk = f"unavailable ({e})"
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                                capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = None
    return {"lakeconv": lk, "lakeconv_commit": commit, "duckdb": duckdb.__version__,
            "pyarrow": pyarrow.__version__, "polars": polars.__version__,
            "python": platform.python_version()}


def stage_benchmarks():
    """Run the Swift stage micro-benchmarks if they were built; their JSON output
    (expected on standard output) or a status saying why there is none."""
    exe = ROOT / ".build" / "release" / "lakeconv-bench"
    if not exe.exists():
        print("stage benchmarks: lakeconv-bench not built", file=sys.stderr)
        return {"status": "lakeconv-bench not built"}
    print(f"stage benchmarks: running {exe} ...", file=sys.stderr)
    proc = subprocess.run([str(exe)], capture_output=True, text=True, cwd=ROOT)
    result = {"command": [str(exe)], "rc": proc.returncode}
    try:
        result["output"] = json.loads(proc.stdout)
    except ValueError:
        result["raw_stdout"] = proc.stdout[-20000:]
    if proc.stderr.strip():
        result["stderr"] = proc.stderr[-2000:]
    return result


# ----------------------------------------------------------------------------- report
def cells(s):
    """The six cells of one tool in the per-size table."""
    if "na" in s:
        return ["n/a"] + [""] * 5
    if not s.get("completed_runs"):
        return ["failed"] + [""] * 5
    rows = "yes" if s["rows_ok"] else "NO (see notes)"
    mbps = s["mb_per_s"]
    return [f"{s['wall_s']:.2f}", f"{mbps:.0f}" if mbps >= 10 else f"{mbps:.1f}",
            f"{s['cpu_s']:.2f}", f"{s['peak_rss_mb']:.0f}", f"{s['output_mb']:.1f}", rows]


def markdown(doc):
    m, v = doc["machine"], doc["versions"]
    tools, jobs = doc["tools"], doc["jobs"]
    lines = [
        "# lakeconv benchmark results", "",
        f"Date: {doc['date']}  ",
        f"Machine: {m['nproc']} cores, {m['cpu_model']}, {m['memory_gib']} GiB RAM, {m['os']}  ",
        f"Versions: {v['lakeconv']} ({v['lakeconv_commit']}), DuckDB {v['duckdb']}, "
        f"pyarrow {v['pyarrow']}, polars {v['polars']}, Python {v['python']}  ",
        f"Command: `{doc['command']}`  ",
        f"Median of {doc['runs']} run(s); peak RSS is the maximum over the runs. "
        "Peers are whole Python processes (interpreter start and imports included).", "",
        "Jobs: " + "; ".join(f"**{j}** {JOBS[j][0]}" for j in jobs) + ".", ""]
    notes = {}
    for size in doc["sizes"]:
        res = doc["results"][size]
        lines += [f"## {size} MB input ({res['records']:,} records, "
                  f"{res['input_bytes'] / 1e6:,.1f} MB, {Path(res['input']).name})", ""]
        head = ["job"] + [f"{t} {c}" for t in tools
                          for c in ("wall s", "MB/s", "CPU s", "peak MB", "out MB", "rows ok")]
        lines += ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
        for job in jobs:
            row = [job]
            for tool in tools:
                s = res["jobs"][job]["summary"][tool]
                row += cells(s)
                if "na" in s:
                    notes[(tool, job)] = f"{tool} cannot do job {job}: {s['na']}"
                elif s.get("error"):
                    notes[(tool, job, size)] = f"{tool}, job {job}, {size} MB: {s['error']}"
            lines.append("| " + " | ".join(row) + " |")
        peers = [t for t in tools if t != "lakeconv"]
        if "lakeconv" in tools and peers:
            lines += ["", f"lakeconv vs peers at {size} MB (MB/s ratio: above 1 = lakeconv "
                      "faster; paired: the median of each run's wall-time ratio; peak RSS "
                      "ratio: below 1 = lakeconv smaller):", ""]
            head = ["job"] + [f"vs {p} {c}" for p in peers
                              for c in ("MB/s ×", "MB/s × paired", "peak RSS ×")]
            lines += ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
            for job in jobs:
                r = res["jobs"][job]["ratios"]
                row = [job]
                for p in peers:
                    paired = r.get(p, {}).get("paired_throughput")
                    row += ([f"{r[p]['throughput']:.2f}", f"{paired:.2f}" if paired else "–",
                             f"{r[p]['peak_rss']:.2f}"] if p in r else ["–", "–", "–"])
                lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    if notes:
        lines += ["Notes:", ""] + [f"- {n}" for n in notes.values()] + [""]
    stages = doc.get("stages")
    if stages is not None:
        lines += [("Stage micro-benchmarks (lakeconv-bench): see `stages` in RESULTS.json."
                   if "status" not in stages else f"Stage micro-benchmarks: {stages['status']}."),
                  ""]
    return "\n".join(lines)


def chart(doc, path):
    """Grouped bars (MB/s, peak RSS) per job and tool at the headline size."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes, tools, jobs = doc["sizes"], doc["tools"], doc["jobs"]
    headline = "1000" if "1000" in sizes else max(sizes, key=float)
    res = {job: r["summary"] for job, r in doc["results"][headline]["jobs"].items()}
    scaling = len(sizes) > 1 and "a" in jobs
    fig, axes = plt.subplots(1, 3 if scaling else 2, figsize=(17 if scaling else 12, 4.8))
    width = 0.8 / len(tools)
    for ax, key, label in ((axes[0], "mb_per_s", "input MB/s (higher is better)"),
                           (axes[1], "peak_rss_mb", "peak RSS, MB (lower is better)")):
        for i, tool in enumerate(tools):
            xs, ys = [], []
            for k, job in enumerate(jobs):
                s = res[job][tool]
                if s.get(key) is not None and s.get("rows_ok"):
                    xs.append(k + (i - (len(tools) - 1) / 2) * width)
                    ys.append(s[key])
            bars = ax.bar(xs, ys, width, label=tool)
            ax.bar_label(bars, fmt="%.0f", fontsize=7, padding=1)
        ax.set_xticks(range(len(jobs)), jobs)
        ax.set_xlabel("job")
        ax.set_ylabel(label)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
    axes[0].legend(fontsize=8)
    axes[0].set_title(f"Throughput, {headline} MB input")
    axes[1].set_title(f"Peak RSS, {headline} MB input")
    if scaling:
        ax = axes[2]
        xs = [float(s) for s in sizes]
        for tool in tools:
            ys = [doc["results"][s]["jobs"]["a"]["summary"][tool].get("mb_per_s")
                  if doc["results"][s]["jobs"]["a"]["summary"][tool].get("rows_ok") else None
                  for s in sizes]
            pts = [(x, y) for x, y in zip(xs, ys) if y is not None]
            if pts:
                ax.plot(*zip(*pts), marker="o", label=tool)
        ax.set_xscale("log")
        ax.set_xticks(xs, sizes)
        ax.minorticks_off()
        ax.set_xlabel("input size, MB")
        ax.set_ylabel("input MB/s")
        ax.set_title("Job a throughput vs input size")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    m = doc["machine"]
    fig.suptitle(f"lakeconv vs DuckDB / pyarrow / polars — {m['nproc']} cores, "
                 f"{m['cpu_model']}, {doc['date'][:10]}", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130)
    plt.close(fig)


# ----------------------------------------------------------------------------- main
def csv_list(allowed):
    def parse(text):
        items = [x.strip() for x in text.split(",") if x.strip()]
        bad = [x for x in items if x not in allowed]
        if bad or not items:
            raise argparse.ArgumentTypeError(
                f"unknown {', '.join(bad) or 'empty list'}; choose from {', '.join(allowed)}")
        return items
    return parse


def sizes_list(text):
    try:
        sizes = sorted({float(x) for x in text.split(",") if x.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of MB sizes: {text!r}")
    if not sizes or sizes[0] <= 0:
        raise argparse.ArgumentTypeError("sizes must be positive")
    return [size_label(s) for s in sizes]


def main():
    ensure_venv()
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=sizes_list, default=["1000"],
                    help="input sizes in MB, comma-separated (default 1000)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs per measurement (default 3)")
    ap.add_argument("--jobs", type=csv_list(tuple(JOBS)), default=list(JOBS),
                    help="jobs to run (default a,b,c,d,a1,au)")
    ap.add_argument("--tools", type=csv_list(TOOLS), default=list(TOOLS),
                    help="tools to run (default lakeconv,duckdb,pyarrow,polars)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench-data" / "results",
                    help="results folder (default bench-data/results)")
    ap.add_argument("--chart", type=Path, default=None,
                    help="PNG chart path (default OUT/benchmarks.png)")
    ap.add_argument("--data", type=Path, default=ROOT / "bench-data",
                    help="where generated inputs are kept (default bench-data)")
    ap.add_argument("--lakeconv", type=Path, default=ROOT / ".build" / "release" / "lakeconv")
    ap.add_argument("--no-warmup", action="store_true", help="skip the untimed warm-up runs")
    ap.add_argument("--keep-outputs", action="store_true",
                    help="keep the last output of each (job, tool) in OUT/work")
    ap.add_argument("--stages", action="store_true",
                    help="also run .build/release/lakeconv-bench and store its JSON")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    if "lakeconv" in args.tools and not args.lakeconv.exists():
        ap.error(f"{args.lakeconv} not found: swift build -c release --product lakeconv")
    if not Path(TIME).exists():
        ap.error(f"{TIME} (GNU time) is required")
    args.lakeconv = args.lakeconv.resolve()
    args.out = args.out.resolve()
    chart_path = (args.chart or args.out / "benchmarks.png").resolve()
    work = args.out / "work"
    work.mkdir(parents=True, exist_ok=True)
    args.data.mkdir(parents=True, exist_ok=True)

    tools = [t for t in TOOLS if t in args.tools]
    jobs = [j for j in JOBS if j in args.jobs]
    doc = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "command": " ".join(["python3", "Benchmarks/run_benchmarks.py"] + sys.argv[1:]),
           "machine": machine_info(), "versions": versions(args.lakeconv),
           "runs": args.runs, "sizes": args.sizes, "jobs": jobs, "tools": tools,
           "results": {}}
    started = time.monotonic()
    for n, size in enumerate(args.sizes):
        src, expected = ensure_input(float(size), args.data)
        input_bytes = src.stat().st_size
        raw = {job: {tool: [] for tool in tools} for job in jobs}
        na = set()
        # untimed warm-up on the smallest size, then the interleaved timed runs
        passes = ([0] if n == 0 and not args.no_warmup else []) + list(range(1, args.runs + 1))
        for run in passes:
            for job in jobs:
                for tool in tools:
                    if (job, tool) in na:
                        continue
                    r = measure(tool, job, src, expected, work, args)
                    r["run"] = run
                    if run == 0:
                        r["warmup"] = True
                    raw[job][tool].append(r)
                    if "na" in r:
                        na.add((job, tool))
                    label = "warm-up" if run == 0 else f"run {run}/{args.runs}"
                    print(f"[{size} MB] {label} {job:>2} {tool:8} {run_status(r)}",
                          file=sys.stderr)
        per_job = {}
        for job in jobs:
            summary = {t: summarize(raw[job][t], input_bytes, expected) for t in tools}
            per_job[job] = {"summary": summary, "ratios": ratios(summary, raw[job]), "runs": raw[job]}
        doc["results"][size] = {"input": str(src), "input_bytes": input_bytes,
                                "records": expected, "jobs": per_job}
    doc["elapsed_s"] = round(time.monotonic() - started, 1)
    if args.stages:
        doc["stages"] = stage_benchmarks()

    report = markdown(doc)
    (args.out / "RESULTS.json").write_text(json.dumps(doc, indent=2) + "\n")
    (args.out / "latest.md").write_text(report + "\n")
    print(report)
    try:
        chart(doc, chart_path)
        print(f"chart: {chart_path}", file=sys.stderr)
    except ImportError:
        print("chart: matplotlib not installed (pip install 'matplotlib>=3.8')", file=sys.stderr)
    print(f"results: {args.out / 'RESULTS.json'}, {args.out / 'latest.md'}", file=sys.stderr)
    if not args.keep_outputs:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
