"""A real Apache Kafka broker for tests: KRaft mode (broker and controller in one JVM) on loopback,
from the jars `make jars` put in .jars/kafka. Started and stopped by a fixture; `make kafka` runs
one in the foreground (`python -m tests.kafka_broker`) for trying the Kafka stream by hand.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import TracebackType

KAFKA_JARS = Path(__file__).resolve().parents[1] / ".jars" / "kafka"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_properties(data: Path, port: int, controller_port: int) -> str:
    return "\n".join([
        "process.roles=broker,controller",
        "node.id=1",
        f"controller.quorum.voters=1@127.0.0.1:{controller_port}",
        f"listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
        f"advertised.listeners=PLAINTEXT://127.0.0.1:{port}",
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        f"log.dirs={data}",
        "num.partitions=1",
        "offsets.topic.replication.factor=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        "auto.create.topics.enable=true",
        "",
    ])


class KafkaBroker:
    """``with KafkaBroker() as broker: broker.bootstrap`` -> "127.0.0.1:<port>"; stopped on exit."""

    def __init__(self, jars: Path = KAFKA_JARS, heap: str = "384m") -> None:
        if not jars.is_dir() or not any(jars.glob("kafka_2.13-*.jar")):
            raise RuntimeError(f"Kafka's jars are not in {jars}: run `make jars`")
        self.jars, self.heap = jars, heap
        self.port, self.controller_port = _free_port(), _free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.home = Path(tempfile.mkdtemp(prefix="kafka-"))
        self.process: subprocess.Popen[bytes] | None = None

    def _java(self, main: str, *args: str) -> list[str]:
        java = os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else "java"
        return [java, f"-Xmx{self.heap}", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", f"{self.jars}/*", main, *args]

    def start(self, timeout: float = 120) -> KafkaBroker:
        properties = self.home / "server.properties"
        properties.write_text(_server_properties(self.home / "data", self.port, self.controller_port))
        cluster_id = _cluster_id()
        subprocess.run(self._java("kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(properties)),
                       check=True, capture_output=True, timeout=timeout)
        log = open(self.home / "broker.log", "wb")  # noqa: SIM115 - the broker's lifetime, closed in stop()
        self.process = subprocess.Popen(self._java("kafka.Kafka", str(properties)), stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Kafka broker exited: {self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"Kafka broker did not listen within {timeout} s: {self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        path = self.home / "broker.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        self.process = None
        shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> KafkaBroker:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def _cluster_id() -> str:
    """A KRaft cluster id: 16 random bytes, URL-safe base64 without padding (what `random-uuid` prints)."""
    import base64

    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


if __name__ == "__main__":  # make kafka: a broker in the foreground until Ctrl-C
    with KafkaBroker() as broker:
        print(f"Kafka broker (KRaft) on {broker.bootstrap}; Ctrl-C stops it", file=sys.stderr)
        try:
            while broker.process is not None and broker.process.poll() is None:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
