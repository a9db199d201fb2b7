"""The control channel's round trip (BENCHMARKS.md): 500 raw requests over the socket of the
AgentWatch running with this XDG_RUNTIME_DIR, then 50 whole `agentwatch pause --resume` runs.
AGENTWATCH_BIN names the binary (default: agentwatch on the PATH)."""
import socket, time, json, statistics, subprocess, os
path = os.path.join(os.environ["XDG_RUNTIME_DIR"], "agentwatch/control.sock")
binary = os.environ.get("AGENTWATCH_BIN", "agentwatch")
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
cli = []
for i in range(50):
    t = time.perf_counter()
    r = subprocess.run([binary, "pause", "--resume"], capture_output=True)
    cli.append((time.perf_counter() - t) * 1000)
    assert r.returncode == 0, r
cli.sort()
print("agentwatch pause --resume (debug build, whole process), 50 runs: median %.1f ms, max %.1f ms" % (statistics.median(cli), cli[-1]))
