#!/usr/bin/env python3
# Usage: python3 src/bench/node-threads-phases.py LOG FROM TO [MIN_JOBS]: per job, the wait=true and the polling windows of
# a node-threads.py LOG between FROM and TO (HH:MM:SS; the bench's measured phases).
import sys, re, collections
log, start, end = sys.argv[1], sys.argv[2], sys.argv[3]
acc = {'wait': [0, 0.0, collections.Counter(), collections.Counter()], 'poll': [0, 0.0, collections.Counter(), collections.Counter()]}
for line in open(log):
    m = re.match(r'(\d\d:\d\d:\d\d) jobs=(\d+) cpu_s=([\d.]+) vcsw=(\d+) \| (.*)', line)
    if not m or not (start <= m.group(1) <= end): continue
    jobs = int(m.group(2))
    if jobs < int(sys.argv[4] if len(sys.argv) > 4 else 50): continue
    g = {}
    for x in m.group(5).split(' '):
        pass
    for name, c, v in re.findall(r'(\S[^=]*?)=([\d.]+)/(\d+)', m.group(5)):
        g[name.strip()] = (float(c), int(v))
    ex = g.get('executor-thread', (0, 0))[1] / jobs
    fj = g.get('ForkJoinPool.co', (0, 0))[1] / jobs
    ph = 'poll' if ex > 12 else 'wait'
    if not ph: continue
    a = acc[ph]; a[0] += jobs; a[1] += float(m.group(3))
    for k, (c, v) in g.items(): a[2][k] += c; a[3][k] += v
for ph, (jobs, cpu, c, v) in acc.items():
    if not jobs: continue
    print(f"{ph}: {jobs} jobs, node JVM CPU {1000*cpu/jobs:.2f} ms/job (all threads, JIT incl.), vcsw/job total {sum(v.values())/jobs:.1f}")
    for k in ['vert.x-eventloo', 'executor-thread', 'proctor-runner', 'ForkJoinPool.co', 'proctor-wait-ti', 'sandbox-workdir', 'cgroup-pool', 'C2 CompilerThre', 'C1 CompilerThre']:
        print(f"   {k:16s} cpu {1000*c[k]/jobs:5.2f} ms/job  vcsw {v[k]/jobs:5.2f}/job")
