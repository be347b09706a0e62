"""Generates zrouter_worker/frames_pb2.py from the repository's frames.proto at build time.

The schema lives once, in proto/src/main/proto (set ZROUTER_PROTO_DIR to build elsewhere);
the generated module is never checked in.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
PROTO_DIR = Path(os.environ.get("ZROUTER_PROTO_DIR", HERE.parent.parent / "proto/src/main/proto"))
PROTO = "zrouter/v1/frames.proto"


class BuildPyWithProtos(build_py):
    def run(self) -> None:
        super().run()
        if not (PROTO_DIR / PROTO).is_file():
            raise SystemExit(f"frames.proto not found under {PROTO_DIR} (set ZROUTER_PROTO_DIR)")
        protoc = os.environ.get("PROTOC", "protoc")
        with tempfile.TemporaryDirectory() as out:
            # keep the proto's own path, so the descriptor is registered as zrouter/v1/frames.proto
            subprocess.run([protoc, f"-I{PROTO_DIR}", f"--python_out={out}", PROTO], check=True)
            target = Path(self.build_lib) / "zrouter_worker" / "frames_pb2.py"
            shutil.copyfile(Path(out) / "zrouter/v1/frames_pb2.py", target)


# build output under target/, as for every module of the Maven build
setup(
    cmdclass={"build_py": BuildPyWithProtos},
    options={"build": {"build_base": "target/build"}, "egg_info": {"egg_base": "target"}},
)
