"""A throw-away single-node SLURM (munge, slurmctld, slurmd) for the profile test.

Facts this relies on are in ../shared/design/SLURM_NOTES.md: Debian's Slurm 22.05 runs
without cgroups or systemd when its daemons are started by hand as root, slurm.conf must
be at /etc/slurm/slurm.conf, and without slurmdbd job status comes from squeue (kept
visible by MinJobAge). The cluster stops exactly the processes it started and restores
any configuration file it replaced.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

PACKAGES = ("munge", "slurmctld", "slurmd", "slurm-client")
SLURM_CONF = Path("/etc/slurm/slurm.conf")
MUNGE_KEY = Path("/etc/munge/munge.key")
PARTITION = "debug"


class SlurmUnavailable(Exception):
    """This machine cannot host the test cluster (not root, or packages not installable)."""


def _run(*command: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, **kwargs)


def install_packages() -> None:
    if os.geteuid() != 0:
        raise SlurmUnavailable("needs root to install and run the SLURM daemons")
    if all(shutil.which(tool) for tool in ("munged", "slurmctld", "slurmd", "sbatch")):
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    result = _run("apt-get", "install", "-y", "-q", *PACKAGES, env=env)
    if result.returncode != 0:
        update = _run("apt-get", "update", "-q", env=env)
        result = _run("apt-get", "install", "-y", "-q", *PACKAGES, env=env)
        if result.returncode != 0:
            raise SlurmUnavailable(
                f"apt-get could not install {' '.join(PACKAGES)}: "
                f"{update.stderr[-500:]} {result.stderr[-500:]}"
            )


def _total_memory_mb() -> int:
    with open("/proc/meminfo") as meminfo:
        kilobytes = int(meminfo.readline().split()[1])
    return kilobytes // 1024


class LocalSlurm:
    """Start with :meth:`start`, always end with :meth:`stop` (use as a context manager)."""

    def __init__(self, state_dir: Path):
        self.state_dir = Path(state_dir)
        self.node = socket.gethostname().split(".")[0]
        self.processes: list[subprocess.Popen] = []
        self._restore: dict[Path, bytes | None] = {}

    def __enter__(self) -> LocalSlurm:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _replace_file(self, path: Path, content: bytes, mode: int) -> None:
        self._restore.setdefault(path, path.read_bytes() if path.exists() else None)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        path.chmod(mode)

    def _spawn(self, *command: str, user: str | None = None) -> None:
        """Start a daemon in the foreground in its own session, output to <name>.log."""
        log_path = self.state_dir / f"{Path(command[0]).name}.log"
        if user is not None:
            command = ("runuser", "-u", user, "--", *command)
        with open(log_path, "ab") as log:
            self.processes.append(
                subprocess.Popen(
                    command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            )

    def start(self) -> None:
        install_packages()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._start_munge()
        self._write_slurm_conf()
        self._spawn("/usr/sbin/slurmctld", "-D", "-i")
        self._spawn("/usr/sbin/slurmd", "-D")
        self._wait_until_idle(timeout=60)

    def _start_munge(self) -> None:
        if not MUNGE_KEY.exists():
            self._replace_file(MUNGE_KEY, os.urandom(1024), 0o400)
        shutil.chown(MUNGE_KEY, "munge", "munge")
        for folder in (Path("/run/munge"), Path("/var/lib/munge"), Path("/var/log/munge")):
            folder.mkdir(parents=True, exist_ok=True)
            shutil.chown(folder, "munge", "munge")
        self._spawn("/usr/sbin/munged", "--foreground", user="munge")
        for _ in range(50):
            check = subprocess.run("munge -n | unmunge", shell=True, capture_output=True)
            if check.returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError(f"munged did not come up: {check.stderr.decode()[-500:]}")

    def _write_slurm_conf(self) -> None:
        spool = self.state_dir / "spool"
        for folder in ("slurmctld", "slurmd"):
            (spool / folder).mkdir(parents=True, exist_ok=True)
        memory_mb = _total_memory_mb() - 1024  # RealMemory must be set: --mem is checked against it
        conf = f"""\
ClusterName=higgsdyn-test
SlurmctldHost={self.node}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
ReturnToService=2
MinJobAge=3600
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
StateSaveLocation={spool / "slurmctld"}
SlurmdSpoolDir={spool / "slurmd"}
SlurmctldPidFile={self.state_dir / "slurmctld.pid"}
SlurmdPidFile={self.state_dir / "slurmd.pid"}
SlurmctldLogFile={self.state_dir / "slurmctld.daemon.log"}
SlurmdLogFile={self.state_dir / "slurmd.daemon.log"}
NodeName={self.node} NodeAddr=127.0.0.1 CPUs={os.cpu_count()}\
 RealMemory={memory_mb} State=UNKNOWN
PartitionName={PARTITION} Nodes={self.node} Default=YES MaxTime=INFINITE State=UP
"""
        self._replace_file(SLURM_CONF, conf.encode(), 0o644)

    def _wait_until_idle(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        state = ""
        while time.monotonic() < deadline:
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{process.args} exited early; logs in {self.state_dir}")
            result = _run("sinfo", "-h", "-N", "-o", "%T")
            state = result.stdout.strip()
            if state.startswith("idle"):
                return
            time.sleep(0.5)
        raise RuntimeError(f"node did not become idle within {timeout} s (state {state!r})")

    def jobs(self) -> list[tuple[str, str, str]]:
        """(job id, name, state) of every job squeue still knows, finished ones included."""
        result = _run("squeue", "-h", "--states=all", "-o", "%i|%j|%T")
        return [tuple(line.split("|")) for line in result.stdout.split()]

    def stop(self) -> None:
        """Stop exactly the daemons started here (SIGTERM, then SIGKILL) and restore files."""
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()
        for path, content in self._restore.items():
            if content is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(content)
        self._restore.clear()
