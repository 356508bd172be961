#!/usr/bin/env python3
# Usage: python3 src/bench/node-threads.py TREE_DIR/ [SECONDS] > LOG, while ./proctor bench http runs in TREE_DIR: every SECONDS,
# the node JVM's CPU and voluntary context switches per thread group (from /proc/PID/task) and the jobs it finished.
import os, time, sys, collections, re, urllib.request
HZ=os.sysconf('SC_CLK_TCK'); mark=sys.argv[1].encode(); period=float(sys.argv[2]) if len(sys.argv)>2 else 5
def find():
    for p in os.listdir('/proc'):
        if not p.isdigit(): continue
        try:
            c=open(f'/proc/{p}/cmdline','rb').read()
            if b'quarkus-run.jar' in c and mark in c: return p
        except Exception: pass
def snap(pid):
    d={}
    for t in os.listdir(f'/proc/{pid}/task'):
        try:
            st=open(f'/proc/{pid}/task/{t}/stat').read()
            comm=st[st.index('(')+1:st.rindex(')')]
            f=st[st.rindex(')')+2:].split()
            g=re.sub(r'[-#]?\d+$','',comm)
            s=open(f'/proc/{pid}/task/{t}/status').read()
            v=int(re.search(r'^voluntary_ctxt_switches:\s*(\d+)',s,re.M).group(1))
            n=int(re.search(r'^nonvoluntary_ctxt_switches:\s*(\d+)',s,re.M).group(1))
            d[t]=(g,int(f[11])+int(f[12]),v,n)
        except Exception: pass
    return d
pid=None
while not pid: pid=find(); time.sleep(0.3)
print("node pid",pid,flush=True)
port=re.search(rb'-Dquarkus.http.port=(\d+)',open(f'/proc/{pid}/cmdline','rb').read().replace(b'\0',b' ')).group(1).decode()
def done():
    try:
        t=urllib.request.urlopen(f'http://127.0.0.1:{port}/q/metrics',timeout=2).read().decode()
        return sum(float(m) for m in re.findall(r'^proctor_jobs_finished_total\{[^}]*\} (\S+)',t,re.M))
    except Exception: return float('nan')
pd=done()
prev=snap(pid); t0=time.time()
while os.path.exists(f'/proc/{pid}'):
    time.sleep(period)
    try: cur=snap(pid)
    except Exception: break
    cpu=collections.Counter(); vcs=collections.Counter()
    for t,(g,c,v,n) in cur.items():
        p=prev.get(t,(g,0,0,0)); cpu[g]+=c-p[1]; vcs[g]+=v-p[2]
    prev=cur
    d=done(); jobs=d-pd; pd=d
    print(f"{time.strftime('%H:%M:%S')} jobs={jobs:.0f} cpu_s={sum(cpu.values())/HZ:.2f} vcsw={sum(vcs.values())} | "+' '.join(f"{g}={cpu[g]/HZ:.2f}/{vcs[g]}" for g,_ in (cpu+vcs).most_common(14)),flush=True)
