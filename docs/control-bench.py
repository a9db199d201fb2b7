import socket, time, json, statistics, subprocess, os
path = "/tmp/ctlbench/rt/agentwatch/control.sock"
times = []
for i in range(500):
    t = time.perf_counter()
    s = socket.socket(socket.AF_UNIX); s.connect(path)
    s.sendall(b'{"v":1,"op":"resume"}\n')
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(4096)
        if not chunk: break
        data += chunk
    s.close()
    times.append((time.perf_counter() - t) * 1000)
    assert json.loads(data)["ok"]
times.sort()
print("socket round trip, 500 requests: median %.2f ms, p99 %.2f ms, max %.2f ms" % (statistics.median(times), times[int(len(times)*0.99)], times[-1]))
env = dict(os.environ, XDG_RUNTIME_DIR="/tmp/ctlbench/rt")
cli = []
for i in range(50):
    t = time.perf_counter()
    r = subprocess.run(["/work/targets/control/debug/agentwatch", "pause", "--resume"], env=env, capture_output=True)
    cli.append((time.perf_counter() - t) * 1000)
    assert r.returncode == 0, r
cli.sort()
print("agentwatch pause --resume (debug build, whole process), 50 runs: median %.1f ms, max %.1f ms" % (statistics.median(cli), cli[-1]))
